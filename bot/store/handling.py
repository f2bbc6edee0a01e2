"""What staff do with escalations: the queue, one escalation in full, claim, notes, resolve."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import affected_rows
from bot.store.models import (
    OPEN,
    OUTCOMES,
    RESOLVED,
    ConversationNote,
    Escalation,
    StaffNote,
    StaffUser,
    Trigger,
    utcnow,
)
from bot.store.text import storable

RED_FLAG = "red_flag"
# Queue tabs: what staff pick from.
STATUSES = ("unclaimed", "claimed", "resolved", "all")


class HandlingError(ValueError):
    """The action does not fit the escalation's state (already resolved, owned by someone else)."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _maybe(moment: datetime | None) -> datetime | None:
    return _aware(moment) if moment is not None else None


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters, as the page's form sends them (empty means any)."""

    status: str = "unclaimed"
    kind: str = ""
    category: str = ""
    channel: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class QueueItem:
    """One row of the queue."""

    id: int
    conversation_id: str
    channel: str
    kind: str
    severity: str
    categories: list[str]
    status: str
    owner: str | None
    created_at: datetime
    callback: bool

    @property
    def red_flag(self) -> bool:
        """Red flags go first and stand out."""
        return self.kind == RED_FLAG


def _owners(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(ids))
    )
    return {int(user_id): str(name) for user_id, name in rows}


def queue(
    sessions: sessionmaker[Session], wanted: QueueFilter, limit: int = 300
) -> list[QueueItem]:
    """Escalations matching the filter: red flags first, then oldest first (resolved: newest)."""
    query = select(Escalation)
    if wanted.status == "unclaimed":
        query = query.where(Escalation.status == OPEN, Escalation.assigned_to.is_(None))
    elif wanted.status == "claimed":
        query = query.where(Escalation.status == OPEN, Escalation.assigned_to.is_not(None))
    elif wanted.status == "resolved":
        query = query.where(Escalation.status == RESOLVED)
    for column, value in ((Escalation.kind, wanted.kind), (Escalation.channel, wanted.channel)):
        if value:
            query = query.where(column == value)
    if wanted.since:
        query = query.where(Escalation.created_at >= wanted.since)
    if wanted.until:
        query = query.where(Escalation.created_at < wanted.until)
    with sessions() as session:
        rows = list(session.execute(query.limit(limit * 4)).scalars())
        if wanted.category:
            rows = [row for row in rows if wanted.category in (row.categories or [])]
        owners = _owners(session, {row.assigned_to for row in rows if row.assigned_to})
    newest_first = wanted.status == "resolved"

    def order(row: Escalation) -> tuple[bool, float, int]:
        moment = _aware(row.created_at).timestamp()
        return row.kind != RED_FLAG, -moment if newest_first else moment, row.id

    rows.sort(key=order)
    return [_item(row, owners) for row in rows[:limit]]


def _item(row: Escalation, owners: dict[int, str]) -> QueueItem:
    return QueueItem(
        id=row.id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        kind=row.kind,
        severity=row.severity,
        categories=list(row.categories or []),
        status=row.status,
        owner=owners.get(row.assigned_to) if row.assigned_to else None,
        created_at=_aware(row.created_at),
        callback=bool(row.callback_phone),
    )


def status_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """How many escalations are unclaimed, claimed and resolved."""
    with sessions() as session:
        rows = session.execute(
            select(Escalation.status, Escalation.assigned_to.is_not(None), func.count()).group_by(
                Escalation.status, Escalation.assigned_to.is_not(None)
            )
        ).all()
    counts = {"unclaimed": 0, "claimed": 0, "resolved": 0}
    for status, assigned, n in rows:
        key = "resolved" if status == RESOLVED else ("claimed" if assigned else "unclaimed")
        counts[key] += int(n)
    return counts


def queue_version(sessions: sessionmaker[Session]) -> tuple[int, str]:
    """Changes whenever an escalation is added or changed (for live updates)."""
    with sessions() as session:
        count, newest = session.execute(
            select(func.count(), func.max(Escalation.updated_at)).select_from(Escalation)
        ).one()
    return int(count), str(newest)


@dataclass(frozen=True)
class TriggerView:
    """A patient message that raised the escalation, with the words that did."""

    message_id: str
    kind: str
    categories: list[str]
    text: str
    matched: list[dict[str, Any]]
    other_mentions: list[dict[str, Any]]
    at: datetime


@dataclass(frozen=True)
class NoteView:
    """An internal note."""

    author: str
    text: str
    at: datetime


@dataclass(frozen=True)
class Detail:
    """One escalation with everything staff need to act on it."""

    id: int
    conversation_id: str
    channel: str
    kind: str
    severity: str
    categories: list[str]
    status: str
    owner_id: int | None
    owner: str | None
    created_at: datetime
    claimed_at: datetime | None
    resolved_at: datetime | None
    outcome: str | None
    resolution_note: str | None
    callback_name: str | None
    callback_phone: str | None
    callback_time: str | None
    triggers: list[TriggerView]
    notes: list[NoteView]
    media: list[tuple[str, str, datetime]]
    earlier: list[QueueItem] = field(default_factory=list)

    @property
    def open(self) -> bool:
        """Still to be handled."""
        return self.status == OPEN


def _trigger_view(trigger: Trigger) -> TriggerView:
    return TriggerView(
        message_id=trigger.message_id,
        kind=trigger.kind,
        categories=list(trigger.categories or []),
        text=trigger.text,
        matched=list(trigger.matched or []),
        other_mentions=list(trigger.other_mentions or []),
        at=_aware(trigger.created_at),
    )


def detail(sessions: sessionmaker[Session], escalation_id: int) -> Detail | None:
    """The escalation, its triggers, notes, media noted and the patient's earlier ones."""
    with sessions() as session:
        row = session.get(Escalation, escalation_id)
        if row is None:
            return None
        triggers = session.execute(
            select(Trigger).where(Trigger.escalation_id == row.id).order_by(Trigger.id)
        ).scalars()
        notes = session.execute(
            select(StaffNote, StaffUser.display_name)
            .join(StaffUser, StaffUser.id == StaffNote.user_id)
            .where(StaffNote.escalation_id == row.id)
            .order_by(StaffNote.id)
        ).all()
        media = session.execute(
            select(ConversationNote)
            .where(ConversationNote.conversation_id == row.conversation_id)
            .order_by(ConversationNote.id)
        ).scalars()
        earlier = list(
            session.execute(
                select(Escalation)
                .where(Escalation.conversation_id == row.conversation_id, Escalation.id != row.id)
                .order_by(Escalation.id.desc())
            ).scalars()
        )
        people = {e.assigned_to for e in [row, *earlier] if e.assigned_to}
        owner = _owners(session, people)
        result = Detail(
            id=row.id,
            conversation_id=row.conversation_id,
            channel=row.channel,
            kind=row.kind,
            severity=row.severity,
            categories=list(row.categories or []),
            status=row.status,
            owner_id=row.assigned_to,
            owner=owner.get(row.assigned_to) if row.assigned_to else None,
            created_at=_aware(row.created_at),
            claimed_at=_maybe(row.claimed_at),
            resolved_at=_maybe(row.resolved_at),
            outcome=row.outcome,
            resolution_note=row.resolution_note,
            callback_name=row.callback_name,
            callback_phone=row.callback_phone,
            callback_time=row.callback_time,
            triggers=[_trigger_view(t) for t in triggers],
            notes=[NoteView(name, note.text, _aware(note.created_at)) for note, name in notes],
            media=[(m.kind, m.detail, _aware(m.created_at)) for m in media],
            earlier=[_item(e, owner) for e in earlier],
        )
    return result


@dataclass(frozen=True)
class Claim:
    """Who owns the escalation after a claim: `won` is False when someone else had it."""

    won: bool
    owner: str | None


def claim(sessions: sessionmaker[Session], escalation_id: int, user_id: int) -> Claim:
    """Take an open, unclaimed escalation; exactly one of two simultaneous claims wins."""
    now = utcnow()
    with sessions.begin() as session:
        won = affected_rows(
            session,
            update(Escalation)
            .where(
                Escalation.id == escalation_id,
                Escalation.status == OPEN,
                or_(Escalation.assigned_to.is_(None), Escalation.assigned_to == user_id),
            )
            .values(assigned_to=user_id, claimed_at=now, updated_at=now),
        )
        row = session.get(Escalation, escalation_id)
        owner = _owners(session, {row.assigned_to} if row and row.assigned_to else set())
        name = owner.get(row.assigned_to) if row and row.assigned_to else None
    return Claim(won == 1, name)


def hand_back(sessions: sessionmaker[Session], escalation_id: int, user_id: int) -> None:
    """Give the conversation back to the bot (the escalation stays open for the queue)."""
    now = utcnow()
    with sessions.begin() as session:
        changed = affected_rows(
            session,
            update(Escalation)
            .where(
                Escalation.id == escalation_id,
                Escalation.status == OPEN,
                Escalation.assigned_to == user_id,
            )
            .values(assigned_to=None, claimed_at=None, updated_at=now),
        )
    if changed != 1:
        raise HandlingError("only whoever claimed it can hand it back")


def resolve(
    sessions: sessionmaker[Session], escalation_id: int, user_id: int, outcome: str, note: str
) -> None:
    """Close the escalation with an outcome and a note (a note is required)."""
    if outcome not in OUTCOMES:
        raise HandlingError(f"outcome must be one of {', '.join(OUTCOMES)}")
    if not note.strip():
        raise HandlingError("a note is required to resolve")
    now = utcnow()
    with sessions.begin() as session:
        changed = affected_rows(
            session,
            update(Escalation)
            .where(
                Escalation.id == escalation_id,
                Escalation.status == OPEN,
                or_(Escalation.assigned_to.is_(None), Escalation.assigned_to == user_id),
            )
            .values(
                status=RESOLVED,
                assigned_to=user_id,
                outcome=outcome,
                resolution_note=storable(note.strip())[:4000],
                resolved_at=now,
                updated_at=now,
            ),
        )
    if changed != 1:
        raise HandlingError("it is resolved already, or someone else has it")


def add_staff_note(
    sessions: sessionmaker[Session], escalation_id: int, user_id: int, text: str
) -> None:
    """An internal note, never shown to the patient."""
    if not text.strip():
        raise HandlingError("the note is empty")
    with sessions.begin() as session:
        row = session.get(Escalation, escalation_id)
        if row is None:
            raise HandlingError("no such escalation")
        session.add(
            StaffNote(escalation_id=escalation_id, user_id=user_id, text=storable(text.strip()))
        )
        row.updated_at = utcnow()


def owner_of(sessions: sessionmaker[Session], conversation_id: str) -> str | None:
    """The display name of the member of staff who owns the conversation now, if any."""
    with sessions() as session:
        name = session.execute(
            select(StaffUser.display_name)
            .join(Escalation, Escalation.assigned_to == StaffUser.id)
            .where(Escalation.conversation_id == conversation_id, Escalation.status == OPEN)
        ).scalar_one_or_none()
    return str(name) if name is not None else None


def to_notify(sessions: sessionmaker[Session]) -> list[tuple[int, str, str]]:
    """Open escalations the staff chat has not heard of: (id, severity, channel)."""
    with sessions() as session:
        rows = session.execute(
            select(Escalation.id, Escalation.severity, Escalation.channel)
            .where(Escalation.notified_at.is_(None), Escalation.status == OPEN)
            .order_by(Escalation.id)
        ).all()
    return [(int(i), str(severity), str(channel)) for i, severity, channel in rows]


def mark_notified(sessions: sessionmaker[Session], escalation_id: int) -> bool:
    """Take the job of notifying about this one; False when another gateway took it."""
    with sessions.begin() as session:
        return (
            affected_rows(
                session,
                update(Escalation)
                .where(Escalation.id == escalation_id, Escalation.notified_at.is_(None))
                .values(notified_at=utcnow()),
            )
            == 1
        )
