"""Live delivery of staff replies to open widget pages (server-sent events)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any


class LiveBroker:
    """In-process fan-out: every open page of a conversation gets each published message."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    def publish(self, conversation_id: str, message: dict[str, Any]) -> int:
        """Send a message to the conversation's open pages; returns how many got it."""
        queues = self._queues.get(conversation_id, set())
        for queue in queues:
            queue.put_nowait(message)
        return len(queues)

    async def subscribe(
        self, conversation_id: str, keepalive: float = 15
    ) -> AsyncIterator[dict[str, Any] | None]:
        """Messages for the conversation as they come; None every `keepalive` seconds."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._queues[conversation_id].add(queue)
        try:
            while True:
                try:
                    yield await asyncio.wait_for(queue.get(), timeout=keepalive)
                except asyncio.TimeoutError:
                    yield None
        finally:
            self._queues[conversation_id].discard(queue)
            if not self._queues[conversation_id]:
                del self._queues[conversation_id]
