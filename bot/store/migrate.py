"""Brings a database to the newest schema with Alembic (`python -m bot migrate`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """Alembic configuration for the URL, without needing an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def create_database(database_url: str) -> bool:
    """Create a PostgreSQL database that does not exist yet (SQLite creates its own file).

    Returns True when it was created. Connects to the server's `postgres` database to do it.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql" or not url.database:
        return False
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).first()
            if found:
                return False
            quoted = engine.dialect.identifier_preparer.quote(url.database)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        engine.dispose()


def upgrade(database_url: str) -> None:
    """Create the database if it is missing, then apply every pending migration."""
    create_database(database_url)
    command.upgrade(alembic_config(database_url), "head")
