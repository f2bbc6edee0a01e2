"""Rasa's SQL tracker store without re-reading the whole conversation on every turn.

Profiled under 20 conversations (bench/README.md, "Profile"), Rasa spent over a third of its
CPU in the SQL tracker store: every turn reads every event of the conversation, turns each
back into objects and replays them into a tracker, and before saving counts the stored events
again. This store keeps the tracker a turn ended with, in memory, and hands it to the next turn
when a cheap check (the conversation's newest event id) shows that nothing else wrote to the
conversation since; otherwise it reads from the database as Rasa does. The database stays the
only truth: several Rasa processes share it, and a cache miss costs what a plain read costs.

A tracker leaves the cache when it is handed out, so a turn that fails half-way cannot leave
a changed tracker behind; it comes back only after its events were stored. Before storing, the
conversation's newest event is checked again: if anything else wrote to it since the tracker
was read (or an earlier attempt of the same save committed), Rasa's own save stores what is
missing and nothing is cached. A turn that starts a new conversation session is not cached
(Rasa reads only the newest session).
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

# Conversations kept between turns; a tracker of a few dozen turns is some tens of kilobytes.
DEFAULT_SIZE = 500
# A conversation without a turn for this long leaves memory (an erased one included).
IDLE_SECONDS = 30 * 60


# Set on each tracker this store hands out or saves: how many of its events are stored, and
# the id of the conversation's newest stored event when it was read or last saved.
STORED = "_mesobot_stored_events"
NEWEST = "_mesobot_newest_id"


@dataclass
class Cached:
    """A tracker as stored: the id of the conversation's newest event, its event count."""

    tracker: DialogueStateTracker
    newest_id: int
    events: int
    at: float


class CachedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that reuses the last turn's tracker when the database agrees."""

    def __init__(self, *args: Any, cache_size: int = DEFAULT_SIZE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection for every session (NullPool): keep
            # one per thread instead (Rasa uses the store from its event loop's thread).
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._cache: OrderedDict[str, Cached] = OrderedDict()
        self._size = int(cache_size)
        self.hits = 0
        self.misses = 0

    def _newest_id(self, session: Any, sender_id: str) -> int:
        """The id of the conversation's newest stored event (0: none)."""
        event = self.SQLEvent
        newest = session.execute(
            sa.select(sa.func.max(event.id)).where(event.sender_id == sender_id)
        ).scalar()
        return int(newest or 0)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The cached tracker when no event was stored since, else Rasa's read."""
        cached = self._cache.pop(sender_id, None)
        with self.session_scope() as session:
            newest = self._newest_id(session, sender_id)
        # Reused only when nothing was stored since it was saved, and nothing changed it since
        # (a turn that failed after saving once changed it without storing).
        if (
            cached is not None
            and newest == cached.newest_id
            and len(cached.tracker.events) == cached.events
        ):
            self.hits += 1
            return cached.tracker
        self.misses += 1
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            setattr(tracker, STORED, len(tracker.events))
            setattr(tracker, NEWEST, newest)
        return tracker

    def _unchanged(self, tracker: DialogueStateTracker) -> bool:
        """True when the conversation's newest stored event is the one the tracker last saw."""
        with self.session_scope() as session:
            return self._newest_id(session, tracker.sender_id) == getattr(tracker, NEWEST, None)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events the tracker gained since it was read, then cache it."""
        stored = getattr(tracker, STORED, None)
        if stored is None or stored > len(tracker.events) or not self._unchanged(tracker):
            # Not read here, or something else wrote to the conversation since it was read
            # (or an earlier attempt of this save committed): Rasa's own save, which stores
            # what the database does not have yet, and no caching.
            self._cache.pop(tracker.sender_id, None)
            for mark in (STORED, NEWEST):
                if hasattr(tracker, mark):
                    delattr(tracker, mark)
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        new = list(tracker.events)[stored:]
        rows = []
        for event in new:
            data = event.as_dict()
            rows.append(
                self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                )
            )
        with self.session_scope() as session:
            session.add_all(rows)
            session.flush()  # the ids: the newest is what the next turn checks against
            ids = [row.id for row in rows if row.id is not None]
            newest = max(ids) if ids else self._newest_id(session, tracker.sender_id)
            session.commit()
        # A tracker saved again later in the same turn continues from here.
        setattr(tracker, STORED, len(tracker.events))
        setattr(tracker, NEWEST, newest)
        if any(isinstance(event, SessionStarted) for event in new):
            return  # Rasa reads only the newest session: the next turn reads it so too
        now = time.monotonic()
        self._cache[tracker.sender_id] = Cached(tracker, newest, len(tracker.events), now)
        self._cache.move_to_end(tracker.sender_id)
        stale = now - IDLE_SECONDS
        while self._cache and (
            len(self._cache) > self._size or next(iter(self._cache.values())).at < stale
        ):
            self._cache.popitem(last=False)
