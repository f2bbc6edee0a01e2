"""Asks Rasa for a stored message's replies: once, timed, and never silent.

Rasa 3.6 answers a turn with no messages when its custom action fails (the action server is
down or broken: Rasa logs the error and carries on). A patient must never be left without an
answer, so such a turn gets a holding reply and is handed to staff as "bot could not help". A
conversation a member of staff has claimed is silent on purpose and is left alone.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.gateway.metrics import Metrics
from bot.gateway.rasa_client import RasaClient, RasaUnavailable
from bot.gateway.replies import Reply
from bot.store.escalations import Flag, record_flag
from bot.store.handling import owner_of
from bot.store.inbox import Message

log = logging.getLogger(__name__)
HELD_KIND = "bot_failed"
HELD_SEVERITY = "high"


class Turns:
    """One patient turn through Rasa, for every channel."""

    def __init__(
        self, rasa: RasaClient, db: sessionmaker[Session], texts: dict[str, str], metrics: Metrics
    ) -> None:
        self.rasa = rasa
        self.db = db
        self.texts = texts
        self.metrics = metrics

    async def ask(self, message: Message, text: str, *, button: bool = False) -> list[Reply]:
        """Rasa's replies to the message (raises RasaUnavailable to be retried)."""
        started = time.perf_counter()
        try:
            replies = await self._replies(message, text, button)
        except RasaUnavailable:
            self.metrics.unavailable.labels(message.channel).inc()
            raise
        self.metrics.turn(message.channel, time.perf_counter() - started, replies)
        if replies:
            return replies
        return await self._hold(message)

    async def _replies(self, message: Message, text: str, button: bool) -> list[Reply]:
        """Sends the message only if no earlier attempt reached Rasa."""
        if message.attempts:
            found = await self.rasa.find_turn(message.conversation_id, message.rasa_id)
            if found is not None:
                return found
        return await self.rasa.send(
            message.conversation_id,
            text,
            message.channel,
            button=button,
            message_id=message.rasa_id,
        )

    async def _hold(self, message: Message) -> list[Reply]:
        """The holding reply, once the turn is recorded for staff; nothing if staff own it."""
        if await run_in_threadpool(owner_of, self.db, message.conversation_id):
            return []
        flag = Flag(
            conversation_id=message.conversation_id,
            channel=message.channel,
            kind=HELD_KIND,
            severity=HELD_SEVERITY,
            message_id=message.rasa_id,
            text=str(message.body.get("title") or message.body.get("text") or ""),
        )
        try:
            await run_in_threadpool(record_flag, self.db, flag)
        except (SQLAlchemyError, ValueError):
            log.exception("could not record a turn Rasa left unanswered (message %s)", message.id)
            return [Reply(self.texts["unanswered"])]
        self.metrics.held.labels(message.channel).inc()
        log.warning("Rasa gave no reply; message %s handed to staff", message.id)
        return [Reply(self.texts["held"])]
