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
    "slow_down",
    "unavailable",
    "widget_disclaimer",
)


class TextsError(ValueError):
    """data/channels.yml is missing a text or has the wrong shape."""


def load_channel_texts(path: Path, clinic: Clinic) -> dict[str, str]:
    """Every gateway message, with {clinic_name}, {phone} and {hours} filled in."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    missing = [key for key in REQUIRED if not isinstance(raw, dict) or key not in raw]
    if missing:
        raise TextsError(f"{path.name} is missing: {', '.join(missing)}")
    values = clinic.template_values()
    return {key: " ".join(str(text).split()).format(**values) for key, text in raw.items()}
