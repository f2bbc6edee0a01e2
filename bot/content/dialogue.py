"""How patients say the things a conversation turns on (data/dialogue.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class DialogueError(ValueError):
    """data/dialogue.yml is missing a list or has the wrong shape."""


@dataclass(frozen=True)
class Dialogue:
    """Phrase lists, each matched as whole words."""

    wants_call: tuple[str, ...]
    call_words: tuple[str, ...]
    stop: tuple[str, ...]
    yes: tuple[str, ...]
    no: tuple[str, ...]
    is_it_normal: tuple[str, ...]
    asks_if_suitable: tuple[str, ...]
    asks_about_doing: tuple[str, ...]
    going_elsewhere: tuple[str, ...]
    asks_number: tuple[str, ...]
    asks_language: tuple[str, ...]
    times: tuple[str, ...]
    after_treatment: tuple[str, ...]
    asks_booking: tuple[str, ...]
    comparing: tuple[str, ...]
    off_topic: tuple[str, ...]
    acknowledgements: tuple[str, ...]
    not_in_names: tuple[str, ...]
    not_names: tuple[str, ...]
    emoji: dict[str, tuple[str, ...]]


def load_dialogue(path: Path) -> Dialogue:
    """Read and validate the phrase lists."""
    with path.open(encoding="utf-8") as handle:
        raw: Any = yaml.safe_load(handle)
    if not isinstance(raw, dict):
        raise DialogueError(f"{path.name}: expected a mapping")
    try:
        lists = {
            name: tuple(str(item).lower() for item in raw[name])
            for name in Dialogue.__dataclass_fields__
            if name != "emoji"
        }
        emoji = {str(k): tuple(str(e) for e in v) for k, v in raw["emoji"].items()}
    except (KeyError, TypeError, AttributeError) as error:
        raise DialogueError(f"{path.name}: missing or malformed {error}") from error
    return Dialogue(**lists, emoji=emoji)
