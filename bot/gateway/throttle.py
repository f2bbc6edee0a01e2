"""Token buckets per conversation: how fast one patient may send (bounded in memory)."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Key = TypeVar("Key")
# Buckets idle this long are full again anyway, so they are forgotten.
IDLE_SECONDS = 600
MAX_BUCKETS = 100_000


@dataclass
class _Bucket:
    tokens: float
    updated: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class TokenBuckets(Generic[Key]):
    """Allows `burst` messages at once and `rate` per second after that, per key."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: OrderedDict[Key, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def _bucket(self, key: Key) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(tokens=self.burst, updated=now)
        self._buckets[key] = bucket  # most recently used last
        self._forget_idle(now)
        return bucket

    def _forget_idle(self, now: float) -> None:
        while self._buckets:
            key, oldest = next(iter(self._buckets.items()))
            idle = now - oldest.updated > IDLE_SECONDS and not oldest.lock.locked()
            if not idle and len(self._buckets) <= MAX_BUCKETS:
                return
            del self._buckets[key]

    def lock(self, key: Key) -> asyncio.Lock:
        """The key's lock: its messages are handled one at a time, in order."""
        return self._bucket(key).lock

    def wait_time(self, key: Key) -> float:
        """Take a token; return how long to wait before going on (0 when within the limit)."""
        bucket = self._bucket(key)
        now = self._clock()
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        bucket.tokens -= 1
        return 0.0 if bucket.tokens >= 0 else -bucket.tokens / self.rate

    def allow(self, key: Key) -> bool:
        """Take a token if there is one; False (and nothing taken) when over the limit."""
        if self.wait_time(key) > 0:
            self._buckets[key].tokens += 1  # refused messages do not use up the allowance
            return False
        return True


class ChatThrottle(TokenBuckets[int]):
    """Telegram chats: a burst of 5, then one message per 2 s, delayed rather than dropped."""

    def __init__(
        self, rate: float = 0.5, burst: int = 5, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(rate, burst, clock)
