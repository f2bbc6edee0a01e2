"""The gateway's ASGI app: every patient channel's routes, the demo page, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.console.app import Console, login_required
from bot.console.auth import LoginRequired
from bot.console.notify import StaffTexts, keep_notifying
from bot.gateway import health
from bot.gateway.channel import Channel
from bot.gateway.middleware import RequestLog, SecurityHeaders, WidgetCors
from bot.gateway.services import Services
from bot.gateway.staff_bridge import StaffBridge
from bot.gateway.widget import WidgetChannel
from bot.settings import Settings
from bot.store.channels import expire_web_sessions
from bot.store.inbox import prune
from bot.store.privacy import purge
from bot.store.staff import demo_account_exists

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
HOUSEKEEPING_SECONDS = 3600
PURGE_SECONDS = 24 * 3600
# Handled messages are kept this long, only so that a late Telegram redelivery is recognised.
KEEP_HANDLED = timedelta(days=7)


def channels_for(services: Services) -> list[Channel]:
    """The widget always; Telegram when a bot token is configured."""
    channels: list[Channel] = [WidgetChannel(services)]
    if services.settings.telegram_token:
        # Imported only when used: python-telegram-bot brings apscheduler and pkg_resources,
        # about 20 MB of a gateway that serves only the widget.
        from bot.gateway.telegram.channel import TelegramChannel

        channels.append(TelegramChannel(services))
    return channels


async def demo(request: Request) -> HTMLResponse:
    """GET /: a demo page with the widget on it, as a clinic would embed it."""
    services: Services = request.app.state.services
    page = (STATIC / "demo.html").read_text(encoding="utf-8")
    name = html.escape(services.content.clinic.name)
    return HTMLResponse(page.replace("{{clinic_name}}", name))


ERROR_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
    '<link rel="stylesheet" href="/console/static/console.css"></head><body><main>'
    '<h1>{title}</h1><p>{detail}</p><p><a href="/console/">Back to the queue</a></p>'
    "</main></body></html>"
)


async def http_error(request: Request, exc: Exception) -> Response:
    """Every error with a sentence a person can act on: a page in the console, JSON elsewhere."""
    assert isinstance(exc, HTTPException)
    wants_page = "text/html" in request.headers.get("accept", "")
    if request.url.path.startswith("/console") and wants_page:
        page = ERROR_PAGE.format(title=f"Error {exc.status_code}", detail=html.escape(exc.detail))
        return HTMLResponse(page, status_code=exc.status_code, headers=exc.headers)
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: logged for operators, a plain JSON 500 for the caller (never a stack trace)."""
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": "Something went wrong on our side."}, status_code=500)


async def housekeeping(services: Services) -> None:
    """Every hour: forget idle widget sessions and long-handled messages."""
    idle = timedelta(days=services.settings.widget_session_days)
    last_purge = 0.0
    while True:
        try:
            await run_in_threadpool(expire_web_sessions, services.db, idle)
            await run_in_threadpool(prune, services.db, KEEP_HANDLED)
            retention = services.content.clinic.retention_days
            if retention and (time.monotonic() - last_purge > PURGE_SECONDS or not last_purge):
                removed = await run_in_threadpool(purge, services.db, timedelta(days=retention))
                last_purge = time.monotonic()
                log.info("retention: erased %d rows older than %d days", removed.total, retention)
        except Exception:
            log.exception("housekeeping failed; trying again later")
        await asyncio.sleep(HOUSEKEEPING_SECONDS)


def create_app(settings: Settings) -> Starlette:
    """Build the app; channels connect in its lifespan, not here."""
    problems = settings.problems()
    if problems:
        raise SystemExit("Refusing to start the gateway:\n- " + "\n- ".join(problems))
    services = Services.create(settings)
    if settings.production and demo_account_exists(services.db):
        raise SystemExit("Refusing to start: remove the demo staff account in production.")
    channels = channels_for(services)
    bridge = StaffBridge(services.rasa, channels, settings.staff_chat_id)
    console = Console(settings, services.content, services.db, bridge)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.services = services
        app.state.channels = channels
        for channel in channels:
            await channel.start()
        await services.inbox.resume()
        chores = [asyncio.create_task(housekeeping(services))]
        if settings.staff_chat_id and settings.telegram_token:
            texts = StaffTexts(
                one=services.content.channel_texts["staff_new_escalation"],
                backlog=services.content.channel_texts["staff_escalations_waiting"],
            )
            notify = keep_notifying(services.db, bridge, texts, settings.console_url)
            chores.append(asyncio.create_task(notify))
        try:
            yield
        finally:
            for chore in chores:
                chore.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await chore
            await services.inbox.stop()
            for channel in reversed(channels):
                await asyncio.shield(channel.stop())
            await services.rasa.close()

    routes: list[BaseRoute] = [Route("/", demo), *health.routes()]
    for channel in channels:
        routes.extend(channel.routes())
    routes.extend(console.routes())
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    middleware = [
        Middleware(RequestLog),
        Middleware(SecurityHeaders),
        Middleware(WidgetCors, origins=services.content.clinic.widget_origins),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=middleware,
        exception_handlers={
            HTTPException: http_error,
            LoginRequired: login_required,
            Exception: unexpected_error,
        },
    )
