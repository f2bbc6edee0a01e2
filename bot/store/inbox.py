"""Patient messages, stored before they are handled, handled in order, each exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import affected_rows
from bot.store.models import DONE, FAILED, PENDING, Inbound, utcnow
from bot.store.text import storable_json


@dataclass(frozen=True)
class Message:
    """One stored patient message."""

    id: int
    channel: str
    conversation_id: str
    kind: str
    body: dict[str, Any]
    attempts: int
    delivered: int
    created_at: datetime

    @property
    def rasa_id(self) -> str:
        """The id Rasa records for this message, to find its turn again after a timeout."""
        return f"gw-{self.id}"


def _message(row: Inbound) -> Message:
    return Message(
        row.id,
        row.channel,
        row.conversation_id,
        row.kind,
        row.body,
        row.attempts,
        row.delivered,
        row.created_at,
    )


def accept(
    sessions: sessionmaker[Session],
    channel: str,
    conversation_id: str,
    kind: str,
    body: dict[str, Any],
    external_id: str | None = None,
) -> Message | None:
    """Store a message (committed when this returns); None when `external_id` was seen."""
    row = Inbound(
        channel=channel,
        conversation_id=conversation_id,
        external_id=external_id,
        kind=kind,
        body=storable_json(body),
        status=PENDING,
        attempts=0,
        delivered=0,
        created_at=utcnow(),
    )
    try:
        with sessions.begin() as session:
            session.add(row)
            session.flush()
            return _message(row)
    except IntegrityError:
        return None


def next_pending(sessions: sessionmaker[Session], conversation_id: str) -> Message | None:
    """The conversation's oldest message not yet handled."""
    with sessions() as session:
        row = session.execute(
            select(Inbound)
            .where(Inbound.conversation_id == conversation_id, Inbound.status == PENDING)
            .order_by(Inbound.id)
            .limit(1)
        ).scalar_one_or_none()
        return _message(row) if row is not None else None


def pending_conversations(sessions: sessionmaker[Session]) -> list[str]:
    """Conversations with messages waiting (after a restart), oldest waiting first."""
    with sessions() as session:
        rows = session.execute(
            select(Inbound.conversation_id, Inbound.id)
            .where(Inbound.status == PENDING)
            .order_by(Inbound.id)
        )
        return list(dict.fromkeys(conversation for conversation, _ in rows))


def pending_texts(sessions: sessionmaker[Session], conversation_id: str) -> list[str]:
    """What the patient wrote that the bot has not answered yet (to redraw a page)."""
    with sessions() as session:
        rows = session.execute(
            select(Inbound.body)
            .where(
                Inbound.conversation_id == conversation_id,
                Inbound.status == PENDING,
                Inbound.kind == "text",
            )
            .order_by(Inbound.id)
        ).scalars()
        return [str(body.get("text", "")) for body in rows]


def get(sessions: sessionmaker[Session], message_id: int) -> Message:
    """One stored message as it is now."""
    with sessions() as session:
        row = session.get(Inbound, message_id)
        if row is None:
            raise LookupError(f"inbound message {message_id} is gone")
        return _message(row)


def attempted(sessions: sessionmaker[Session], message_id: int) -> None:
    """Count a failed attempt at handling the message."""
    with sessions.begin() as session:
        session.execute(
            update(Inbound).where(Inbound.id == message_id).values(attempts=Inbound.attempts + 1)
        )


def delivered(sessions: sessionmaker[Session], message_id: int, parts: int) -> None:
    """Record how many reply parts have reached the patient."""
    with sessions.begin() as session:
        session.execute(update(Inbound).where(Inbound.id == message_id).values(delivered=parts))


def finish(sessions: sessionmaker[Session], message_id: int) -> None:
    """The message was handled; its body is dropped (the transcript has the words)."""
    with sessions.begin() as session:
        session.execute(
            update(Inbound)
            .where(Inbound.id == message_id)
            .values(status=DONE, done_at=utcnow(), body={})
        )


def fail(sessions: sessionmaker[Session], message_id: int) -> None:
    """Handling the message failed for good: keep it, body and all, for operators."""
    with sessions.begin() as session:
        session.execute(update(Inbound).where(Inbound.id == message_id).values(status=FAILED))


def failed_count(sessions: sessionmaker[Session]) -> int:
    """Messages that could not be handled (for health checks)."""
    with sessions() as session:
        return int(
            session.execute(
                select(func.count()).select_from(Inbound).where(Inbound.status == FAILED)
            ).scalar_one()
        )


def prune(sessions: sessionmaker[Session], older_than: timedelta) -> int:
    """Forget handled messages older than `older_than` (their ids only guard redeliveries)."""
    with sessions.begin() as session:
        result = affected_rows(
            session,
            delete(Inbound).where(Inbound.status == DONE, Inbound.done_at < utcnow() - older_than),
        )
        return result
