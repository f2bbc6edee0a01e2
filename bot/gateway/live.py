"""Live delivery to open widget pages (server-sent events): late bot replies, staff replies.

Bounded: a conversation has at most a few open streams (a new one closes the oldest), and a
stream that is not read keeps only its newest messages.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

MAX_STREAMS = 3
MAX_QUEUED = 50
_CLOSE: dict[str, Any] = {"close": True}


class LiveBroker:
    """In-process fan-out: every open page of a conversation gets each published message."""

    def __init__(self) -> None:
        self._queues: dict[str, list[asyncio.Queue[dict[str, Any]]]] = defaultdict(list)

    def publish(self, conversation_id: str, message: dict[str, Any]) -> int:
        """Send a message to the conversation's open pages; returns how many got it."""
        queues = self._queues.get(conversation_id, [])
        for queue in queues:
            if queue.full():
                queue.get_nowait()  # the page stopped reading: drop its oldest message
            queue.put_nowait(message)
        return len(queues)

    def streams(self, conversation_id: str) -> int:
        """Open streams of a conversation."""
        return len(self._queues.get(conversation_id, []))

    async def subscribe(
        self, conversation_id: str, keepalive: float = 15
    ) -> AsyncIterator[dict[str, Any] | None]:
        """Messages for the conversation as they come; None every `keepalive` seconds."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(MAX_QUEUED)
        queues = self._queues[conversation_id]
        queues.append(queue)
        while len(queues) > MAX_STREAMS:
            oldest = queues.pop(0)
            if oldest.full():
                oldest.get_nowait()
            oldest.put_nowait(_CLOSE)
        try:
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=keepalive)
                except asyncio.TimeoutError:
                    yield None
                    continue
                if message is _CLOSE:
                    return
                yield message
        finally:
            if queue in queues:
                queues.remove(queue)
            if not queues:
                self._queues.pop(conversation_id, None)
