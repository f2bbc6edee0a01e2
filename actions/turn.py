"""Facts about the patient's latest message, read from the tracker (pure helpers)."""

from __future__ import annotations

from rasa_sdk.interfaces import Tracker

from bot.nlu.entities import RED_FLAG

DEFAULT_CHANNEL = "rest"


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


def had_red_flag(tracker: Tracker) -> bool:
    """True when any message of the conversation so far raised a red flag."""
    for event in tracker.events:
        if event.get("event") != "user":
            continue
        entities = (event.get("parse_data") or {}).get("entities") or []
        if any(entity.get("entity") == RED_FLAG for entity in entities):
            return True
    return False


def entity_value(tracker: Tracker, entity: str) -> str | None:
    """The value of the first such entity in the latest message."""
    for found in tracker.latest_message.get("entities") or []:
        if found.get("entity") == entity and found.get("value"):
            return str(found["value"])
    return None
