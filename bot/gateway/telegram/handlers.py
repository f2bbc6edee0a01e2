"""What the bot does with each kind of Telegram update a patient sends."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.gateway.telegram.relay import CHANNEL, Relay, conversation_id
from bot.store.channels import add_note

NOTED_MEDIA = filters.PHOTO | filters.VOICE | filters.VIDEO | filters.VIDEO_NOTE | filters.AUDIO
OTHER_MEDIA = filters.Sticker.ALL | filters.Document.ALL | filters.LOCATION | filters.CONTACT
MEDIA_KINDS = ("photo", "voice", "video", "video_note", "audio")


class PatientHandlers:
    """Commands, text, button presses, edits and media from patients."""

    def __init__(self, relay: Relay, texts: dict[str, str], db: sessionmaker[Session]) -> None:
        self.relay = relay
        self.texts = texts
        self.db = db

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        """The PTB handlers, in the order they are tried."""
        return [
            CommandHandler("start", self.start),
            CommandHandler("help", self.help),
            CommandHandler("human", self.human),
            CallbackQueryHandler(self.button),
            MessageHandler(filters.UpdateType.EDITED, self.edited),
            MessageHandler(filters.TEXT & ~filters.COMMAND, self.text),
            MessageHandler(NOTED_MEDIA, self.media),
            MessageHandler(OTHER_MEDIA | filters.COMMAND, self.not_text),
        ]

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start: the bot's greeting."""
        if update.effective_message and update.effective_chat:
            await self.relay.ask(update.effective_chat.id, "/greet", update.effective_message)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help: what the bot can answer."""
        if update.effective_message:
            await update.effective_message.reply_text(self.texts["help"])

    async def human(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/human: ask for a person (an escalation, through Rasa)."""
        if update.effective_message and update.effective_chat:
            chat_id = update.effective_chat.id
            await self.relay.ask(chat_id, "/request_human", update.effective_message)

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A patient's text message."""
        message = update.effective_message
        if message and message.text is not None and update.effective_chat:
            await self.relay.ask(update.effective_chat.id, message.text, message)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button press: its payload goes to Rasa."""
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        if query.message and isinstance(query.message, Message) and query.data:
            await self.relay.ask(query.message.chat.id, query.data, query.message)

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Edits are not re-read; say so."""
        if update.effective_message:
            await update.effective_message.reply_text(self.texts["edited"])

    async def media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Photo, voice, video: note it for staff and ask for words."""
        message = update.effective_message
        if message is None or update.effective_chat is None:
            return
        kind = next(k for k in MEDIA_KINDS if getattr(message, k))
        chat = conversation_id(update.effective_chat.id)
        await run_in_threadpool(add_note, self.db, chat, CHANNEL, kind, message.caption or "")
        await message.reply_text(self.texts["media_noted"])

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, documents, locations, unknown commands: the bot reads text."""
        if update.effective_message:
            await update.effective_message.reply_text(self.texts["not_text"])
