"""The website widget's endpoints: sessions, messages, history, live staff replies, config."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from bot.gateway.http import read_json
from bot.gateway.rasa_client import RasaUnavailable
from bot.gateway.services import Services
from bot.store.channels import new_web_session, web_conversation

CHANNEL = "web"
MAX_MESSAGE_CHARS = 20_000


def _token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query_params.get("token", "")


class WidgetChannel:
    """The chat bubble on the clinic's website: a browser holds a token, we keep its hash."""

    name = CHANNEL

    def __init__(self, services: Services) -> None:
        self.services = services

    def routes(self) -> list[BaseRoute]:
        """The widget's JSON and event-stream endpoints."""
        return [
            Route("/widget/session", self.create_session, methods=["POST"]),
            Route("/widget/messages", self.post_message, methods=["POST"]),
            Route("/widget/history", self.history, methods=["GET"]),
            Route("/widget/events", self.events, methods=["GET"]),
            Route("/widget/config", self.config, methods=["GET"]),
        ]

    async def start(self) -> None:
        """Nothing to connect: browsers come to us."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    def status(self) -> str:
        """Always on."""
        return "on"

    async def _conversation(self, request: Request) -> str:
        """The caller's conversation, from its secret token; 401 for anything unknown."""
        conversation = await run_in_threadpool(web_conversation, self.services.db, _token(request))
        if conversation is None:
            raise HTTPException(401, "Unknown or missing session; start a new one.")
        return conversation

    async def create_session(self, request: Request) -> JSONResponse:
        """POST /widget/session: a new conversation; the token is the only key to it."""
        token, _ = await run_in_threadpool(new_web_session, self.services.db)
        return JSONResponse({"token": token}, status_code=201)

    async def post_message(self, request: Request) -> JSONResponse:
        """POST /widget/messages: forward the patient's text to Rasa and return the replies."""
        conversation = await self._conversation(request)
        data = await read_json(request, self.services.settings.max_body_bytes)
        text = data.get("text")
        if not isinstance(text, str):
            raise HTTPException(400, 'Expected {"text": "..."}.')
        if len(text) > MAX_MESSAGE_CHARS:
            raise HTTPException(413, f"Messages are limited to {MAX_MESSAGE_CHARS} characters.")
        try:
            replies = await self.services.rasa.send(conversation, text, CHANNEL)
        except RasaUnavailable:
            raise HTTPException(503, self.services.content.channel_texts["unavailable"]) from None
        return JSONResponse({"replies": [reply.as_json() for reply in replies]})

    async def history(self, request: Request) -> JSONResponse:
        """GET /widget/history: the conversation so far, to redraw it after a page reload."""
        conversation = await self._conversation(request)
        try:
            lines = await self.services.rasa.transcript(conversation)
        except RasaUnavailable:
            raise HTTPException(503, self.services.content.channel_texts["unavailable"]) from None
        return JSONResponse({"messages": lines})

    async def events(self, request: Request) -> StreamingResponse:
        """GET /widget/events: server-sent events with staff replies for this conversation."""
        conversation = await self._conversation(request)
        broker = self.services.live

        async def stream() -> AsyncIterator[str]:
            yield ": connected\n\n"
            async for message in broker.subscribe(conversation):
                if await request.is_disconnected():
                    break
                yield ": keepalive\n\n" if message is None else f"data: {json.dumps(message)}\n\n"

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    async def config(self, request: Request) -> Response:
        """GET /widget/config: clinic name, colours and disclaimer for the widget."""
        content = self.services.content
        return JSONResponse(
            {
                "clinicName": content.clinic.name,
                "colors": content.clinic.colors,
                "disclaimer": content.channel_texts["widget_disclaimer"],
            },
            headers={"Cache-Control": "max-age=300"},
        )
