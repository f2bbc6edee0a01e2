"""Alembic environment: runs migrations against the URL set by bot.store.migrate."""

from alembic import context

from bot.store.db import make_engine
from bot.store.models import metadata

config = context.config


def run() -> None:
    """Run migrations online (there is no offline SQL generation for mesobot)."""
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
