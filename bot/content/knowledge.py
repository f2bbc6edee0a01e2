"""The knowledge base: one documented answer per FAQ intent, each traced to its source."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class KnowledgeError(ValueError):
    """A knowledge-base file is malformed."""


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

    def render(self, clinic_values: dict[str, str]) -> str:
        """The short answer, using the clinic's own values where it has set them all."""
        if self.clinic_answer and placeholders(self.clinic_answer) <= clinic_values.keys():
            return self.clinic_answer.format(**clinic_values)
        return self.answer


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
        )
    except (KeyError, TypeError) as error:
        raise KnowledgeError(f"{origin}: missing or malformed field {error}") from error


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
