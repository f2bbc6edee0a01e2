"""Persistence: escalations and their triggering messages (SQLAlchemy, Alembic)."""
