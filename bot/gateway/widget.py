"""The website widget: sessions, messages, history, live replies over SSE, config.

A browser holds a random token (Authorization header only, never a URL); the gateway keeps
its hash. Messages are stored before they are answered (bot/gateway/inbox.py): the request
waits a while for the answer, and a late answer arrives over the event stream instead.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from bot.content.texts import MAX_MESSAGE_CHARS
from bot.gateway.db_calls import db_call
from bot.gateway.http import NO_STORE, read_json
from bot.gateway.inbox import Outcome
from bot.gateway.rasa_client import RasaUnavailable
from bot.gateway.replies import Reply
from bot.gateway.services import Services
from bot.gateway.throttle import TokenBuckets
from bot.store.channels import (
    button_titles,
    new_event_ticket,
    new_web_session,
    use_event_ticket,
    web_conversation,
)
from bot.store.handling import owner_of
from bot.store.inbox import Message, pending_texts
from bot.store.privacy import export, forget
from bot.store.staff import audit

CHANNEL = "web"
# How long a request waits for the bot's answer before the answer goes over the event stream.
ANSWER_WAIT_SECONDS = 25.0
TICKET_LIFETIME = timedelta(seconds=60)


def bearer(request: Request) -> str:
    """The token of an `Authorization: Bearer ...` header ("" when there is none)."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def reply_lines(replies: list[Reply]) -> list[dict[str, Any]]:
    """Bot replies as the widget draws them."""
    return [{"from": "bot", **reply.as_json()} for reply in replies]


class WidgetChannel:
    """The chat bubble on the clinic's website."""

    name = CHANNEL

    def __init__(self, services: Services) -> None:
        self.services = services
        self.texts = services.content.channel_texts
        # A burst of 10 messages, then one every 2 s per conversation; more gets 429.
        self.rate = TokenBuckets[str](rate=0.5, burst=10)
        self.max_idle = timedelta(days=services.settings.widget_session_days)
        services.inbox.register(CHANNEL, self)

    def routes(self) -> list[BaseRoute]:
        """The widget's JSON and event-stream endpoints."""
        return [
            Route("/widget/session", self.create_session, methods=["POST"]),
            Route("/widget/messages", self.post_message, methods=["POST"]),
            Route("/widget/history", self.history, methods=["GET"]),
            Route("/widget/events/ticket", self.event_ticket, methods=["POST"]),
            Route("/widget/events", self.events, methods=["GET"]),
            Route("/widget/config", self.config, methods=["GET"]),
            Route("/widget/forget", self.forget, methods=["POST"]),
            Route("/widget/export", self.export, methods=["GET"]),
        ]

    async def start(self) -> None:
        """Nothing to connect: browsers come to us."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    def status(self) -> str:
        """Always on."""
        return "on"

    async def deliver(self, conversation_id: str, line: dict[str, Any]) -> None:
        """Live to the open pages of the conversation (and in its history after a reload)."""
        self.services.live.publish(conversation_id, {"buttons": [], **line})

    async def _conversation(self, request: Request) -> str:
        """The caller's conversation, from its secret token; 401 for anything unknown."""
        conversation = await db_call(
            web_conversation, self.services.db, bearer(request), self.max_idle
        )
        if conversation is None:
            raise HTTPException(401, "Unknown or expired session; start a new one.")
        return conversation

    async def create_session(self, request: Request) -> JSONResponse:
        """POST /widget/session: a new conversation; the token is the only key to it."""
        token, _ = await run_in_threadpool(new_web_session, self.services.db)
        return JSONResponse({"token": token}, status_code=201, headers=NO_STORE)

    async def post_message(self, request: Request) -> JSONResponse:
        """POST /widget/messages {"text"} or {"button"}: store it, answer it, return replies."""
        conversation = await self._conversation(request)
        data = await read_json(request, self.services.settings.max_body_bytes)
        body = await self._message_body(conversation, data)
        if not self.rate.allow(conversation):
            raise HTTPException(429, self.texts["too_fast"], headers={"Retry-After": "5"})
        try:
            message = await self.services.inbox.submit(CHANNEL, conversation, body["kind"], body)
        except Exception:
            raise HTTPException(503, self.texts["unavailable"]) from None
        assert message is not None  # widget messages carry no external id to repeat
        outcome = await self.services.inbox.wait(message, ANSWER_WAIT_SECONDS)
        if outcome is None or outcome.delayed:
            notice = Reply(self.texts["delayed"])
            return JSONResponse(
                {"replies": [notice.as_json()], "delayed": True}, status_code=202, headers=NO_STORE
            )
        return JSONResponse(
            {"replies": [reply.as_json() for reply in outcome.replies]}, headers=NO_STORE
        )

    async def _message_body(self, conversation: str, data: dict[str, Any]) -> dict[str, Any]:
        """What to store: checked text, or the payload of a button this conversation was shown."""
        if "button" in data:
            token = data["button"]
            pressed = await self.services.buttons.pressed(conversation, str(token))
            if not isinstance(token, str) or pressed is None:
                raise HTTPException(400, "Unknown button; it may belong to an old page.")
            payload, title = pressed
            return {"kind": "button", "text": payload, "title": title}
        text = data.get("text")
        if not isinstance(text, str):
            raise HTTPException(400, 'Expected {"text": "..."} or {"button": "..."}.')
        if not text.strip():
            raise HTTPException(400, self.texts["empty"])
        if len(text) > MAX_MESSAGE_CHARS:
            raise HTTPException(413, self.texts["too_long"])
        return {"kind": "text", "text": text}

    async def handle(self, message: Message) -> None:
        """Inbox: get Rasa's replies and hand them to the waiting request or the event stream."""
        button = message.kind == "button"
        replies = await self.services.turns.ask(message, message.body["text"], button=button)
        replies = await self.services.buttons.for_patient(message.conversation_id, replies)
        if not self.services.inbox.answer_waiting(message, Outcome(replies)):
            for line in reply_lines(replies):
                self.services.live.publish(message.conversation_id, line)

    async def delayed(self, message: Message) -> None:
        """Inbox: Rasa is away; the request answers now and the reply comes over SSE later."""
        answered = self.services.inbox.answer_waiting(message, Outcome([], delayed=True))
        owned = await run_in_threadpool(owner_of, self.services.db, message.conversation_id)
        if not answered and not owned:
            notice = {"from": "bot", "text": self.texts["delayed"], "buttons": []}
            self.services.live.publish(message.conversation_id, notice)

    async def history(self, request: Request) -> JSONResponse:
        """GET /widget/history: the conversation so far, to redraw it after a page reload."""
        conversation = await self._conversation(request)
        db = self.services.db
        try:
            lines = await self.services.rasa.transcript(conversation)
        except RasaUnavailable:
            raise HTTPException(503, self.texts["unavailable"]) from None
        titles = await run_in_threadpool(button_titles, db, conversation)
        buttons = self.services.buttons
        for line in lines:
            if line["from"] == "patient":
                line["text"] = titles.get(line["text"], line["text"])
        bot_lines = [Reply.from_rasa(line) for line in lines if line["from"] == "bot"]
        issued = iter(await buttons.for_patient(conversation, bot_lines))
        for line in lines:
            if line["from"] == "bot":
                line.update(next(issued).as_json())
        waiting = await run_in_threadpool(pending_texts, db, conversation)
        lines += [{"from": "patient", "text": text, "buttons": []} for text in waiting]
        return JSONResponse({"messages": lines}, headers=NO_STORE)

    async def event_ticket(self, request: Request) -> JSONResponse:
        """POST /widget/events/ticket: a single-use key for the event stream, valid 60 s."""
        conversation = await self._conversation(request)
        ticket = await run_in_threadpool(
            new_event_ticket, self.services.db, conversation, TICKET_LIFETIME
        )
        return JSONResponse({"ticket": ticket}, status_code=201, headers=NO_STORE)

    async def events(self, request: Request) -> StreamingResponse:
        """GET /widget/events?ticket=...: late bot replies and staff replies, as they come."""
        ticket = request.query_params.get("ticket", "")
        conversation = await run_in_threadpool(use_event_ticket, self.services.db, ticket)
        if conversation is None:
            raise HTTPException(401, "Unknown or used ticket; ask for a new one.")
        subscription = self.services.live.subscribe(conversation)

        async def stream() -> AsyncIterator[str]:
            yield ": connected\n\n"
            async for message in subscription:
                if await request.is_disconnected():
                    break
                yield ": keepalive\n\n" if message is None else f"data: {json.dumps(message)}\n\n"

        headers = {**NO_STORE, "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    async def forget(self, request: Request) -> JSONResponse:
        """POST /widget/forget: erase this conversation, as the patient asked."""
        conversation = await self._conversation(request)
        await run_in_threadpool(forget, self.services.db, conversation)
        await run_in_threadpool(
            audit, self.services.db, None, "erase", "widget", None, conversation,
            "patient asked (widget)", "patient",
        )  # fmt: skip
        return JSONResponse({"replies": [Reply(self.texts["forgotten"]).as_json()]})

    async def export(self, request: Request) -> JSONResponse:
        """GET /widget/export: everything stored about this conversation, as JSON."""
        conversation = await self._conversation(request)
        data = await run_in_threadpool(export, self.services.db, conversation)
        headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="my-conversation.json"'}
        return JSONResponse(data, headers=headers)

    async def config(self, request: Request) -> Response:
        """GET /widget/config: clinic name, colours, disclaimer and limits for the widget."""
        content = self.services.content
        return JSONResponse(
            {
                "clinicName": content.clinic.name,
                "colors": content.clinic.colors,
                "disclaimer": self.texts["widget_disclaimer"],
                "maxChars": MAX_MESSAGE_CHARS,
            },
            headers={"Cache-Control": "max-age=300"},
        )
