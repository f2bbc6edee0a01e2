"""Channel bookkeeping: widget sessions and event tickets, issued buttons, notes for staff."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import affected_rows
from bot.store.models import ConversationNote, EventTicket, IssuedButton, WebSession, utcnow
from bot.store.text import storable

MAX_TOKEN = 128
# A session's last_seen_at is written at most this often (not on every message).
SEEN_RESOLUTION = timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_web_session(sessions: sessionmaker[Session]) -> tuple[str, str]:
    """A fresh (secret token, conversation id); only the token's hash is stored."""
    token = secrets.token_urlsafe(32)
    conversation_id = f"web-{uuid.uuid4().hex}"
    with sessions.begin() as session:
        session.add(WebSession(token_hash=_hash(token), conversation_id=conversation_id))
    return token, conversation_id


def web_conversation(
    sessions: sessionmaker[Session], token: str, max_idle: timedelta | None = None
) -> str | None:
    """The conversation a widget token belongs to; None for an unknown or expired token."""
    if not token or len(token) > MAX_TOKEN:
        return None
    now = utcnow()
    with sessions.begin() as session:
        row = session.get(WebSession, _hash(token))
        if row is None:
            return None
        seen = _aware(row.last_seen_at)
        if max_idle is not None and now - seen > max_idle:
            session.delete(row)
            return None
        if now - seen > SEEN_RESOLUTION:
            row.last_seen_at = now
        return row.conversation_id


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def expire_web_sessions(sessions: sessionmaker[Session], max_idle: timedelta) -> int:
    """Forget widget sessions idle for longer than `max_idle`; returns how many."""
    with sessions.begin() as session:
        result = affected_rows(
            session, delete(WebSession).where(WebSession.last_seen_at < utcnow() - max_idle)
        )
        session.execute(delete(EventTicket).where(EventTicket.expires_at < utcnow()))
        return result


def new_event_ticket(
    sessions: sessionmaker[Session], conversation_id: str, lifetime: timedelta
) -> str:
    """A single-use key to open the conversation's event stream within `lifetime`."""
    ticket = secrets.token_urlsafe(24)
    with sessions.begin() as session:
        session.add(
            EventTicket(
                ticket_hash=_hash(ticket),
                conversation_id=conversation_id,
                expires_at=utcnow() + lifetime,
            )
        )
    return ticket


def use_event_ticket(sessions: sessionmaker[Session], ticket: str) -> str | None:
    """The ticket's conversation, once: the ticket is gone after this call."""
    if not ticket or len(ticket) > MAX_TOKEN:
        return None
    with sessions.begin() as session:
        row = session.get(EventTicket, _hash(ticket))
        if row is None:
            return None
        conversation_id, expires = row.conversation_id, _aware(row.expires_at)
        deleted = affected_rows(
            session, delete(EventTicket).where(EventTicket.ticket_hash == row.ticket_hash)
        )
        if deleted != 1 or expires < utcnow():
            return None
        return conversation_id


def issue_button(
    sessions: sessionmaker[Session], conversation_id: str, payload: str, title: str
) -> str:
    """The token that stands for this payload in this conversation (the same one each time)."""
    for _ in range(3):
        with sessions.begin() as session:
            existing = session.execute(
                select(IssuedButton.token).where(
                    IssuedButton.conversation_id == conversation_id,
                    IssuedButton.payload == payload,
                )
            ).scalar_one_or_none()
            if existing is not None:
                return str(existing)
        try:
            token = secrets.token_urlsafe(16)
            with sessions.begin() as session:
                session.add(
                    IssuedButton(
                        token=token, conversation_id=conversation_id, payload=payload, title=title
                    )
                )
            return token
        except IntegrityError:
            continue  # issued concurrently for the same payload: read it back
    raise RuntimeError("could not issue a button token")


def pressed_button(
    sessions: sessionmaker[Session], conversation_id: str, token: str
) -> tuple[str, str] | None:
    """(payload, title) of a token issued to this conversation, else None."""
    if not token or len(token) > MAX_TOKEN:
        return None
    with sessions() as session:
        row = session.get(IssuedButton, token)
        if row is None or row.conversation_id != conversation_id:
            return None
        return row.payload, row.title


def button_titles(sessions: sessionmaker[Session], conversation_id: str) -> dict[str, str]:
    """Payload -> title of every button shown in the conversation (to redraw presses)."""
    with sessions() as session:
        rows = session.execute(
            select(IssuedButton.payload, IssuedButton.title).where(
                IssuedButton.conversation_id == conversation_id
            )
        )
        return {payload: title for payload, title in rows}


def add_note(
    sessions: sessionmaker[Session], conversation_id: str, channel: str, kind: str, detail: str
) -> None:
    """Note something on a conversation for staff."""
    with sessions.begin() as session:
        session.add(
            ConversationNote(
                conversation_id=conversation_id,
                channel=channel,
                kind=kind,
                detail=storable(detail),
            )
        )
