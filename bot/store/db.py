"""Engines and sessions, created on demand (never at import)."""

from __future__ import annotations

from functools import lru_cache
from typing import cast

from sqlalchemy import create_engine, event
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from bot.settings import get_settings


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL lets Rasa's tracker store, the action server and the gateway share one file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for the URL (SQLite gets WAL and a busy timeout)."""
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@lru_cache(maxsize=8)
def session_factory(url: str) -> sessionmaker[Session]:
    """The process's session factory for a database URL."""
    return sessionmaker(make_engine(url), future=True, expire_on_commit=False)


def current_sessions() -> sessionmaker[Session]:
    """The session factory for this process's configured database."""
    return session_factory(get_settings().database_url)


def affected_rows(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE and return how many rows it touched."""
    result = cast(CursorResult, session.execute(statement))
    return int(result.rowcount or 0)
