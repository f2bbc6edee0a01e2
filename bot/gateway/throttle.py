"""Per-chat rate limiting that delays instead of dropping (a token bucket per chat)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class ChatThrottle:
    """Allows `burst` messages at once and `rate` per second after that, per chat."""

    def __init__(
        self, rate: float = 0.5, burst: int = 5, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}

    def lock(self, chat_id: int) -> asyncio.Lock:
        """The chat's lock: its messages are answered one at a time, in order."""
        return self._bucket(chat_id).lock

    def _bucket(self, chat_id: int) -> _Bucket:
        if chat_id not in self._buckets:
            self._buckets[chat_id] = _Bucket(tokens=self.burst, updated=self._clock())
        return self._buckets[chat_id]

    def wait_time(self, chat_id: int) -> float:
        """Take a token; return how long to wait before answering (0 when within the limit)."""
        bucket = self._bucket(chat_id)
        now = self._clock()
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        bucket.tokens -= 1
        return 0.0 if bucket.tokens >= 0 else -bucket.tokens / self.rate
