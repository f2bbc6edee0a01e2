"""The gateway's ASGI app: every patient channel's routes, the demo page, the health check."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.gateway.channel import Channel
from bot.gateway.services import Services
from bot.gateway.telegram.channel import TelegramChannel
from bot.gateway.widget import WidgetChannel
from bot.settings import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"


def channels_for(services: Services) -> list[Channel]:
    """The widget always; Telegram when a bot token is configured."""
    channels: list[Channel] = [WidgetChannel(services)]
    if services.settings.telegram_token:
        channels.append(TelegramChannel(services))
    return channels


async def health(request: Request) -> JSONResponse:
    """GET /healthz: the gateway, Rasa and the action server, and the Telegram mode."""
    services: Services = request.app.state.services
    async with httpx.AsyncClient(timeout=3) as client:
        try:
            actions = (await client.get(services.settings.action_health_url)).is_success
        except httpx.HTTPError:
            actions = False
    rasa = await services.rasa.healthy()
    modes = {channel.name: channel.status() for channel in request.app.state.channels}
    body = {"gateway": True, "rasa": rasa, "actions": actions, "telegram": modes.get("telegram")}
    if body["telegram"] is None:
        body["telegram"] = "off"
    return JSONResponse(body, status_code=200 if rasa and actions else 503)


async def demo(request: Request) -> HTMLResponse:
    """GET /: a demo page with the widget on it, as a clinic would embed it."""
    services: Services = request.app.state.services
    page = (STATIC / "demo.html").read_text(encoding="utf-8")
    return HTMLResponse(page.replace("{{clinic_name}}", html.escape(services.content.clinic.name)))


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Every error as JSON with a sentence a person can act on."""
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


def create_app(settings: Settings) -> Starlette:
    """Build the app; channels connect in its lifespan, not here."""
    problems = settings.problems()
    if problems:
        raise SystemExit("Refusing to start the gateway:\n- " + "\n- ".join(problems))
    services = Services.create(settings)
    channels = channels_for(services)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.services = services
        app.state.channels = channels
        for channel in channels:
            await channel.start()
        try:
            yield
        finally:
            for channel in reversed(channels):
                await asyncio.shield(channel.stop())
            await services.rasa.close()

    routes: list[BaseRoute] = [Route("/", demo), Route("/healthz", health)]
    for channel in channels:
        routes.extend(channel.routes())
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    return Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error}
    )
