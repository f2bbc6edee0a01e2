"""The knowledge base: one documented answer per FAQ intent, each traced to its source."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class KnowledgeError(ValueError):
    """A knowledge-base file is malformed."""


@dataclass(frozen=True)
class Followup:
    """A specific point of an entry ("what about dye?", "in total?"), with its own answer."""

    key: str
    asks: tuple[str, ...]  # phrases that ask for it, lower case
    answer: str
    clinic_answer: str | None = None
    # Asked only after the topic ("how long?", "and after that?"), never a new question's point.
    only_as_follow_up: bool = False

    def render(self, clinic_values: dict[str, Any]) -> str:
        """The answer, using the clinic's own values where it has set them all."""
        return _render(self.answer, self.clinic_answer, clinic_values)


@dataclass(frozen=True)
class Entry:
    """One FAQ answer with the facts and source passages it rests on."""

    intent: str
    topic: str
    answer: str
    details: str
    facts: dict[str, Any]
    document: str
    passages: tuple[str, ...]
    clinic_answer: str | None = None
    # Words that show a clause asks about this topic (to find a second question in a message).
    cues: tuple[str, ...] = ()
    followups: tuple[Followup, ...] = ()
    # Facts computed from others, as "name * other" expressions (a course's total price).
    derived: dict[str, str] = field(default_factory=dict)

    def render(self, clinic_values: dict[str, Any]) -> str:
        """The short answer, using the clinic's own values where it has set them all."""
        return _render(self.answer, self.clinic_answer, clinic_values)

    def followup(self, key: str) -> Followup | None:
        """One of the entry's specific points by key."""
        return next((f for f in self.followups if f.key == key), None)


def _render(answer: str, clinic_answer: str | None, clinic_values: dict[str, Any]) -> str:
    if clinic_answer and placeholders(clinic_answer) <= clinic_values.keys():
        return clinic_answer.format(**clinic_values)
    return answer


def placeholders(template: str) -> set[str]:
    """Names of the {placeholders} in a template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _clean(text: object) -> str:
    return " ".join(str(text).split())


def parse_entry(raw: object, origin: str) -> Entry:
    """Validate one parsed knowledge file."""
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{origin}: expected a mapping")
    try:
        source = raw["source"]
        return Entry(
            intent=str(raw["intent"]),
            topic=str(raw["topic"]),
            answer=_clean(raw["answer"]),
            details=_clean(raw["details"]),
            facts=dict(raw["facts"]),
            document=str(source["document"]),
            passages=tuple(_clean(p) for p in source["passages"]),
            clinic_answer=_clean(raw["clinic_answer"]) if raw.get("clinic_answer") else None,
            cues=tuple(str(cue).lower() for cue in raw.get("cues") or ()),
            followups=tuple(_followup(item, origin) for item in raw.get("followups") or ()),
            derived={str(k): str(v) for k, v in (raw.get("derived") or {}).items()},
        )
    except (KeyError, TypeError) as error:
        raise KnowledgeError(f"{origin}: missing or malformed field {error}") from error


def _followup(raw: Any, origin: str) -> Followup:
    if not isinstance(raw, dict) or not raw.get("asks"):
        raise KnowledgeError(f"{origin}: a followup needs a key, asks and an answer")
    return Followup(
        key=str(raw["key"]),
        asks=tuple(str(phrase).lower() for phrase in raw["asks"]),
        answer=_clean(raw["answer"]),
        clinic_answer=_clean(raw["clinic_answer"]) if raw.get("clinic_answer") else None,
        only_as_follow_up=bool(raw.get("only_as_follow_up", False)),
    )


def load_knowledge(directory: Path) -> dict[str, Entry]:
    """All entries in a knowledge directory, keyed by intent."""
    entries: dict[str, Entry] = {}
    for path in sorted(directory.glob("*.yml")):
        with path.open(encoding="utf-8") as handle:
            entry = parse_entry(yaml.safe_load(handle), path.name)
        if entry.intent in entries:
            raise KnowledgeError(f"{path.name}: second entry for {entry.intent}")
        entries[entry.intent] = entry
    return entries


def faq_intents(directory: Path) -> frozenset[str]:
    """The FAQ intents: one per knowledge-base entry (the single list of them)."""
    return frozenset(load_knowledge(directory))
