"""The gateway's ASGI app: widget, Telegram webhook, demo page, health check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from actions.clinic import load_clinic
from bot.gateway import widget
from bot.gateway.live import LiveBroker
from bot.gateway.rasa_client import RasaClient
from bot.gateway.telegram_bot import TelegramChannel
from bot.gateway.texts import channel_texts
from bot.settings import Settings
from bot.store.db import session_factory

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"


async def health(request: Request) -> JSONResponse:
    """GET /healthz: the gateway, Rasa and the action server, and the Telegram mode."""
    state = request.app.state
    async with httpx.AsyncClient(timeout=3) as client:
        try:
            actions = (await client.get(state.settings.action_health_url)).is_success
        except httpx.HTTPError:
            actions = False
    rasa = await state.rasa.healthy()
    telegram = (
        "off"
        if state.telegram is None
        else ("webhook" if state.telegram.webhook_mode else "polling")
    )
    body = {"gateway": True, "rasa": rasa, "actions": actions, "telegram": telegram}
    return JSONResponse(body, status_code=200 if rasa and actions else 503)


async def demo(request: Request) -> HTMLResponse:
    """GET /: a demo page with the widget on it, as a clinic would embed it."""
    html = (STATIC / "demo.html").read_text(encoding="utf-8")
    return HTMLResponse(html.replace("{{clinic_name}}", request.app.state.clinic.name))


async def telegram_webhook(request: Request) -> Response:
    """POST /telegram/webhook, only when the webhook mode is on."""
    channel = request.app.state.telegram
    if channel is None or not channel.webhook_mode:
        raise HTTPException(404, "Telegram webhook is not enabled.")
    return await channel.webhook(request)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Every error as JSON with a sentence a person can act on."""
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


def create_app(settings: Settings) -> Starlette:
    """Build the app; connections and Telegram start in its lifespan, not here."""
    problems = settings.problems()
    if problems:
        raise SystemExit("Refusing to start the gateway:\n- " + "\n- ".join(problems))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.clinic = load_clinic(settings.clinic_file)
        app.state.sessions = session_factory(settings.database_url)
        app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_token)
        app.state.live = LiveBroker()
        app.state.texts = channel_texts(settings.root / "data" / "channels.yml", app.state.clinic)
        app.state.telegram = None
        if settings.telegram_token:
            app.state.telegram = TelegramChannel(
                settings, app.state.rasa, app.state.sessions, app.state.texts
            )
            await app.state.telegram.start_channel()
        try:
            yield
        finally:
            if app.state.telegram is not None:
                await asyncio.shield(app.state.telegram.stop_channel())
            await app.state.rasa.close()

    routes = [
        Route("/", demo),
        Route("/healthz", health),
        Route("/telegram/webhook", telegram_webhook, methods=["POST"]),
        *widget.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error}
    )
