"""The gateway's own messages (data/channels.yml), filled with the clinic's details."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from actions.clinic import Clinic

REQUIRED = (
    "help",
    "not_text",
    "media_noted",
    "edited",
    "slow_down",
    "unavailable",
    "widget_disclaimer",
)


@lru_cache(maxsize=4)
def _raw(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    missing = [key for key in REQUIRED if not isinstance(raw, dict) or key not in raw]
    if missing:
        raise ValueError(f"{path.name} is missing: {', '.join(missing)}")
    return {key: " ".join(str(value).split()) for key, value in raw.items()}


def channel_texts(path: Path, clinic: Clinic) -> dict[str, str]:
    """Every gateway message, with {clinic_name}, {phone} and {hours} filled in."""
    values = clinic.template_values()
    return {key: text.format(**values) for key, text in _raw(path).items()}
