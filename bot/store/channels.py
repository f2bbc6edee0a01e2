"""Channel bookkeeping: widget sessions, Telegram update ids, notes for staff."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import ConversationNote, TelegramUpdate, WebSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_web_session(sessions: sessionmaker[Session]) -> tuple[str, str]:
    """A fresh (secret token, conversation id); only the token's hash is stored."""
    token = secrets.token_urlsafe(32)
    conversation_id = f"web-{uuid.uuid4().hex}"
    with sessions.begin() as session:
        session.add(WebSession(token_hash=_hash(token), conversation_id=conversation_id))
    return token, conversation_id


def web_conversation(sessions: sessionmaker[Session], token: str) -> str | None:
    """The conversation a widget token belongs to, or None for an unknown token."""
    if not token or len(token) > 128:
        return None
    with sessions() as session:
        return session.execute(
            select(WebSession.conversation_id).where(WebSession.token_hash == _hash(token))
        ).scalar_one_or_none()


def claim_update(sessions: sessionmaker[Session], update_id: int, payload: dict[str, Any]) -> bool:
    """Store a Telegram update; False when it was already received (a redelivery)."""
    try:
        with sessions.begin() as session:
            session.add(TelegramUpdate(update_id=update_id, payload=payload))
    except IntegrityError:
        return False
    return True


def finish_update(sessions: sessionmaker[Session], update_id: int) -> None:
    """Mark an update as handled."""
    with sessions.begin() as session:
        query = update(TelegramUpdate).where(TelegramUpdate.update_id == update_id)
        session.execute(query.values(status="done"))


def unfinished_updates(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    """Payloads received but not handled (the process stopped in between), oldest first."""
    with sessions() as session:
        rows = session.execute(
            select(TelegramUpdate.payload)
            .where(TelegramUpdate.status == "received")
            .order_by(TelegramUpdate.update_id)
        )
        return [row[0] for row in rows]


def add_note(
    sessions: sessionmaker[Session], conversation_id: str, channel: str, kind: str, detail: str
) -> None:
    """Note something on a conversation for staff."""
    with sessions.begin() as session:
        session.add(
            ConversationNote(
                conversation_id=conversation_id, channel=channel, kind=kind, detail=detail
            )
        )
