"""What the gateway itself says on a channel (data/channels.yml), with the clinic's details."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.content.clinic import Clinic

REQUIRED = (
    "help",
    "not_text",
    "media_noted",
    "edited",
    "old_button",
    "slow_down",
    "too_fast",
    "too_long",
    "empty",
    "delayed",
    "unavailable",
    "widget_disclaimer",
    "staff_joined",
    "bot_back",
    "forgotten",
    "staff_new_escalation",
    "staff_escalations_waiting",
)


class TextsError(ValueError):
    """data/channels.yml is missing a text or has the wrong shape."""


# The longest message a patient may send: Telegram's own limit, so every channel is alike.
MAX_MESSAGE_CHARS = 4096


def load_channel_texts(path: Path, clinic: Clinic) -> dict[str, str]:
    """Every gateway message, with the clinic's details and the channel limits filled in."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    missing = [key for key in REQUIRED if not isinstance(raw, dict) or key not in raw]
    if missing:
        raise TextsError(f"{path.name} is missing: {', '.join(missing)}")
    values = {**clinic.template_values(), "max_chars": f"{MAX_MESSAGE_CHARS:,}"}
    return {
        key: " ".join(str(text).split()).format_map(_Later(values)) for key, text in raw.items()
    }


class _Later(dict[str, str]):
    """Fills the clinic's values in and keeps other {placeholders} for later ({id}, {link})."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
