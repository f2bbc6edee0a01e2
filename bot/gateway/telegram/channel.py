"""The Telegram channel: builds the PTB application, runs it by webhook or polling, stops it."""

from __future__ import annotations

import asyncio
import hmac
import json

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.ext import AIORateLimiter, Application, TypeHandler

from bot.gateway.http import read_body
from bot.gateway.services import Services
from bot.gateway.telegram.handlers import PatientHandlers
from bot.gateway.telegram.relay import CHANNEL, Relay
from bot.gateway.telegram.updates import UpdateLedger

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramChannel:
    """Patients on Telegram: webhook with a secret when there is a public URL, else polling."""

    name = CHANNEL

    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.settings = settings
        self.ledger = UpdateLedger(services.db)
        texts = services.content.channel_texts
        patients = PatientHandlers(Relay(services.rasa, texts), texts, services.db)
        self._tasks: set[asyncio.Task[None]] = set()
        builder = (
            Application.builder()
            .token(settings.telegram_token or "")
            .base_url(settings.telegram_api_url)
            .rate_limiter(AIORateLimiter(max_retries=2))
            .concurrent_updates(True)
        )
        if self.webhook_mode:
            builder = builder.updater(None)
        self.app = builder.build()
        self.app.add_handler(TypeHandler(Update, self.ledger.claim), group=-1)
        self.app.add_handlers(patients.handlers())
        self.app.add_handler(TypeHandler(Update, self.ledger.finish), group=1)

    @property
    def webhook_mode(self) -> bool:
        """Webhook when a public URL is configured, long polling otherwise."""
        return bool(self.settings.telegram_webhook_url)

    def routes(self) -> list[BaseRoute]:
        """The webhook endpoint, in webhook mode only."""
        if not self.webhook_mode:
            return []
        return [Route("/telegram/webhook", self.webhook, methods=["POST"])]

    def status(self) -> str:
        """How updates arrive."""
        return "webhook" if self.webhook_mode else "polling"

    async def start(self) -> None:
        """Initialise, register the webhook or start polling, and replay unfinished updates."""
        await self.app.initialize()
        await self.app.start()
        if self.webhook_mode:
            await self.app.bot.set_webhook(
                url=self.settings.telegram_webhook_url or "",
                secret_token=self.settings.telegram_webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            assert self.app.updater is not None
            await self.app.bot.delete_webhook()
            await self.app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        for payload in await self.ledger.unfinished():
            self._spawn(Update.de_json(payload, self.app.bot))

    async def stop(self) -> None:
        """Stop polling and let running handlers finish."""
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)
        await self.app.stop()
        await self.app.shutdown()

    def _spawn(self, update: Update) -> None:
        task = asyncio.create_task(self.app.process_update(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def webhook(self, request: Request) -> Response:
        """POST /telegram/webhook: check the secret, store the update, answer at once."""
        secret = self.settings.telegram_webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return Response("forbidden", status_code=403)
        body = await read_body(request, self.settings.max_body_bytes)
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise HTTPException(400, "Malformed JSON.") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            raise HTTPException(400, "Not a Telegram update.")
        self._spawn(Update.de_json(payload, self.app.bot))
        return Response(status_code=200)
