"""Renders Rasa's endpoints.yml from the settings (action server, tracker store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import make_url

from bot.settings import Settings


def tracker_store(database_url: str) -> dict[str, Any]:
    """Rasa SQL tracker store settings for the same database the escalations use."""
    url = make_url(database_url)
    dialect = url.get_backend_name()
    if dialect == "sqlite":
        return {"type": "SQL", "dialect": "sqlite", "db": url.database}
    store: dict[str, Any] = {"type": "SQL", "dialect": dialect, "db": url.database}
    for key, value in (
        ("url", url.host),
        ("port", url.port),
        ("username", url.username),
        ("password", url.password),
    ):
        if value is not None:
            store[key] = value
    return store


# Rasa fills ${VAR} in from its environment, so the secret is never written to disk.
ACTION_SECRET_HEADER = {"X-Action-Token": "${ACTION_TOKEN}"}


def render_endpoints(settings: Settings) -> dict[str, Any]:
    """The endpoints configuration as a dict."""
    return {
        "action_endpoint": {"url": settings.action_url, "headers": ACTION_SECRET_HEADER},
        "tracker_store": tracker_store(settings.database_url),
    }


def write_endpoints(settings: Settings, path: Path) -> Path:
    """Write endpoints.yml for a `rasa run` and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)  # it may hold the database password
    path.chmod(0o600)
    path.write_text(yaml.safe_dump(render_endpoints(settings), sort_keys=False))
    return path
