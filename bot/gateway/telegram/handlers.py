"""What the bot does with each kind of Telegram update a patient sends.

The inbox calls `handle` for each stored update of a chat, in order; an exception (Rasa away)
makes it try the same update again later, so every step before the Rasa call is repeatable.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from telegram import Bot, Message, Update

from bot.gateway.buttons import Buttons
from bot.gateway.telegram.relay import CHANNEL, Relay, conversation_id
from bot.store import inbox
from bot.store.channels import add_note
from bot.store.privacy import forget
from bot.store.staff import audit

log = logging.getLogger(__name__)
MEDIA_KINDS = ("photo", "voice", "video", "video_note", "audio")
# Commands the bot offers; any other "/..." text is read as what the patient wrote.
GREET, HUMAN = "/greet", "/request_human"

Step = Callable[[inbox.Message, Update], Awaitable[None]]


def command_of(text: str) -> str | None:
    """ "/start@mesobot_bot hi" -> "start"."""
    if not text.startswith("/"):
        return None
    return text.split()[0][1:].split("@")[0].lower() or None


class PatientHandlers:
    """Commands, text, button presses, edits and media from patients."""

    def __init__(
        self, bot: Bot, relay: Relay, buttons: Buttons, texts: dict[str, str],
        db: sessionmaker[Session],
    ) -> None:  # fmt: skip
        self.bot = bot
        self.relay = relay
        self.buttons = buttons
        self.texts = texts
        self.db = db

    def route(self, update: Update) -> Step | None:
        """The step for this kind of update (None: nothing a patient sent)."""
        if update.callback_query is not None:
            return self.button
        if update.edited_message is not None:
            return self.edited
        message = update.message
        if message is None:
            return None
        if message.text is not None:
            commands = {
                "start": self.start,
                "help": self.help,
                "human": self.human,
                "forget": self.forget,
            }
            return commands.get(command_of(message.text) or "", self.text)
        if any(getattr(message, kind) for kind in MEDIA_KINDS):
            return self.media
        return self.not_text

    async def handle(self, stored: inbox.Message) -> None:
        """Inbox: one stored update (one python-telegram-bot cannot read is skipped, logged)."""
        try:
            update = Update.de_json(stored.body, self.bot)
        except Exception as error:
            log.warning("update %s unreadable (%s); skipped", stored.id, type(error).__name__)
            return
        step = self.route(update)
        if step is not None:
            await step(stored, update)

    async def delayed(self, stored: inbox.Message) -> None:
        """Inbox: Rasa is away; say once that the answer will come."""
        update = Update.de_json(stored.body, self.bot)
        if update and update.effective_chat:
            await self.relay.say(update.effective_chat.id, self.texts["delayed"])

    async def start(self, stored: inbox.Message, update: Update) -> None:
        """/start: the bot's greeting."""
        if update.effective_chat:
            await self.relay.ask(stored, update.effective_chat.id, GREET, button=True)

    async def help(self, stored: inbox.Message, update: Update) -> None:
        """/help: what the bot can answer."""
        if update.effective_chat:
            await self.relay.say(update.effective_chat.id, self.texts["help"])

    async def human(self, stored: inbox.Message, update: Update) -> None:
        """/human: ask for a person (an escalation, through Rasa)."""
        if update.effective_chat:
            await self.relay.ask(stored, update.effective_chat.id, HUMAN, button=True)

    async def forget(self, stored: inbox.Message, update: Update) -> None:
        """/forget: erase everything about this chat (the receipt is the audit log's)."""
        if update.effective_chat:
            chat = update.effective_chat.id
            await run_in_threadpool(forget, self.db, conversation_id(chat))
            await run_in_threadpool(
                audit, self.db, None, "erase", "telegram", None, conversation_id(chat),
                "patient asked (/forget)", "patient",
            )  # fmt: skip
            await self.relay.say(chat, self.texts["forgotten"])

    async def text(self, stored: inbox.Message, update: Update) -> None:
        """A patient's text message: words for Rasa, whatever they look like."""
        message = update.message
        if message and message.text is not None:
            await self.relay.ask(stored, message.chat.id, message.text, button=False)

    async def button(self, stored: inbox.Message, update: Update) -> None:
        """An inline button press: its token must be one this chat was shown."""
        query = update.callback_query
        if query is None or not isinstance(query.message, Message):
            return
        chat_id = query.message.chat.id
        pressed = await self.buttons.pressed(conversation_id(chat_id), query.data or "")
        if pressed is None:
            await query.answer()
            await self.relay.say(chat_id, self.texts["old_button"])
            return
        await query.answer()
        await self.relay.ask(stored, chat_id, pressed[0], button=True)

    async def edited(self, stored: inbox.Message, update: Update) -> None:
        """Edits are not re-read; say so."""
        if update.effective_chat:
            await self.relay.say(update.effective_chat.id, self.texts["edited"])

    async def media(self, stored: inbox.Message, update: Update) -> None:
        """Photo, voice, video: the caption goes through the safety check like any text;
        the media is noted for staff and the patient asked for words."""
        message = update.message
        if message is None:
            return
        # Noted first, so staff see the photo before any escalation its caption raises.
        kind = next(k for k in MEDIA_KINDS if getattr(message, k))
        chat = conversation_id(message.chat.id)
        await run_in_threadpool(add_note, self.db, chat, CHANNEL, kind, message.caption or "")
        if message.caption:
            await self.relay.ask(stored, message.chat.id, message.caption, button=False)
        await self.relay.say(message.chat.id, self.texts["media_noted"])

    async def not_text(self, stored: inbox.Message, update: Update) -> None:
        """Stickers, documents, locations: the bot reads text."""
        if update.effective_chat:
            await self.relay.say(update.effective_chat.id, self.texts["not_text"])
