"""Languages the assistant recognises but does not answer in (data/languages.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content.clinic import Clinic


@dataclass(frozen=True)
class Language:
    """One language: the words and letters that mark it, and what the bot says to it."""

    code: str
    name: str
    marks: frozenset[str]
    words: frozenset[str]
    reply: str


@dataclass(frozen=True)
class Languages:
    """The languages the bot recognises, and the English words that outweigh them."""

    answers_in: str
    english_words: frozenset[str]
    others: dict[str, Language]
    reply_en: str

    def reply(self, code: str, clinic: Clinic) -> list[str]:
        """What the bot says to a message in this language: its own words, then English."""
        values = clinic.template_values()
        language = self.others.get(code)
        replies = [language.reply.format(**values)] if language else []
        return [*replies, self.reply_en.format(**values)]


def _words(raw: Any) -> frozenset[str]:
    return frozenset(str(word).lower() for word in raw or ())


def load_languages(path: Path) -> Languages:
    """Read and validate the languages file."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    others = {
        str(code): Language(
            code=str(code),
            name=str(spec["name"]),
            marks=frozenset(str(spec.get("marks") or "")),
            words=_words(spec["words"]),
            reply=" ".join(str(spec["reply"]).split()),
        )
        for code, spec in raw["languages"].items()
    }
    return Languages(
        answers_in=str(raw["answers_in"]),
        english_words=_words(raw["english_words"]),
        others=others,
        reply_en=" ".join(str(raw["reply_en"]).split()),
    )
