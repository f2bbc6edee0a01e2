"""The Telegram channel: webhook with a secret when there is a public URL, else long polling.

python-telegram-bot's Application provides the bot (with its flood-limit rate limiter) and
its lifecycle; updates go through mesobot's inbox rather than PTB's dispatcher, so each is
stored before it is acknowledged and handled in order per chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.ext import AIORateLimiter, Application

from bot.gateway.http import parse_json, read_body
from bot.gateway.services import Services
from bot.gateway.telegram.handlers import PatientHandlers
from bot.gateway.telegram.intake import Intake
from bot.gateway.telegram.relay import CHANNEL, Relay, chat_id

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramChannel:
    """Patients on Telegram."""

    name = CHANNEL

    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.settings = settings
        self.app = (
            Application.builder()
            .token(settings.telegram_token or "")
            .base_url(settings.telegram_api_url)
            .rate_limiter(AIORateLimiter(max_retries=2))
            .updater(None)
            .build()
        )
        texts = services.content.channel_texts
        bot, db = self.app.bot, services.db
        relay = Relay(bot, services.turns, services.buttons, texts, db)
        services.inbox.register(CHANNEL, PatientHandlers(bot, relay, services.buttons, texts, db))
        self.intake = Intake(services.inbox)
        self._polling: asyncio.Task[None] | None = None

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

    async def deliver(self, conversation_id: str, line: dict[str, Any]) -> None:
        """A staff reply as a Telegram message to the patient's chat."""
        chat = chat_id(conversation_id)
        if chat is not None:
            await self.app.bot.send_message(chat, str(line.get("text") or ""))

    async def start(self) -> None:
        """Initialise the bot, then register the webhook or start polling."""
        await self.app.initialize()
        if self.webhook_mode:
            await self.app.bot.set_webhook(
                url=self.settings.telegram_webhook_url or "",
                secret_token=self.settings.telegram_webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await self.app.bot.delete_webhook()
            self._polling = asyncio.create_task(self.intake.poll(self.app.bot))

    async def stop(self) -> None:
        """Stop polling and shut the bot down (stored updates wait for the next start)."""
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
        await self.app.shutdown()

    async def webhook(self, request: Request) -> Response:
        """POST /telegram/webhook: check the secret, store the update, then say 200."""
        secret = self.settings.telegram_webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return Response("forbidden", status_code=403)
        payload = parse_json(await read_body(request, self.settings.max_body_bytes))
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            raise HTTPException(400, "Not a Telegram update.")
        try:
            await self.intake.accept(payload)
        except Exception:
            # Not stored: a non-2xx makes Telegram deliver it again later.
            raise HTTPException(503, "Could not store the update; send it again.") from None
        return Response(status_code=200)
