"""Creating staff accounts: from the command line, the admin page, and the demo admin."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.console.passwords import hash_password, new_password, password_problem
from bot.store.models import StaffSession, StaffUser
from bot.store.staff import Staff, StaffError, add_staff, set_password

DEMO_USERNAME = "demo"


def create_account(
    db: sessionmaker[Session], username: str, display_name: str, role: str, password: str
) -> Staff:
    """A new account with a password that meets the rules (StaffError otherwise)."""
    problem = password_problem(password)
    if problem:
        raise StaffError(f"password: {problem}")
    return add_staff(db, username, display_name, role, hash_password(password))


def refresh_demo_admin(db: sessionmaker[Session]) -> str:
    """Development only: the demo admin, with a new password for this run (returned)."""
    password = new_password()
    with db() as session:
        exists = session.execute(
            select(StaffUser.id).where(StaffUser.username == DEMO_USERNAME)
        ).first()
    if exists:
        set_password(db, DEMO_USERNAME, hash_password(password))
    else:
        add_staff(db, DEMO_USERNAME, "Demo admin", "admin", hash_password(password), is_demo=True)
    return password


def remove_demo_admin(db: sessionmaker[Session]) -> bool:
    """Delete the demo admin (before going to production); False when there is none."""
    with db.begin() as session:
        user = session.execute(
            select(StaffUser).where(StaffUser.is_demo.is_(True))
        ).scalar_one_or_none()
        if user is None:
            return False
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        user.disabled = True
        user.is_demo = False
        user.username = f"removed-demo-{user.id}"
    return True
