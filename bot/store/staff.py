"""Staff accounts, their signed-in sessions, sign-in attempts and the audit log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import affected_rows
from bot.store.models import ROLES, AuditEntry, LoginAttempt, StaffSession, StaffUser, utcnow


class StaffError(ValueError):
    """A staff account cannot be created or changed as asked."""


@dataclass(frozen=True)
class Staff:
    """A signed-in member of staff, as the console sees them."""

    id: int
    username: str
    display_name: str
    role: str

    @property
    def is_admin(self) -> bool:
        """Admins also manage staff and read the audit log."""
        return self.role == "admin"


@dataclass(frozen=True)
class SignedIn:
    """A valid session: who, and the token its forms must carry."""

    staff: Staff
    csrf_token: str
    token_hash: str


def _staff(user: StaffUser) -> Staff:
    return Staff(user.id, user.username, user.display_name, user.role)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def normal_username(name: str) -> str:
    """Usernames are compared in lower case, without surrounding spaces."""
    return name.strip().lower()


def add_staff(
    sessions: sessionmaker[Session],
    username: str,
    display_name: str,
    role: str,
    password_hash: str,
    is_demo: bool = False,
) -> Staff:
    """Create an account; StaffError for a bad role, a bad name or a name already taken."""
    name = normal_username(username)
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}")
    if not name or len(name) > 64 or not name.replace(".", "").replace("-", "").isalnum():
        raise StaffError("username: 1-64 letters, digits, dots or dashes")
    user = StaffUser(
        username=name,
        display_name=" ".join(display_name.split())[:120] or name,
        role=role,
        password_hash=password_hash,
        is_demo=is_demo,
        disabled=False,
    )
    try:
        with sessions.begin() as session:
            session.add(user)
            session.flush()
            return _staff(user)
    except IntegrityError:
        raise StaffError(f"there is already an account called {name}") from None


def password_hash_of(sessions: sessionmaker[Session], username: str) -> tuple[Staff, str] | None:
    """(account, password hash) of an enabled account, else None."""
    with sessions() as session:
        user = session.execute(
            select(StaffUser).where(StaffUser.username == normal_username(username))
        ).scalar_one_or_none()
        if user is None or user.disabled:
            return None
        return _staff(user), user.password_hash


def set_password(sessions: sessionmaker[Session], username: str, password_hash: str) -> None:
    """Replace an account's password (its sessions are revoked)."""
    with sessions.begin() as session:
        user = session.execute(
            select(StaffUser).where(StaffUser.username == normal_username(username))
        ).scalar_one_or_none()
        if user is None:
            raise StaffError(f"no account called {username}")
        user.password_hash = password_hash
        session.execute(
            update(StaffSession)
            .where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def set_disabled(sessions: sessionmaker[Session], user_id: int, disabled: bool) -> None:
    """Disable (and sign out everywhere) or enable an account."""
    with sessions.begin() as session:
        user = session.get(StaffUser, user_id)
        if user is None:
            raise StaffError("no such account")
        user.disabled = disabled
        if disabled:
            session.execute(
                update(StaffSession)
                .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )


def list_staff(sessions: sessionmaker[Session]) -> list[tuple[Staff, bool, bool, int]]:
    """Every account: (staff, disabled, demo, active sessions)."""
    with sessions() as session:
        users = session.execute(select(StaffUser).order_by(StaffUser.username)).scalars().all()
        counts = session.execute(
            select(StaffSession.user_id, func.count())
            .where(StaffSession.revoked_at.is_(None))
            .group_by(StaffSession.user_id)
        ).all()
        active: dict[int, int] = {int(user_id): int(n) for user_id, n in counts}
        return [(_staff(u), u.disabled, u.is_demo, int(active.get(u.id, 0))) for u in users]


def demo_account_exists(sessions: sessionmaker[Session]) -> bool:
    """True while the demo admin of `make run` exists."""
    with sessions() as session:
        found = session.execute(select(StaffUser.id).where(StaffUser.is_demo.is_(True)))
        return found.first() is not None


def _keyed(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def start_session(
    sessions: sessionmaker[Session], user_id: int, secret: str, address: str
) -> tuple[str, str]:
    """A new session: (cookie token, CSRF token). Only a keyed hash of the cookie is stored."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with sessions.begin() as session:
        session.add(
            StaffSession(
                token_hash=_keyed(secret, token),
                user_id=user_id,
                csrf_token=csrf,
                address=address[:64],
            )
        )
    return token, csrf


def signed_in(
    sessions: sessionmaker[Session],
    token: str,
    secret: str,
    idle: timedelta,
    absolute: timedelta,
) -> SignedIn | None:
    """The session of a cookie token, if it is valid now (and mark it used)."""
    if not token or len(token) > 128:
        return None
    now = utcnow()
    with sessions.begin() as session:
        row = session.get(StaffSession, _keyed(secret, token))
        if row is None or row.revoked_at is not None:
            return None
        if now - _aware(row.last_seen_at) > idle or now - _aware(row.created_at) > absolute:
            row.revoked_at = now
            return None
        user = session.get(StaffUser, row.user_id)
        if user is None or user.disabled:
            return None
        row.last_seen_at = now
        return SignedIn(_staff(user), row.csrf_token, row.token_hash)


def end_session(sessions: sessionmaker[Session], token_hash: str) -> None:
    """Sign out: the session is revoked on the server, whatever the browser keeps."""
    with sessions.begin() as session:
        session.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == token_hash)
            .values(revoked_at=utcnow())
        )


def revoke_sessions(sessions: sessionmaker[Session], user_id: int) -> int:
    """Sign an account out everywhere; returns how many sessions ended."""
    with sessions.begin() as session:
        return affected_rows(
            session,
            update(StaffSession)
            .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
            .values(revoked_at=utcnow()),
        )


def record_attempt(
    sessions: sessionmaker[Session], username: str, address: str, succeeded: bool
) -> None:
    """Remember a sign-in attempt."""
    with sessions.begin() as session:
        session.add(
            LoginAttempt(
                username=normal_username(username)[:64], address=address[:64], succeeded=succeeded
            )
        )


def recent_failures(
    sessions: sessionmaker[Session], username: str, address: str, window: timedelta
) -> tuple[int, int]:
    """Failed sign-ins within the window: (for this account, from this address)."""
    since = utcnow() - window
    failures = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)
    )
    with sessions() as session:
        by_account = session.execute(
            failures.where(LoginAttempt.username == normal_username(username))
        ).scalar_one()
        by_address = session.execute(failures.where(LoginAttempt.address == address)).scalar_one()
    return int(by_account), int(by_address)


def audit(
    sessions: sessionmaker[Session],
    staff: Staff | None,
    action: str,
    address: str,
    escalation_id: int | None = None,
    conversation_id: str | None = None,
    detail: str = "",
    username: str | None = None,
) -> None:
    """Append one entry to the audit log (never patient words: only what was done)."""
    with sessions.begin() as session:
        session.add(
            AuditEntry(
                user_id=staff.id if staff else None,
                username=staff.username if staff else (username or "-"),
                action=action,
                escalation_id=escalation_id,
                conversation_id=conversation_id,
                address=address[:64],
                detail=detail[:500],
            )
        )


@dataclass(frozen=True)
class AuditLine:
    """One audit entry for the admin page."""

    at: datetime
    username: str
    action: str
    escalation_id: int | None
    conversation_id: str | None
    address: str
    detail: str


def audit_log(
    sessions: sessionmaker[Session],
    username: str | None = None,
    conversation_id: str | None = None,
    limit: int = 500,
) -> list[AuditLine]:
    """Newest first, optionally for one member of staff or one conversation."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if username:
        query = query.where(AuditEntry.username == normal_username(username))
    if conversation_id:
        query = query.where(AuditEntry.conversation_id == conversation_id)
    with sessions() as session:
        return [
            AuditLine(
                _aware(e.at), e.username, e.action, e.escalation_id, e.conversation_id,
                e.address, e.detail,
            )
            for e in session.execute(query).scalars()
        ]  # fmt: skip
