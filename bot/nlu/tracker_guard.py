"""Rasa's tracker store may not fail silently: retry, then refuse the turn so it is kept.

Rasa 3.6 wraps the tracker store in `FailSafeTrackerStore`, which on a failed write logs and
saves to a fresh in-memory store instead: the patient gets their answer (HTTP 200) and the
turn's events are gone (reproduced with a database locked for 25 s). With this guard a
failed read or write is retried with backoff, and if it still fails the request fails: the
gateway keeps the message in its inbox and sends it again later (the actions are idempotent
per message). Failures are counted for the health check and the logs name the error's type
only, never the conversation's text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
# Pauses between attempts: five attempts over about 7.5 s plus the database's own timeouts.
DELAYS = (0.5, 1.0, 2.0, 4.0)
RECENT_SECONDS = 60


class TrackerStoreFailed(RuntimeError):
    """The tracker store failed every attempt; the turn was not completed."""


@dataclass
class Failures:
    """Tracker store operations that failed every attempt, in this process."""

    count: int = 0
    last: float | None = None

    def add(self) -> None:
        """Count one operation that gave up."""
        self.count += 1
        self.last = time.monotonic()

    def status(self) -> dict[str, Any]:
        """For the health route: how many, and whether one was in the last minute."""
        recent = self.last is not None and time.monotonic() - self.last < RECENT_SECONDS
        return {"tracker_store_failures": self.count, "tracker_store_failing": recent}


FAILURES = Failures()


async def with_retries(operation: str, attempt: Callable[[], Awaitable[T]]) -> T:
    """The attempt's result, trying again after each pause; TrackerStoreFailed after the last."""
    for delay in (*DELAYS, None):
        try:
            return await attempt()
        except Exception as error:
            if delay is None:
                FAILURES.add()
                log.error(
                    "tracker store %s failed %d times (%s); the turn is refused and kept by "
                    "the gateway",
                    operation,
                    len(DELAYS) + 1,
                    type(error).__name__,
                )
                raise TrackerStoreFailed(operation) from error
            log.warning("tracker store %s failed (%s); retrying", operation, type(error).__name__)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def install() -> None:
    """Make FailSafeTrackerStore retry and then fail, instead of forgetting the turn."""
    from rasa.core.tracker_store import FailSafeTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    async def save(self: FailSafeTrackerStore, tracker: DialogueStateTracker) -> None:
        await with_retries("write", lambda: self._tracker_store.save(tracker))

    async def retrieve(self: FailSafeTrackerStore, sender_id: str) -> DialogueStateTracker | None:
        return await with_retries("read", lambda: self._tracker_store.retrieve(sender_id))

    async def retrieve_full(
        self: FailSafeTrackerStore, sender_id: str
    ) -> DialogueStateTracker | None:
        return await with_retries(
            "read", lambda: self._tracker_store.retrieve_full_tracker(sender_id)
        )

    FailSafeTrackerStore.save = save  # type: ignore[method-assign]
    FailSafeTrackerStore.retrieve = retrieve  # type: ignore[method-assign]
    FailSafeTrackerStore.retrieve_full_tracker = retrieve_full  # type: ignore[method-assign]
