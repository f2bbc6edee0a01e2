"""Counts for metrics and readiness: escalations by kind and status, stored messages by status."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Escalation, Inbound


def escalation_counts(sessions: sessionmaker[Session]) -> dict[tuple[str, str], int]:
    """Escalations in the database per (kind, status)."""
    with sessions() as session:
        rows = session.execute(
            select(Escalation.kind, Escalation.status, func.count()).group_by(
                Escalation.kind, Escalation.status
            )
        ).all()
    return {(str(kind), str(status)): int(count) for kind, status, count in rows}


def inbox_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Stored patient messages per status (pending is the queue depth)."""
    with sessions() as session:
        rows = session.execute(select(Inbound.status, func.count()).group_by(Inbound.status)).all()
    return {str(status): int(count) for status, count in rows}


def database_answers(sessions: sessionmaker[Session]) -> bool:
    """True when the database answers a trivial query."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception:  # any driver error means: not ready
        return False
    return True
