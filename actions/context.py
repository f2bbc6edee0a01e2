"""What every action needs: the clinic, the knowledge base, the database, the turn's facts.

Loaded lazily on first use and cached, so importing the actions package has no side effects.
"""

from __future__ import annotations

from functools import lru_cache

from rasa_sdk import Tracker
from sqlalchemy.orm import Session, sessionmaker

from actions.clinic import Clinic, load_clinic
from actions.knowledge import Entry, load_knowledge
from bot.safety.lexicon import load_understood
from bot.settings import get_settings
from bot.store.db import session_factory

DEFAULT_CHANNEL = "rest"


def clinic() -> Clinic:
    """The clinic's settings from clinic.yml."""
    return load_clinic(get_settings().clinic_file)


def knowledge() -> dict[str, Entry]:
    """Knowledge-base entries by FAQ intent."""
    return load_knowledge(get_settings().knowledge_dir)


def sessions() -> sessionmaker[Session]:
    """Session factory for the configured database."""
    return session_factory(get_settings().database_url)


@lru_cache(maxsize=1)
def understood() -> dict[str, str]:
    """Patient-facing names of the safety categories."""
    return load_understood(get_settings().safety_dir)


def intent_of(tracker: Tracker) -> str | None:
    """The intent of the patient's latest message."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def channel_of(tracker: Tracker) -> str:
    """The channel the patient wrote on: the gateway's metadata, else Rasa's input channel."""
    metadata = tracker.latest_message.get("metadata") or {}
    channel = metadata.get("channel") if isinstance(metadata, dict) else None
    return str(channel or tracker.get_latest_input_channel() or DEFAULT_CHANNEL)


def message_id_of(tracker: Tracker) -> str:
    """Rasa's id of the latest user message (falls back to its event timestamp)."""
    latest = tracker.latest_message
    if latest.get("message_id"):
        return str(latest["message_id"])
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return f"ts-{event.get('timestamp')}"
    return "ts-none"
