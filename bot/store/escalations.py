"""Recording escalations: one open escalation per conversation, each message once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import KINDS, OPEN, SEVERITIES, Escalation, Trigger, utcnow
from bot.store.text import storable, storable_json


@dataclass(frozen=True)
class Flag:
    """What one patient message raised."""

    conversation_id: str
    channel: str
    kind: str
    severity: str
    message_id: str
    text: str
    categories: Sequence[str] = ()
    matched: Sequence[dict[str, Any]] = ()
    other_mentions: Sequence[dict[str, Any]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Recorded:
    """The escalation a flag landed in, and whether this message was new to it."""

    escalation_id: int
    new_message: bool


def _more_serious(order: Sequence[str], current: str, candidate: str) -> str:
    return min(current, candidate, key=order.index)


def _merge(existing: Sequence[Any], extra: Sequence[Any]) -> list[Any]:
    merged = list(existing)
    merged.extend(item for item in extra if item not in merged)
    return merged


def _open(session: Session, conversation_id: str) -> Escalation | None:
    query = select(Escalation).where(
        Escalation.conversation_id == conversation_id, Escalation.status == OPEN
    )
    return session.execute(query.with_for_update()).scalar_one_or_none()


def _record_once(session: Session, flag: Flag) -> Recorded:
    seen = session.execute(
        select(Trigger.escalation_id).where(
            Trigger.conversation_id == flag.conversation_id,
            Trigger.message_id == flag.message_id,
        )
    ).scalar_one_or_none()
    if seen is not None:
        return Recorded(seen, new_message=False)
    escalation = _open(session, flag.conversation_id)
    if escalation is None:
        escalation = Escalation(
            conversation_id=flag.conversation_id,
            channel=flag.channel,
            kind=flag.kind,
            severity=flag.severity,
            status=OPEN,
            message=flag.text,
            categories=list(flag.categories),
            matched=list(flag.matched),
            other_mentions=list(flag.other_mentions),
        )
        session.add(escalation)
    else:
        escalation.kind = _more_serious(KINDS, escalation.kind, flag.kind)
        escalation.severity = _more_serious(SEVERITIES, escalation.severity, flag.severity)
        escalation.categories = _merge(escalation.categories, flag.categories)
        escalation.matched = _merge(escalation.matched, flag.matched)
        escalation.other_mentions = _merge(escalation.other_mentions, flag.other_mentions)
        escalation.updated_at = utcnow()
    session.flush()
    session.add(
        Trigger(
            escalation_id=escalation.id,
            conversation_id=flag.conversation_id,
            message_id=flag.message_id,
            kind=flag.kind,
            categories=list(flag.categories),
            text=flag.text,
            matched=list(flag.matched),
            other_mentions=list(flag.other_mentions),
        )
    )
    return Recorded(escalation.id, new_message=True)


def _storable(flag: Flag) -> Flag:
    return replace(
        flag,
        text=storable(flag.text),
        matched=storable_json(list(flag.matched)),
        other_mentions=storable_json(list(flag.other_mentions)),
    )


def record_flag(sessions: sessionmaker[Session], flag: Flag) -> Recorded:
    """Open or update the conversation's escalation with this message (idempotent)."""
    flag = _storable(flag)
    for attempt in range(3):
        try:
            with sessions.begin() as session:
                return _record_once(session, flag)
        except IntegrityError:
            # Another process opened the escalation or stored this message first: re-read.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def save_callback(
    sessions: sessionmaker[Session],
    conversation_id: str,
    channel: str,
    name: str,
    phone: str,
    best_time: str,
) -> int:
    """Attach callback details to the conversation's open escalation (opening one if needed)."""
    name, phone, best_time = storable(name), storable(phone), storable(best_time)
    with sessions.begin() as session:
        escalation = _open(session, conversation_id)
        if escalation is None:
            escalation = Escalation(
                conversation_id=conversation_id,
                channel=channel,
                kind="human_requested",
                severity="normal",
                status=OPEN,
                message="(callback requested)",
                categories=[],
                matched=[],
                other_mentions=[],
            )
            session.add(escalation)
        escalation.callback_name = name
        escalation.callback_phone = phone
        escalation.callback_time = best_time
        escalation.updated_at = utcnow()
        session.flush()
        return escalation.id


def open_escalations(sessions: sessionmaker[Session]) -> list[Escalation]:
    """Open escalations, urgent first, then oldest first."""
    urgency = {severity: rank for rank, severity in enumerate(SEVERITIES)}
    with sessions() as session:
        rows = session.execute(select(Escalation).where(Escalation.status == OPEN)).scalars()
        return sorted(rows, key=lambda e: (urgency.get(e.severity, 99), e.created_at, e.id))
