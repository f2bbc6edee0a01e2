"""Tables: one open escalation per conversation, and every message that triggered it."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, declarative_base, relationship

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
Base = declarative_base(metadata=metadata)

OPEN = "open"
RESOLVED = "resolved"
OUTCOMES = ("cleared_to_treat", "not_suitable", "needs_consultation", "booked", "no_response")
ROLES = ("staff", "admin")
PENDING = "pending"
DONE = "done"
FAILED = "failed"
# Kinds, most serious first: an open escalation takes the most serious kind it has seen.
KINDS = ("red_flag", "contraindication", "human_requested", "possible_flag", "bot_failed")
SEVERITIES = ("urgent", "high", "normal")


def utcnow() -> datetime:
    """Timezone-aware now, for created/updated columns."""
    return datetime.now(timezone.utc)


class Escalation(Base):
    """A conversation that needs staff, with what was flagged and the patient's callback."""

    __tablename__ = "escalations"

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(255), nullable=False, index=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    kind: Mapped[str] = Column(String(32), nullable=False)
    categories: Mapped[list[Any]] = Column(JSON, nullable=False, default=list)
    severity: Mapped[str] = Column(String(16), nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False, default=OPEN)
    message: Mapped[str] = Column(Text, nullable=False)
    matched: Mapped[list[Any]] = Column(JSON, nullable=False, default=list)
    other_mentions: Mapped[list[Any]] = Column(JSON, nullable=False, default=list)
    callback_name = Column(String(80))
    callback_phone = Column(String(32))
    callback_time = Column(String(120))
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # Staff handling: who owns the conversation (the bot is paused meanwhile), the outcome.
    assigned_to = Column(Integer, ForeignKey("staff_users.id"))
    claimed_at = Column(DateTime(timezone=True))
    resolved_at = Column(DateTime(timezone=True))
    outcome = Column(String(32))
    resolution_note = Column(Text)
    # When the staff chat was told about it (set once, by whichever gateway got there first).
    notified_at = Column(DateTime(timezone=True))

    triggers: Mapped[list[Trigger]] = relationship(
        "Trigger", back_populates="escalation", order_by="Trigger.id"
    )

    __table_args__ = (
        # At most one open escalation per conversation, even with several action servers.
        Index(
            "uq_escalations_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )


class Trigger(Base):
    """One patient message that raised or updated an escalation (never stored twice)."""

    __tablename__ = "escalation_triggers"

    id: Mapped[int] = Column(Integer, primary_key=True)
    escalation_id: Mapped[int] = Column(
        Integer, ForeignKey("escalations.id"), nullable=False, index=True
    )
    conversation_id: Mapped[str] = Column(String(255), nullable=False)
    message_id: Mapped[str] = Column(String(255), nullable=False)
    kind: Mapped[str] = Column(String(32), nullable=False)
    categories: Mapped[list[Any]] = Column(JSON, nullable=False, default=list)
    text: Mapped[str] = Column(Text, nullable=False)
    matched: Mapped[list[Any]] = Column(JSON, nullable=False, default=list)
    other_mentions: Mapped[list[Any]] = Column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    escalation: Mapped[Escalation] = relationship("Escalation", back_populates="triggers")

    __table_args__ = (UniqueConstraint("conversation_id", "message_id", name="uq_trigger_message"),)


class WebSession(Base):
    """A website-widget conversation; the browser holds the token, we keep only its hash."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = Column(String(64), primary_key=True)
    conversation_id: Mapped[str] = Column(String(255), nullable=False, unique=True)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class EventTicket(Base):
    """A short-lived, single-use key for the widget's event stream (EventSource sends no
    headers, and a session token in a URL would end up in logs)."""

    __tablename__ = "event_tickets"

    ticket_hash: Mapped[str] = Column(String(64), primary_key=True)
    conversation_id: Mapped[str] = Column(String(255), nullable=False)
    expires_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False)


class Inbound(Base):
    """A patient message, stored before anything else happens to it and handled in order.

    `external_id` is the channel's own id (Telegram's update_id), so a redelivery is stored
    once. The body is cleared once the message is handled (the transcript keeps the words).
    """

    __tablename__ = "inbound_messages"

    id: Mapped[int] = Column(Integer, primary_key=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    conversation_id: Mapped[str] = Column(String(255), nullable=False, index=True)
    external_id = Column(String(64))
    kind: Mapped[str] = Column(String(16), nullable=False)
    body: Mapped[dict[str, Any]] = Column(JSON, nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False, default=PENDING)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    # Reply parts already delivered, so a retry after a network failure sends only the rest.
    delivered: Mapped[int] = Column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    done_at = Column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_inbound_messages_external"),
        Index("ix_inbound_messages_status", "status"),
    )


class IssuedButton(Base):
    """A quick reply the gateway showed a patient: only these tokens are read as payloads."""

    __tablename__ = "issued_buttons"

    token: Mapped[str] = Column(String(32), primary_key=True)
    conversation_id: Mapped[str] = Column(String(255), nullable=False)
    payload: Mapped[str] = Column(Text, nullable=False)
    title: Mapped[str] = Column(Text, nullable=False)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    __table_args__ = (
        UniqueConstraint("conversation_id", "payload", name="uq_issued_buttons_payload"),
    )


class ConversationNote(Base):
    """Something staff should see that the bot could not read (a photo, a voice note)."""

    __tablename__ = "conversation_notes"

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(255), nullable=False, index=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    kind: Mapped[str] = Column(String(32), nullable=False)
    detail: Mapped[str] = Column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class StaffUser(Base):
    """A member of clinic staff who can sign in to the console."""

    __tablename__ = "staff_users"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = Column(String(120), nullable=False)
    role: Mapped[str] = Column(String(16), nullable=False)
    password_hash: Mapped[str] = Column(String(255), nullable=False)
    # The demo admin `make run` creates; production refuses to start while it exists.
    is_demo: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    disabled: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class StaffSession(Base):
    """A signed-in browser: the cookie holds a random token, we keep only its keyed hash."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = Column(String(64), primary_key=True)
    user_id: Mapped[int] = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    csrf_token: Mapped[str] = Column(String(64), nullable=False)
    address: Mapped[str] = Column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    revoked_at = Column(DateTime(timezone=True))


class LoginAttempt(Base):
    """A sign-in attempt, to slow down guessing per account and per address."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(64), nullable=False, index=True)
    address: Mapped[str] = Column(String(64), nullable=False, index=True)
    succeeded: Mapped[bool] = Column(Boolean, nullable=False)
    at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class StaffNote(Base):
    """An internal note on an escalation; never shown to the patient."""

    __tablename__ = "staff_notes"

    id: Mapped[int] = Column(Integer, primary_key=True)
    escalation_id: Mapped[int] = Column(
        Integer, ForeignKey("escalations.id"), nullable=False, index=True
    )
    user_id: Mapped[int] = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    text: Mapped[str] = Column(Text, nullable=False)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class AuditEntry(Base):
    """Who did or viewed what, when, from where. Append-only (the database refuses changes)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    user_id = Column(Integer)
    username: Mapped[str] = Column(String(64), nullable=False)
    action: Mapped[str] = Column(String(32), nullable=False)
    escalation_id = Column(Integer, index=True)
    conversation_id = Column(String(255), index=True)
    address: Mapped[str] = Column(String(64), nullable=False, default="")
    detail: Mapped[str] = Column(Text, nullable=False, default="")


class NluLabel(Base):
    """A patient message an admin labelled with the intent it should have had (for training)."""

    __tablename__ = "nlu_labels"

    id: Mapped[int] = Column(Integer, primary_key=True)
    text: Mapped[str] = Column(Text, nullable=False)
    intent: Mapped[str] = Column(String(64), nullable=False)
    labelled_by: Mapped[int] = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("text", name="uq_nlu_labels_text"),)
