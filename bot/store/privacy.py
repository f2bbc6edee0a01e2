"""A patient's data: exported on request, erased on request, and purged after the clinic's
retention period. Rasa's tracker store lives in the same database, so its events go too.

The audit log keeps a receipt of each erasure (who, when, which conversation), never content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import affected_rows
from bot.store.models import (
    ConversationNote,
    Escalation,
    EventTicket,
    Inbound,
    IssuedButton,
    LoginAttempt,
    StaffNote,
    Trigger,
    WebSession,
    utcnow,
)


@dataclass
class Removed:
    """How many rows of each kind went."""

    rows: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, count: int) -> None:
        """Count rows removed."""
        self.rows[kind] = self.rows.get(kind, 0) + count

    @property
    def total(self) -> int:
        """All rows removed."""
        return sum(self.rows.values())


def _has_events(session: Session) -> bool:
    return bool(inspect(session.connection()).has_table("events"))


def _escalation_ids(session: Session, conversations: list[str]) -> list[int]:
    rows = session.execute(
        select(Escalation.id).where(Escalation.conversation_id.in_(conversations))
    ).scalars()
    return list(rows)


def _erase_conversations(session: Session, conversations: list[str], removed: Removed) -> None:
    if not conversations:
        return
    ids = _escalation_ids(session, conversations)
    if ids:
        removed.add(
            "staff notes",
            affected_rows(session, delete(StaffNote).where(StaffNote.escalation_id.in_(ids))),
        )
        removed.add(
            "triggers",
            affected_rows(session, delete(Trigger).where(Trigger.escalation_id.in_(ids))),
        )
        removed.add(
            "escalations", affected_rows(session, delete(Escalation).where(Escalation.id.in_(ids)))
        )
    for kind, model in (
        ("media notes", ConversationNote),
        ("messages", Inbound),
        ("buttons", IssuedButton),
        ("widget sessions", WebSession),
        ("event tickets", EventTicket),
    ):
        column = model.conversation_id
        removed.add(kind, affected_rows(session, delete(model).where(column.in_(conversations))))
    if _has_events(session):
        for conversation in conversations:
            result = session.execute(
                text("DELETE FROM events WHERE sender_id = :sender"), {"sender": conversation}
            )
            removed.add("transcript events", int(getattr(result, "rowcount", 0) or 0))


def forget(sessions: sessionmaker[Session], conversation_id: str) -> Removed:
    """Erase everything about one conversation (the patient asked for it)."""
    removed = Removed()
    with sessions.begin() as session:
        _erase_conversations(session, [conversation_id], removed)
    return removed


def purge(sessions: sessionmaker[Session], older_than: timedelta) -> Removed:
    """Erase conversations quiet for longer than the retention period, and stale bookkeeping."""
    cutoff = utcnow() - older_than
    removed = Removed()
    with sessions.begin() as session:
        conversations: set[str] = set()
        if _has_events(session):
            rows = session.execute(
                text(
                    "SELECT sender_id FROM events GROUP BY sender_id "
                    "HAVING MAX(timestamp) < :cutoff"
                ),
                {"cutoff": cutoff.timestamp()},
            )
            conversations.update(str(row[0]) for row in rows)
        # Escalations whose transcript is already gone, or that have no transcript at all.
        stale = session.execute(
            select(Escalation.conversation_id).where(Escalation.updated_at < cutoff)
        ).scalars()
        conversations.update(stale)
        live = set()
        if _has_events(session):
            recent = session.execute(
                text("SELECT DISTINCT sender_id FROM events WHERE timestamp >= :cutoff"),
                {"cutoff": cutoff.timestamp()},
            )
            live = {str(row[0]) for row in recent}
        _erase_conversations(session, sorted(conversations - live), removed)
        removed.add(
            "sign-in attempts",
            affected_rows(session, delete(LoginAttempt).where(LoginAttempt.at < cutoff)),
        )
    return removed


def export(sessions: sessionmaker[Session], conversation_id: str) -> dict[str, Any]:
    """Everything stored about one conversation, as JSON-ready data (for an access request)."""
    with sessions() as session:
        escalations = (
            session.execute(select(Escalation).where(Escalation.conversation_id == conversation_id))
            .scalars()
            .all()
        )
        ids = [e.id for e in escalations]
        triggers = (
            session.execute(select(Trigger).where(Trigger.escalation_id.in_(ids))).scalars().all()
            if ids
            else []
        )
        notes = (
            session.execute(
                select(ConversationNote).where(ConversationNote.conversation_id == conversation_id)
            )
            .scalars()
            .all()
        )
        events: list[dict[str, Any]] = []
        if _has_events(session):
            for (data,) in session.execute(
                text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"),
                {"sender": conversation_id},
            ):
                try:
                    event = json.loads(data or "{}")
                except ValueError:
                    continue
                if event.get("event") in ("user", "bot"):
                    events.append(
                        {
                            "from": "patient" if event["event"] == "user" else "assistant",
                            "text": event.get("text"),
                            "at": _when(event.get("timestamp")),
                        }
                    )
    return {
        "conversation": conversation_id,
        "exported_at": utcnow().isoformat(),
        "messages": events,
        "escalations": [
            {
                "id": e.id,
                "kind": e.kind,
                "categories": e.categories,
                "status": e.status,
                "opened_at": e.created_at.isoformat(),
                "callback": {
                    "name": e.callback_name,
                    "phone": e.callback_phone,
                    "time": e.callback_time,
                }
                if e.callback_phone
                else None,
                "messages_flagged": [t.text for t in triggers if t.escalation_id == e.id],
            }
            for e in escalations
        ],
        "media_sent": [{"kind": n.kind, "caption": n.detail} for n in notes],
    }


def _when(stamp: object) -> str | None:
    if not isinstance(stamp, int | float):
        return None
    return datetime.fromtimestamp(float(stamp), timezone.utc).isoformat()
