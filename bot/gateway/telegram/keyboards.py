"""Rasa's buttons as Telegram inline keyboards (pure helpers)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.gateway.replies import Reply

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for inline button data


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Rasa buttons as an inline keyboard; a payload too long for Telegram is left out."""
    rows = [
        [InlineKeyboardButton(b.title, callback_data=b.payload)]
        for b in reply.buttons
        if 0 < len(b.payload.encode()) <= CALLBACK_DATA_LIMIT
    ]
    return InlineKeyboardMarkup(rows) if rows else None
