"""Renders Rasa's endpoints.yml from the settings (action server, tracker and lock store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot.settings import Settings

# Rasa's SQL tracker store, reusing the last turn's tracker (bot/nlu/tracker_store.py).
TRACKER_STORE = "bot.nlu.tracker_store.CachedSQLTrackerStore"


def tracker_store(database_url: str) -> dict[str, Any]:
    """Rasa SQL tracker store settings for the same database the escalations use."""
    url = make_url(database_url)
    dialect = url.get_backend_name()
    if dialect == "sqlite":
        return {"type": TRACKER_STORE, "dialect": "sqlite", "db": url.database}
    store: dict[str, Any] = {"type": TRACKER_STORE, "dialect": dialect, "db": url.database}
    for key, value in (
        ("url", url.host),
        ("port", url.port),
        ("username", url.username),
        ("password", url.password),
    ):
        if value is not None:
            store[key] = value
    return store


# Rasa's Redis lock store, falling back to memory while Redis is down (bot/nlu/lock_store.py).
LOCK_STORE = "bot.nlu.lock_store.ResilientRedisLockStore"


def lock_store(redis_url: str) -> dict[str, Any]:
    """Rasa's Redis lock store, so Rasa processes sharing a tracker store lock alike."""
    url = urlsplit(redis_url)
    if url.scheme not in ("redis", "rediss"):
        raise ValueError("REDIS_URL must be redis://host:port/db")
    store: dict[str, Any] = {
        "type": LOCK_STORE,
        "url": url.hostname or "127.0.0.1",
        "port": url.port or 6379,
        "db": int(url.path.strip("/") or 0),
        "key_prefix": "mesobot",
        # Seconds: a Redis that hangs costs a turn this much before the fallback takes over.
        "socket_timeout": 1,
    }
    if url.username:
        store["username"] = unquote(url.username)
    if url.password:
        store["password"] = unquote(url.password)
    if url.scheme == "rediss":
        store["use_ssl"] = True
    return store


# Rasa fills ${VAR} in from its environment, so the secret is never written to disk.
ACTION_SECRET_HEADER = {"X-Action-Token": "${ACTION_TOKEN}"}


def render_endpoints(settings: Settings) -> dict[str, Any]:
    """The endpoints configuration as a dict."""
    endpoints = {
        "action_endpoint": {"url": settings.action_url, "headers": ACTION_SECRET_HEADER},
        "tracker_store": tracker_store(settings.database_url),
    }
    if settings.redis_url:
        endpoints["lock_store"] = lock_store(settings.redis_url)
    return endpoints


def write_endpoints(settings: Settings, path: Path) -> Path:
    """Write endpoints.yml for a `rasa run` and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)  # it may hold the database password
    path.chmod(0o600)
    path.write_text(yaml.safe_dump(render_endpoints(settings), sort_keys=False))
    return path
