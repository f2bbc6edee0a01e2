"""Telegram through python-telegram-bot 22: handlers, webhook or polling, each update once."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.gateway.http import read_body
from bot.gateway.rasa_client import RasaClient, RasaUnavailable
from bot.gateway.replies import Reply, split_text
from bot.gateway.throttle import ChatThrottle
from bot.settings import Settings
from bot.store.channels import add_note, claim_update, finish_update, unfinished_updates

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for inline button data
NOTED_MEDIA = filters.PHOTO | filters.VOICE | filters.VIDEO | filters.VIDEO_NOTE | filters.AUDIO
OTHER_MEDIA = filters.Sticker.ALL | filters.Document.ALL | filters.LOCATION | filters.CONTACT


def conversation_id(chat_id: int) -> str:
    """Rasa sender id for a Telegram chat."""
    return f"tg-{chat_id}"


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Rasa buttons as an inline keyboard; a payload too long for Telegram is left out."""
    rows = [
        [InlineKeyboardButton(b.title, callback_data=b.payload)]
        for b in reply.buttons
        if 0 < len(b.payload.encode()) <= CALLBACK_DATA_LIMIT
    ]
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramChannel:
    """Owns the PTB Application and the state its handlers share."""

    def __init__(
        self, settings: Settings, rasa: RasaClient, sessions: Any, texts: dict[str, str]
    ) -> None:
        self.settings = settings
        self.rasa = rasa
        self.sessions = sessions
        self.texts = texts
        self.throttle = ChatThrottle()
        self._replaying: set[int] = set()
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
        self.app.add_handler(TypeHandler(Update, self.claim), group=-1)
        handlers = [
            CommandHandler("start", self.start),
            CommandHandler("help", self.help),
            CommandHandler("human", self.human),
            CallbackQueryHandler(self.button),
            MessageHandler(filters.UpdateType.EDITED, self.edited),
            MessageHandler(filters.TEXT & ~filters.COMMAND, self.text),
            MessageHandler(NOTED_MEDIA, self.media),
            MessageHandler(OTHER_MEDIA | filters.COMMAND, self.not_text),
        ]
        self.app.add_handlers(handlers)
        self.app.add_handler(TypeHandler(Update, self.finish), group=1)

    @property
    def webhook_mode(self) -> bool:
        """Webhook when a public URL is configured, long polling otherwise."""
        return bool(self.settings.telegram_webhook_url)

    async def start_channel(self) -> None:
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
        for payload in await run_in_threadpool(unfinished_updates, self.sessions):
            self._replaying.add(int(payload["update_id"]))
            self._spawn(Update.de_json(payload, self.app.bot))

    async def stop_channel(self) -> None:
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

    async def claim(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Group -1: stop here when this update id was seen before (Telegram redelivers)."""
        if update.update_id in self._replaying:
            self._replaying.discard(update.update_id)
            return
        payload = update.to_dict()
        if not await run_in_threadpool(claim_update, self.sessions, update.update_id, payload):
            raise ApplicationHandlerStop

    async def finish(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Group 1: the update was handled."""
        await run_in_threadpool(finish_update, self.sessions, update.update_id)

    async def _ask_rasa(self, chat_id: int, text: str, message: Message) -> None:
        """Send text to Rasa for this chat, in order, throttled, with a typing indicator."""
        async with self.throttle.lock(chat_id):
            delay = self.throttle.wait_time(chat_id)
            if delay:
                await message.reply_text(self.texts["slow_down"])
                await asyncio.sleep(delay)
            await message.get_bot().send_chat_action(chat_id, ChatAction.TYPING)
            try:
                replies = await self.rasa.send(conversation_id(chat_id), text, CHANNEL)
            except RasaUnavailable:
                log.exception("Rasa unavailable for chat %s", chat_id)
                await message.reply_text(self.texts["unavailable"])
                return
            for reply in replies:
                parts = split_text(reply.text) if reply.text else []
                for index, part in enumerate(parts):
                    last = index == len(parts) - 1
                    await message.get_bot().send_message(
                        chat_id, part, reply_markup=keyboard(reply) if last else None
                    )

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start: the bot's greeting."""
        if update.effective_message and update.effective_chat:
            await self._ask_rasa(update.effective_chat.id, "/greet", update.effective_message)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help: what the bot can answer."""
        if update.effective_message:
            await update.effective_message.reply_text(self.texts["help"])

    async def human(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/human: ask for a person (an escalation, through Rasa)."""
        if update.effective_message and update.effective_chat:
            chat_id = update.effective_chat.id
            await self._ask_rasa(chat_id, "/request_human", update.effective_message)

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A patient's text message."""
        message = update.effective_message
        if message and message.text is not None and update.effective_chat:
            await self._ask_rasa(update.effective_chat.id, message.text, message)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button press: its payload goes to Rasa."""
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        if query.message and isinstance(query.message, Message) and query.data:
            await self._ask_rasa(query.message.chat.id, query.data, query.message)

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Edits are not re-read; say so."""
        if update.effective_message:
            await update.effective_message.reply_text(self.texts["edited"])

    async def media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Photo, voice, video: note it for staff and ask for words."""
        message = update.effective_message
        if message is None or update.effective_chat is None:
            return
        kind = next(
            k for k in ("photo", "voice", "video", "video_note", "audio") if getattr(message, k)
        )
        detail = message.caption or ""
        await run_in_threadpool(
            add_note,
            self.sessions,
            conversation_id(update.effective_chat.id),
            CHANNEL,
            kind,
            detail,
        )
        await message.reply_text(self.texts["media_noted"])

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, documents, locations, unknown commands: the bot reads text."""
        if update.effective_message:
            await update.effective_message.reply_text(self.texts["not_text"])
