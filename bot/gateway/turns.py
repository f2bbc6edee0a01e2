"""Asks Rasa for a stored message's replies: once, timed, and never silent.

Rasa 3.6 answers a turn with no messages when its custom action fails (the action server is
down or broken: Rasa logs the error and carries on). A patient must never be left without an
answer, so such a turn gets a holding reply and is handed to staff as "bot could not help". So
does a message Rasa keeps answering with a server error: retried for a few minutes, it would
otherwise hold up its conversation forever (messages are answered in order). A conversation a
member of staff has claimed is silent on purpose and is left alone.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.gateway.metrics import Metrics
from bot.gateway.rasa_client import RasaClient, RasaFailed, RasaUnavailable
from bot.gateway.replies import Reply
from bot.store.escalations import Flag, record_flag
from bot.store.handling import owner_of
from bot.store.inbox import Message

log = logging.getLogger(__name__)
HELD_KIND = "bot_failed"
HELD_SEVERITY = "high"
# Server errors on one message before staff get it: with the inbox's backoff (1, 2, 5, 10, 30,
# then 60 s) about five minutes, longer than a Rasa restart.
SERVER_ERRORS_BEFORE_STAFF = 10


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
        except RasaFailed:
            self.metrics.unavailable.labels(message.channel).inc()
            if message.attempts + 1 < SERVER_ERRORS_BEFORE_STAFF:
                raise
            return await self._hand_over(message)
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
        try:
            await run_in_threadpool(record_flag, self.db, self._flag(message))
        except (SQLAlchemyError, ValueError):
            log.exception("could not record a turn Rasa left unanswered (message %s)", message.id)
            return [Reply(self.texts["unanswered"])]
        self.metrics.held.labels(message.channel).inc()
        log.warning("Rasa gave no reply; message %s handed to staff", message.id)
        return [Reply(self.texts["held"])]

    async def _hand_over(self, message: Message) -> list[Reply]:
        """A message Rasa never answered, recorded for staff (even when they own the
        conversation: it is in no transcript); kept in the inbox while that fails."""
        try:
            await run_in_threadpool(record_flag, self.db, self._flag(message))
            owned = await run_in_threadpool(owner_of, self.db, message.conversation_id)
        except (SQLAlchemyError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from error
        self.metrics.held.labels(message.channel).inc()
        log.error("Rasa kept failing on message %s; handed to staff", message.id)
        return [] if owned else [Reply(self.texts["held"])]

    @staticmethod
    def _flag(message: Message) -> Flag:
        """The "bot could not help" escalation for this message."""
        return Flag(
            conversation_id=message.conversation_id,
            channel=message.channel,
            kind=HELD_KIND,
            severity=HELD_SEVERITY,
            message_id=message.rasa_id,
            text=str(message.body.get("title") or message.body.get("text") or ""),
        )
