"""Telegram updates in: stored before they are acknowledged, by webhook or by long polling."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot, Update
from telegram.error import NetworkError

from bot.gateway.inbox import Inbox
from bot.gateway.telegram.relay import CHANNEL, conversation_id

log = logging.getLogger(__name__)
POLL_SECONDS = 20
RETRY_SECONDS = 2.0


def _part(value: object, key: str) -> dict[str, Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def chat_of(payload: dict[str, Any]) -> int | None:
    """The chat an update belongs to (None for kinds a patient chat never sends, or junk)."""
    for chat in (
        _part(_part(payload, "message"), "chat"),
        _part(_part(payload, "edited_message"), "chat"),
        _part(_part(_part(payload, "callback_query"), "message"), "chat"),
    ):
        if isinstance(chat.get("id"), int) and not isinstance(chat.get("id"), bool):
            return int(chat["id"])
    return None


class Intake:
    """Stores each update once (by update_id) and hands it to the inbox."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def accept(self, payload: dict[str, Any]) -> bool:
        """Store the update; False when it was received before or has no chat."""
        chat = chat_of(payload)
        if chat is None:
            return False
        stored = await self.inbox.submit(
            CHANNEL, conversation_id(chat), "telegram", payload, str(payload["update_id"])
        )
        return stored is not None

    async def poll(self, bot: Bot) -> None:
        """Long polling: the offset moves past an update only once it is stored."""
        offset: int | None = None
        while True:
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=POLL_SECONDS, allowed_updates=Update.ALL_TYPES
                )
                for update in updates:
                    await self.accept(update.to_dict())
                    offset = update.update_id + 1
            except asyncio.CancelledError:
                raise
            except NetworkError as error:
                log.warning("polling Telegram failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(RETRY_SECONDS)
            except Exception:
                log.exception("storing a Telegram update failed; retrying")
                await asyncio.sleep(RETRY_SECONDS)
