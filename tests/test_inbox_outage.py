"""The inbox's bookkeeping waits out a database outage instead of answering a message twice.

A real SQLite file whose folder is moved away while a message is being handled (so every new
connection fails), and moved back a little later.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from bot.gateway.inbox import Inbox
from bot.store.db import session_factory
from bot.store.inbox import DONE, Message
from bot.store.migrate import upgrade
from bot.store.models import Inbound


class AwayWhileHandling:
    """A handler that makes the database unreachable right after it answered."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.handled: list[int] = []

    async def handle(self, message: Message) -> None:
        self.handled.append(message.id)
        away = self.folder.with_name("away")
        self.folder.rename(away)

        async def back() -> None:
            await asyncio.sleep(0.5)
            away.rename(self.folder)

        asyncio.get_running_loop().create_task(back())

    async def delayed(self, message: Message) -> None:
        raise AssertionError("not delayed: Rasa answered")


def test_a_message_answered_during_an_outage_is_finished_once_it_is_over(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.gateway.db_calls.PAUSES", (0.01,))
    folder = tmp_path / "db"
    folder.mkdir()
    url = f"sqlite:///{folder / 'mesobot.db'}"
    upgrade(url)
    db = session_factory(url)
    handler = AwayWhileHandling(folder)

    async def run() -> None:
        inbox = Inbox(db, sleep=lambda _: asyncio.sleep(0.05))
        inbox.register("web", handler)
        message = await inbox.submit("web", "conversation-1", "text", {"text": "hi"})
        assert message is not None
        for _ in range(100):
            if not inbox.busy:
                break
            await asyncio.sleep(0.05)
        assert not inbox.busy

    asyncio.run(run())
    assert len(handler.handled) == 1  # never sent to Rasa a second time
    with db() as session:
        assert session.execute(select(Inbound.status)).scalars().all() == [DONE]
