"""Forwards a chat's messages to Rasa, in order and throttled, and delivers the replies."""

from __future__ import annotations

import asyncio
import logging

from telegram import Message
from telegram.constants import ChatAction

from bot.gateway.rasa_client import RasaClient, RasaUnavailable
from bot.gateway.replies import split_text
from bot.gateway.telegram.keyboards import keyboard
from bot.gateway.throttle import ChatThrottle

log = logging.getLogger(__name__)

CHANNEL = "telegram"


def conversation_id(chat_id: int) -> str:
    """Rasa sender id for a Telegram chat."""
    return f"tg-{chat_id}"


class Relay:
    """One chat at a time, in order: typing indicator, Rasa, replies split for Telegram."""

    def __init__(self, rasa: RasaClient, texts: dict[str, str]) -> None:
        self.rasa = rasa
        self.texts = texts
        self.throttle = ChatThrottle()

    async def ask(self, chat_id: int, text: str, message: Message) -> None:
        """Send text to Rasa for this chat and deliver what the bot answers."""
        async with self.throttle.lock(chat_id):
            delay = self.throttle.wait_time(chat_id)
            if delay:
                await message.reply_text(self.texts["slow_down"])
                await asyncio.sleep(delay)
            bot = message.get_bot()
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
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
                    markup = keyboard(reply) if last else None
                    await bot.send_message(chat_id, part, reply_markup=markup)
