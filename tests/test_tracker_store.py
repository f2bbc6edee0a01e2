"""The caching SQL tracker store gives the trackers Rasa's own SQL store gives, with less work.

Real SQLite files; Rasa's own SQLTrackerStore on the same file is the reference.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlu import tracker_store as store_module
from bot.nlu.tracker_store import NEWEST, STORED, CachedSQLTrackerStore
from bot.ops.rasa_config import TRACKER_STORE, tracker_store

DOMAIN = Domain.from_dict({"slots": {"topic": {"type": "text", "mappings": [{"type": "custom"}]}}})


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "trackers.db")


def stores(db: str) -> tuple[CachedSQLTrackerStore, SQLTrackerStore]:
    cached = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
    plain = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
    return cached, plain


def turn(tracker: DialogueStateTracker, text: str) -> None:
    """What a turn adds: the message, a slot, the answer, back to listening."""
    tracker.update(UserUttered(text, {"name": "ask_cost", "confidence": 1.0}))
    tracker.update(SlotSet("topic", text))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(ActionExecuted("action_listen"))


def same(a: DialogueStateTracker | None, b: DialogueStateTracker | None) -> bool:
    assert a is not None and b is not None
    return [e.as_dict() for e in a.events] == [e.as_dict() for e in b.events] and (
        a.current_slot_values() == b.current_slot_values()
    )


def started(sender: str, domain: Domain = DOMAIN) -> DialogueStateTracker:
    """A new conversation as Rasa starts it, listening."""
    tracker = DialogueStateTracker(sender, domain.slots)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    return tracker


def test_endpoints_use_it():
    assert tracker_store("sqlite:////tmp/x.db")["type"] == TRACKER_STORE


def test_turns_read_back_as_rasa_reads_them_and_the_later_ones_hit_the_cache(db):
    cached, plain = stores(db)
    first = started("patient")
    turn(first, "hi")
    run(cached.save(first))  # a new session: not cached
    for number in range(5):
        tracker = run(cached.retrieve("patient"))
        assert same(tracker, run(plain.retrieve("patient")))
        turn(tracker, f"question {number}")
        run(cached.save(tracker))
    assert same(run(cached.retrieve("patient")), run(plain.retrieve("patient")))
    assert (cached.hits, cached.misses) == (5, 1)
    # Every turn stored once (Rasa reads a session from its SessionStarted on: 2 events).
    assert len(run(plain.retrieve("patient")).events) == 2 + 6 * 4


def test_a_write_by_another_process_is_read_from_the_database(db):
    cached, plain = stores(db)
    tracker = started("patient")
    run(cached.save(tracker))
    tracker = run(cached.retrieve("patient"))
    turn(tracker, "hi")
    run(cached.save(tracker))  # cached now
    elsewhere = run(plain.retrieve("patient"))
    turn(elsewhere, "from the other process")
    run(plain.save(elsewhere))
    again = run(cached.retrieve("patient"))
    assert same(again, run(plain.retrieve("patient")))
    assert "from the other process" in [e.text for e in again.events if isinstance(e, UserUttered)]


def test_a_turn_that_failed_after_saving_once_is_not_reused(db):
    cached, plain = stores(db)
    run(cached.save(started("patient")))
    tracker = run(cached.retrieve("patient"))
    turn(tracker, "hi")
    run(cached.save(tracker))
    tracker.update(UserUttered("never stored"))  # the turn goes on, then fails unsaved
    again = run(cached.retrieve("patient"))
    assert same(again, run(plain.retrieve("patient")))
    assert "never stored" not in [e.text for e in again.events if isinstance(e, UserUttered)]


def test_a_new_session_is_read_as_rasa_reads_it(db):
    cached, plain = stores(db)
    run(cached.save(started("patient")))
    tracker = run(cached.retrieve("patient"))
    turn(tracker, "yesterday's question")
    time.sleep(0.01)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    run(cached.save(tracker))
    again = run(cached.retrieve("patient"))
    assert same(again, run(plain.retrieve("patient")))
    assert not [e for e in again.events if isinstance(e, UserUttered)]


def test_the_cache_keeps_only_the_most_recent_conversations(db):
    cached = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db, cache_size=2)
    for sender in ("a", "b", "c"):
        run(cached.save(started(sender)))
        tracker = run(cached.retrieve(sender))
        turn(tracker, "hi")
        run(cached.save(tracker))
    for sender in ("a", "b", "c"):
        run(cached.retrieve(sender))
    assert (cached.hits, cached.misses) == (2, 4)


def test_a_write_between_reading_and_saving_is_kept_and_not_cached(db):
    """Another request (a staff pause, another process) wrote while this turn ran."""
    cached, plain = stores(db)
    run(cached.save(started("patient")))
    tracker = run(cached.retrieve("patient"))
    turn(tracker, "hi")
    run(cached.save(tracker))
    mine = run(cached.retrieve("patient"))  # a cache hit
    elsewhere = run(plain.retrieve("patient"))
    turn(elsewhere, "paused by staff")
    run(plain.save(elsewhere))
    turn(mine, "my next question")
    run(cached.save(mine))
    again = run(cached.retrieve("patient"))
    assert same(again, run(plain.retrieve("patient")))
    assert "paused by staff" in [e.text for e in again.events if isinstance(e, UserUttered)]


def test_a_save_repeated_after_it_committed_stores_nothing_twice(db):
    """The tracker store guard retries a save whose commit went through but was not confirmed."""
    cached, plain = stores(db)
    run(cached.save(started("patient")))
    tracker = run(cached.retrieve("patient"))
    turn(tracker, "hi")
    marks = {name: getattr(tracker, name) for name in (STORED, NEWEST)}
    run(cached.save(tracker))
    for name, value in marks.items():  # as if the first attempt had raised after its commit
        setattr(tracker, name, value)
    run(cached.save(tracker))
    texts = [e.text for e in run(plain.retrieve("patient")).events if isinstance(e, UserUttered)]
    assert texts == ["hi"]


def test_a_conversation_idle_for_half_an_hour_leaves_memory(db, monkeypatch):
    cached, _ = stores(db)
    later = time.monotonic() + 1801
    for sender in ("old", "new"):
        run(cached.save(started(sender)))
        tracker = run(cached.retrieve(sender))
        turn(tracker, "hi")
        if sender == "new":  # half an hour after "old" had its last turn
            monkeypatch.setattr(store_module.time, "monotonic", lambda: later)
        run(cached.save(tracker))
    assert list(cached._cache) == ["new"]
