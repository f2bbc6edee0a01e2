"""Writing what staff must see: escalations and callback details, only ever said once committed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from actions.conversation import Turn
from bot.store.db import current_sessions
from bot.store.escalations import Flag, record_flag, save_callback
from bot.store.retry import committed


@dataclass
class Recorder:
    """Writes for one conversation; each method is True once the write committed.

    A failed write is retried; if it still fails the caller must not say "flagged", "passed
    on" or "will call" (the failure is logged and shown on the action server's /status).
    """

    conversation_id: str
    turn: Turn

    async def escalate(
        self,
        kind: str,
        severity: str,
        categories: Sequence[str] = (),
        matched: Sequence[dict[str, Any]] = (),
        other_mentions: Sequence[dict[str, Any]] = (),
    ) -> bool:
        """Open or update the conversation's escalation with the latest message."""
        flag = Flag(
            conversation_id=self.conversation_id,
            channel=self.turn.channel,
            kind=kind,
            severity=severity,
            message_id=self.turn.message_id,
            text=self.turn.text,
            categories=tuple(categories),
            matched=tuple(matched),
            other_mentions=tuple(other_mentions),
        )
        sessions = current_sessions()
        done = await asyncio.to_thread(
            committed, lambda: record_flag(sessions, flag), f"recording a {kind} escalation"
        )
        return done is not None

    async def save_callback(self, name: str, phone: str, when: str) -> bool:
        """Attach callback details to the conversation's open escalation."""
        sessions, conversation, channel = (
            current_sessions(),
            self.conversation_id,
            self.turn.channel,
        )
        done = await asyncio.to_thread(
            committed,
            lambda: save_callback(sessions, conversation, channel, name, phone, when),
            "saving callback details",
        )
        return done is not None
