"""Alembic environment: migrates the URL bot.store.migrate sets, else DATABASE_URL."""

from alembic import context

from bot.settings import get_settings
from bot.store.db import make_engine
from bot.store.models import metadata

config = context.config


def run() -> None:
    """Run migrations online (there is no offline SQL generation for mesobot)."""
    # `python -m bot migrate` sets the URL; the `alembic` command (alembic.ini) has none.
    engine = make_engine(config.get_main_option("sqlalchemy.url") or get_settings().database_url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
