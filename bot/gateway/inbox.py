"""Handles stored patient messages per conversation, in order, until each one is answered.

Every channel stores a message first (bot/store/inbox.py) and only then acknowledges it, so a
restart loses nothing: unfinished messages are picked up again on start. While Rasa is down
the patient is told once that the reply is delayed, and the message is retried with backoff.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway.db_calls import db_call
from bot.gateway.rasa_client import RasaUnavailable
from bot.gateway.replies import Reply
from bot.store import inbox as store
from bot.store.inbox import Message

log = logging.getLogger(__name__)
T = TypeVar("T")
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
# A message whose handling keeps failing for another reason than Rasa being away.
MAX_FAILURES = 5


class Handler(Protocol):
    """What a channel does with one of its stored messages."""

    async def handle(self, message: Message) -> None:
        """Get Rasa's answer and deliver it (raises RasaUnavailable to be retried)."""
        ...

    async def delayed(self, message: Message) -> None:
        """Tell the patient, once, that the answer is delayed."""
        ...


@dataclass(frozen=True)
class Outcome:
    """What a waiting request learns about its message."""

    replies: list[Reply]
    delayed: bool = False


class Inbox:
    """One worker per conversation with messages waiting; each message handled once."""

    def __init__(
        self,
        db: sessionmaker[Session],
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self.handlers: dict[str, Handler] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        self._waiters: dict[int, asyncio.Future[Outcome]] = {}
        self._sleep = sleep

    def register(self, channel: str, handler: Handler) -> None:
        """The handler for one channel's messages."""
        self.handlers[channel] = handler

    async def submit(
        self,
        channel: str,
        conversation_id: str,
        kind: str,
        body: dict[str, Any],
        external_id: str | None = None,
    ) -> Message | None:
        """Store a message and start handling it; None when it was received before."""
        message = await db_call(
            store.accept, self.db, channel, conversation_id, kind, body, external_id
        )
        if message is not None:
            self.wake(conversation_id)
        return message

    async def wait(self, message: Message, timeout: float) -> Outcome | None:
        """The replies to a just-submitted message, or None if they take longer than this."""
        waiter = self._waiters.setdefault(message.id, asyncio.get_running_loop().create_future())
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            if waiter.done() or self._waiters.get(message.id) is waiter:
                self._waiters.pop(message.id, None)

    def answer_waiting(self, message: Message, outcome: Outcome) -> bool:
        """Hand an outcome to a request still waiting for it; False when nobody waits."""
        waiter = self._waiters.pop(message.id, None)
        if waiter is None or waiter.done():
            return False
        waiter.set_result(outcome)
        return True

    def wake(self, conversation_id: str) -> None:
        """Make sure a worker handles the conversation's waiting messages."""
        self._dirty.add(conversation_id)
        if conversation_id not in self._workers:
            task = asyncio.create_task(self._work(conversation_id))
            self._workers[conversation_id] = task

    async def resume(self) -> None:
        """After a start: handle every message stored but not handled before."""
        for conversation_id in await db_call(store.pending_conversations, self.db):
            self.wake(conversation_id)

    async def stop(self) -> None:
        """Stop the workers; unfinished messages stay stored for the next start."""
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    @property
    def busy(self) -> int:
        """Conversations being worked on right now."""
        return len(self._workers)

    async def _work(self, conversation_id: str) -> None:
        try:
            while True:
                self._dirty.discard(conversation_id)
                message = await self._until_stored(store.next_pending, self.db, conversation_id)
                if message is None:
                    if conversation_id in self._dirty:
                        continue
                    return
                await self._handle(message)
        finally:
            self._workers.pop(conversation_id, None)

    async def _handle(self, message: Message) -> None:
        handler = self.handlers.get(message.channel)
        if handler is None:
            log.error("no handler for channel %s (message %s)", message.channel, message.id)
            await self._until_stored(store.fail, self.db, message.id)
            return
        failures = 0
        while True:
            try:
                await handler.handle(message)
                await self._until_stored(store.finish, self.db, message.id)
                return
            except RasaUnavailable:
                if message.attempts == 0:
                    await self._tell_delayed(handler, message)
            except Exception:
                failures += 1
                log.exception("handling message %s failed (attempt %d)", message.id, failures)
                if failures >= MAX_FAILURES:
                    # Kept, not dropped: operators see it on /readyz, /metrics and in the log.
                    await self._until_stored(store.fail, self.db, message.id)
                    return
            await self._until_stored(store.attempted, self.db, message.id)
            message = await self._until_stored(store.get, self.db, message.id)
            await self._sleep(BACKOFF[min(message.attempts, len(BACKOFF)) - 1])

    async def _until_stored(self, function: Callable[..., T], *args: Any) -> T:
        """The inbox's own bookkeeping (next, finished, attempted), tried until the database
        takes it: a worker that gave up would leave a message unanswered, and a lost "finished"
        would send an answered message to Rasa again."""
        for waited in itertools.count():
            try:
                return await db_call(function, *args)
            except SQLAlchemyError as error:
                log.error(
                    "inbox %s waits for the database (%s)", function.__name__, type(error).__name__
                )
                await self._sleep(BACKOFF[min(waited, len(BACKOFF) - 1)])
        raise AssertionError("unreachable")

    @staticmethod
    async def _tell_delayed(handler: Handler, message: Message) -> None:
        try:
            await handler.delayed(message)
        except Exception:  # the notice is a courtesy; the message itself is still retried
            log.exception("could not tell conversation of message %s about the delay", message.id)
