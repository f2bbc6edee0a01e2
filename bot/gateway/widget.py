"""The website widget's endpoints: sessions, messages, history, live staff replies, config."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from bot.gateway.http import read_json
from bot.gateway.rasa_client import RasaUnavailable
from bot.store.channels import new_web_session, web_conversation

CHANNEL = "web"
MAX_MESSAGE_CHARS = 20_000


def _token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query_params.get("token", "")


async def _conversation(request: Request) -> str:
    """The caller's conversation, from its secret token; 401 for anything unknown."""
    conversation = await run_in_threadpool(
        web_conversation, request.app.state.sessions, _token(request)
    )
    if conversation is None:
        raise HTTPException(401, "Unknown or missing session; start a new one.")
    return conversation


async def create_session(request: Request) -> JSONResponse:
    """A new conversation; the token is the only key to it."""
    token, _ = await run_in_threadpool(new_web_session, request.app.state.sessions)
    return JSONResponse({"token": token}, status_code=201)


async def post_message(request: Request) -> JSONResponse:
    """Forward the patient's text to Rasa and return the replies."""
    conversation = await _conversation(request)
    data = await read_json(request, request.app.state.settings.max_body_bytes)
    text = data.get("text")
    if not isinstance(text, str):
        raise HTTPException(400, 'Expected {"text": "..."}.')
    if len(text) > MAX_MESSAGE_CHARS:
        raise HTTPException(413, f"Messages are limited to {MAX_MESSAGE_CHARS} characters.")
    try:
        replies = await request.app.state.rasa.send(conversation, text, CHANNEL)
    except RasaUnavailable:
        raise HTTPException(503, "The assistant is not reachable right now; try again.") from None
    return JSONResponse({"replies": [reply.as_json() for reply in replies]})


async def history(request: Request) -> JSONResponse:
    """The conversation so far, to redraw it after a page reload."""
    conversation = await _conversation(request)
    try:
        lines = await request.app.state.rasa.transcript(conversation)
    except RasaUnavailable:
        raise HTTPException(503, "The assistant is not reachable right now.") from None
    return JSONResponse({"messages": lines})


async def events(request: Request) -> StreamingResponse:
    """Server-sent events with staff replies for this conversation."""
    conversation = await _conversation(request)
    broker = request.app.state.live

    async def stream() -> AsyncIterator[str]:
        yield ": connected\n\n"
        async for message in broker.subscribe(conversation):
            if await request.is_disconnected():
                break
            yield ": keepalive\n\n" if message is None else f"data: {json.dumps(message)}\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


async def config(request: Request) -> Response:
    """Clinic name and colours for the widget."""
    clinic = request.app.state.clinic
    return JSONResponse(
        {
            "clinicName": clinic.name,
            "colors": clinic.colors,
            "disclaimer": request.app.state.texts["widget_disclaimer"],
        },
        headers={"Cache-Control": "max-age=300"},
    )


routes = [
    Route("/widget/session", create_session, methods=["POST"]),
    Route("/widget/messages", post_message, methods=["POST"]),
    Route("/widget/history", history, methods=["GET"]),
    Route("/widget/events", events, methods=["GET"]),
    Route("/widget/config", config, methods=["GET"]),
]
