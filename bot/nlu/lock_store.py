"""Rasa's Redis lock store, which keeps locking in this process's memory while Redis is down.

Rasa's own RedisLockStore fails every turn while Redis does not answer. The gateway sends each
conversation to one Rasa process (bot/gateway/rasa_client.py), so a lock in that process's
memory still answers a conversation's messages one at a time: this store falls back to one,
says so in the log, and goes back to Redis when it answers again (tried every few seconds,
so a Redis that times out does not slow every turn) and no lock is held in memory. A Redis
that dies while it holds a conversation's lock takes that lock with it: the conversation's next
message may then start before the current one ends.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis  # type: ignore[import-untyped]
from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

log = logging.getLogger(__name__)
RETRY_SECONDS = 5.0


class ResilientRedisLockStore(RedisLockStore):
    """RedisLockStore with an in-memory fallback while Redis fails."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)
        self.local = InMemoryLockStore()
        self.retry_at = 0.0

    @property
    def redis_up(self) -> bool:
        """False while the fallback is in use."""
        return time.monotonic() >= self.retry_at

    def _redis(self, operation: str, *args: Any) -> Any:
        """The RedisLockStore operation, or the in-memory one while Redis is down.

        Locks taken in memory are finished in memory: going back to Redis while one is held
        would let the conversation's next message start beside it.
        """
        if self.redis_up and not self.local.conversation_locks:
            try:
                return getattr(super(), operation)(*args)
            except redis.RedisError as error:
                log.error(
                    "Redis lock store failed (%s); locking in this process's memory for %.0f s",
                    type(error).__name__,
                    RETRY_SECONDS,
                )
                self.retry_at = time.monotonic() + RETRY_SECONDS
        return getattr(self.local, operation)(*args)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The conversation's lock."""
        lock: TicketLock | None = self._redis("get_lock", conversation_id)
        return lock

    def delete_lock(self, conversation_id: str) -> None:
        """Delete the conversation's lock."""
        self._redis("delete_lock", conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Store the lock."""
        self._redis("save_lock", lock)
