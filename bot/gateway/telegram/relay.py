"""Forwards a chat's messages to Rasa and delivers the replies, each part exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ChatAction
from telegram.error import Forbidden, TelegramError

from bot.gateway.buttons import Buttons
from bot.gateway.replies import Reply, split_text
from bot.gateway.telegram.keyboards import keyboard
from bot.gateway.throttle import ChatThrottle
from bot.gateway.turns import Turns
from bot.store import inbox as store
from bot.store.handling import owner_of
from bot.store.inbox import Message
from bot.store.text import pseudonym

log = logging.getLogger(__name__)

CHANNEL = "telegram"


def conversation_id(chat_id: int) -> str:
    """Rasa sender id for a Telegram chat."""
    return f"tg-{chat_id}"


def chat_id(conversation: str) -> int | None:
    """The Telegram chat of a conversation id, or None when it is not a Telegram one."""
    prefix, _, number = conversation.partition("-")
    return int(number) if prefix == "tg" and number.lstrip("-").isdigit() else None


def parts(replies: list[Reply]) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """Every Telegram message the replies make: long texts split, the keyboard on the last."""
    found: list[tuple[str, InlineKeyboardMarkup | None]] = []
    for reply in replies:
        pieces = split_text(reply.text) if reply.text else []
        for index, piece in enumerate(pieces):
            found.append((piece, keyboard(reply) if index == len(pieces) - 1 else None))
    return found


class Relay:
    """Throttle, typing indicator, Rasa, delivery: one chat at a time (the inbox's order)."""

    def __init__(
        self, bot: Bot, turns: Turns, buttons: Buttons, texts: dict[str, str],
        db: sessionmaker[Session],
    ) -> None:  # fmt: skip
        self.bot = bot
        self.turns = turns
        self.buttons = buttons
        self.texts = texts
        self.db = db
        self.throttle = ChatThrottle()

    async def ask(self, message: Message, chat_id: int, text: str, *, button: bool) -> None:
        """Rasa's answer to the text (or checked button payload), delivered to the chat."""
        delay = self.throttle.wait_time(chat_id) if not message.attempts else 0.0
        if delay:
            await self.say(chat_id, self.texts["slow_down"])
            await asyncio.sleep(delay)
        with contextlib.suppress(TelegramError):
            await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
        replies = await self.turns.ask(message, text, button=button)
        replies = await self.buttons.for_patient(conversation_id(chat_id), replies)
        await self.deliver(message, chat_id, replies)

    async def deliver(self, message: Message, chat_id: int, replies: list[Reply]) -> None:
        """Send the parts not yet delivered; a failure mid-way resumes after the last one sent."""
        for number, (text, markup) in enumerate(parts(replies), start=1):
            if number <= message.delivered:
                continue
            try:
                await self.bot.send_message(chat_id, text, reply_markup=markup)
            except Forbidden:
                log.warning("chat %s blocked the bot; replies not delivered", pseudonym(chat_id))
                return
            await run_in_threadpool(store.delivered, self.db, message.id, number)

    async def say(self, chat_id: int, text: str) -> None:
        """One of the gateway's own sentences (none while staff own the conversation)."""
        if await run_in_threadpool(owner_of, self.db, conversation_id(chat_id)):
            return
        try:
            await self.bot.send_message(chat_id, text)
        except Forbidden:
            log.warning("chat %s blocked the bot", pseudonym(chat_id))
