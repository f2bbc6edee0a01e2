"""What the gateway keeps in memory and in the database stays bounded."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.gateway import throttle
from bot.gateway.live import MAX_QUEUED, MAX_STREAMS, LiveBroker
from bot.gateway.throttle import TokenBuckets
from bot.store.channels import (
    expire_web_sessions,
    new_event_ticket,
    new_web_session,
    use_event_ticket,
    web_conversation,
)
from bot.store.db import session_factory
from bot.store.inbox import accept, finish, prune
from bot.store.migrate import upgrade
from bot.store.models import Inbound, WebSession, utcnow


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'bounds.db'}"
    upgrade(url)
    return session_factory(url)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_idle_rate_buckets_are_forgotten():
    clock = Clock()
    buckets = TokenBuckets[int](rate=1, burst=1, clock=clock)
    for chat in range(1000):
        buckets.wait_time(chat)
    assert len(buckets) == 1000
    clock.now = throttle.IDLE_SECONDS + 1
    buckets.wait_time(5000)
    assert len(buckets) == 1


def test_refused_messages_do_not_use_up_the_allowance():
    clock = Clock()
    buckets = TokenBuckets[str](rate=1, burst=2, clock=clock)
    assert [buckets.allow("a") for _ in range(5)] == [True, True, False, False, False]
    clock.now = 1.0
    assert buckets.allow("a")


def test_a_conversation_has_a_few_streams_and_a_short_queue_each():
    async def scenario() -> tuple[int, list[object], object]:
        broker = LiveBroker()
        streams = [broker.subscribe("c", keepalive=60) for _ in range(MAX_STREAMS + 2)]
        firsts = [asyncio.ensure_future(s.__anext__()) for s in streams]
        await asyncio.sleep(0.01)
        open_now = broker.streams("c")
        for n in range(MAX_QUEUED * 3):
            broker.publish("c", {"n": n})
        await asyncio.sleep(0.01)
        closed = [task.exception() is not None for task in firsts[:2]]
        newest = streams[-1]
        received = [firsts[-1].result(), *[await newest.__anext__() for _ in range(2)]]
        return open_now, closed, received

    open_now, closed, received = asyncio.run(scenario())
    assert open_now == MAX_STREAMS
    assert closed == [True, True], "the oldest streams were closed"
    # The stream was not read while 150 messages came: it kept only the newest 50.
    assert [m["n"] for m in received] == [2 * MAX_QUEUED, 2 * MAX_QUEUED + 1, 2 * MAX_QUEUED + 2]


def test_idle_widget_sessions_expire(db):
    token, conversation = new_web_session(db)
    assert web_conversation(db, token, timedelta(days=30)) == conversation
    with db.begin() as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(days=31)))
    assert web_conversation(db, token, timedelta(days=30)) is None
    new_web_session(db)
    with db.begin() as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(days=40)))
    assert expire_web_sessions(db, timedelta(days=30)) == 1


def test_event_tickets_expire_and_work_once(db):
    _, conversation = new_web_session(db)
    ticket = new_event_ticket(db, conversation, timedelta(seconds=60))
    assert use_event_ticket(db, ticket) == conversation
    assert use_event_ticket(db, ticket) is None
    stale = new_event_ticket(db, conversation, timedelta(seconds=-1))
    assert use_event_ticket(db, stale) is None


def test_handled_messages_lose_their_body_and_are_pruned(db):
    message = accept(db, "telegram", "tg-1", "telegram", {"update_id": 1, "text": "hi"}, "1")
    assert message is not None
    assert accept(db, "telegram", "tg-1", "telegram", {"update_id": 1}, "1") is None
    finish(db, message.id)
    with db() as session:
        assert session.execute(select(Inbound.body)).scalar_one() == {}
    assert prune(db, timedelta(days=7)) == 0
    with db.begin() as session:
        session.execute(update(Inbound).values(done_at=utcnow() - timedelta(days=8)))
    assert prune(db, timedelta(days=7)) == 1
