"""Reading a patient's message as words: phrases, clauses, questions (pure helpers)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Where a message turns to another question: "…? and how much", "…, also …".
_CLAUSE_BREAK = re.compile(r"[?!.;\n]+|,|\band\b|\balso\b|\bplus\b|&|\bas well as\b")
_QUESTION_START = re.compile(
    r"^(what|whats|what's|when|how|can|could|do|does|is|are|will|would|should|which|who|why|"
    r"where|may|any)\b"
)


def fold(text: str) -> str:
    """Lower case, accents and curly quotes folded, so phrases compare as typed."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    """The words of a text, folded."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=8192)
def _spaced(phrase: str) -> str:
    """The phrase's words between spaces (" call me "), or "" when it has none.

    Words hold no spaces, so a phrase occurs among tokens exactly when its spaced form is in
    the tokens' spaced form. Cached: the same few hundred phrases are looked up every turn
    (profiled: re-reading them was a third of the action server's time).
    """
    wanted = words(phrase)
    return f" {' '.join(wanted)} " if wanted else ""


def has_phrase(tokens: list[str], phrase: str) -> bool:
    """True when the phrase's words occur together, in order, among the tokens."""
    wanted = _spaced(phrase)
    return bool(wanted) and wanted in f" {' '.join(tokens)} "


def first_phrase(tokens: list[str], phrases: Iterable[str]) -> str | None:
    """The first of the phrases that occurs among the tokens."""
    spaced = f" {' '.join(tokens)} "
    for phrase in phrases:
        wanted = _spaced(phrase)
        if wanted and wanted in spaced:
            return phrase
    return None


def clauses(text: str) -> list[list[str]]:
    """The message cut where it might turn to another question, each part as words."""
    parts = [words(part) for part in _CLAUSE_BREAK.split(fold(text))]
    return [part for part in parts if part]


def is_question(text: str) -> bool:
    """A question mark, or a sentence that starts like one."""
    return "?" in text or starts_like_a_question(text)


def starts_like_a_question(text: str) -> bool:
    """The text starts like a question ("can I…", "how much…"), whatever its punctuation."""
    return bool(_QUESTION_START.match(fold(text).strip()))


def asks_anything(text: str) -> bool:
    """A question anywhere: a question mark, or a clause that starts like a question
    ("pus on my scalp. can I wash my hair")."""
    return "?" in text or any(_QUESTION_START.match(" ".join(part)) for part in clauses(text))
