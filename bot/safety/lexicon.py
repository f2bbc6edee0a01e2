"""Loads the safety lexicon (data/safety/*.yml) into spaCy Matcher patterns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LEXICON_FILES = ("contraindications.yml", "red_flags.yml")
CONTEXT_FILE = "context.yml"
# Words this long also match with one typo; shorter ones collide with everyday words
# ("lesion" and "lesson", "stent" and "scent").
FUZZY_MIN_LENGTH = 7

Pattern = list[dict[str, object]]
Tokenize = Callable[[str], list[str]]


class LexiconError(ValueError):
    """A safety lexicon file is malformed."""


@dataclass(frozen=True)
class Category:
    """One contraindication or red-flag category and the patterns that signal it."""

    kind: str
    name: str
    understood: str
    severity: str
    patterns: tuple[Pattern, ...]
    requires_treatment_context: bool = False
    general_questions: bool = False
    # A mention right before one of these words names its trigger ("hives from lidocaine"):
    # without treatment context it is read as this other category (a known allergy).
    trigger_words: frozenset[str] = frozenset()
    trigger_means: str | None = None


@dataclass(frozen=True)
class Context:
    """Cue patterns by cue type, and the windows the assertion rules use."""

    cues: dict[str, tuple[Pattern, ...]]
    negation_window: int
    negation_after_window: int


@dataclass(frozen=True)
class Lexicon:
    """Everything the detector needs from data/safety."""

    categories: dict[str, Category]
    context: Context
    treatment_context: tuple[Pattern, ...]
    fuzzy_words: frozenset[str] = field(default_factory=frozenset)


def compile_term(term: str, tokenize: Tokenize) -> list[Pattern]:
    """Turn `a|b ? c` into Matcher patterns on NORM (`?` = one optional token of any kind).

    Alternatives that are one token share a slot; one that splits into several tokens
    ("won't" is "wo" + "n't") gets a pattern of its own.
    """
    patterns: list[Pattern] = [[]]
    for part in term.split():
        if part == "?":
            patterns = [[*pattern, {"OP": "?"}] for pattern in patterns]
            continue
        single: set[str] = set()
        multi: list[list[str]] = []
        for alternative in part.split("|"):
            norms = tokenize(alternative)
            if len(norms) == 1:
                single.add(norms[0])
            elif norms:
                multi.append(norms)
        options: list[Pattern] = [[{"NORM": norm} for norm in norms] for norms in multi]
        if single:
            ordered = sorted(single)
            options.append(
                [{"NORM": {"IN": ordered}} if len(ordered) > 1 else {"NORM": ordered[0]}]
            )
        patterns = [pattern + option for pattern in patterns for option in options]
    patterns = [p for p in patterns if any("OP" not in token for token in p)]
    if not patterns:
        raise LexiconError(f"empty pattern {term!r}")
    return patterns


def _read(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict):
        raise LexiconError(f"{path.name}: expected a mapping")
    return raw


def load_lexicon(directory: Path, tokenize: Tokenize) -> Lexicon:
    """Read the lexicon and context cues, compiling every term with the given tokenizer."""
    categories: dict[str, Category] = {}
    fuzzy: set[str] = set()
    treatment: list[Pattern] = []
    for filename in LEXICON_FILES:
        raw = _read(directory / filename)
        kind = raw["kind"]
        general_questions = bool(raw.get("general_questions", False))
        for term in raw.get("treatment_context", ()):
            treatment.extend(compile_term(str(term), tokenize))
        for name, spec in raw["categories"].items():
            terms = [str(term) for term in spec["terms"]]
            trigger = spec.get("named_trigger") or {}
            categories[name] = Category(
                kind=kind,
                name=name,
                understood=spec["understood"],
                severity=spec.get("severity", "high"),
                patterns=tuple(p for term in terms for p in compile_term(term, tokenize)),
                requires_treatment_context=spec.get("requires_context") == "treatment",
                general_questions=general_questions,
                trigger_words=frozenset(trigger.get("words", ())),
                trigger_means=trigger.get("means"),
            )
            for term in terms:
                words = term.lower().replace("|", " ").split()
                fuzzy.update(w for w in words if len(w) >= FUZZY_MIN_LENGTH and w.isalpha())
    raw = _read(directory / CONTEXT_FILE)
    cue_types = [key for key, value in raw.items() if isinstance(value, list)]
    context = Context(
        cues={
            cue: tuple(p for term in raw[cue] for p in compile_term(str(term), tokenize))
            for cue in cue_types
        },
        negation_window=int(raw["negation_window"]),
        negation_after_window=int(raw["negation_after_window"]),
    )
    unknown = {c.trigger_means for c in categories.values() if c.trigger_means} - set(categories)
    if unknown:
        raise LexiconError(f"named_trigger means unknown categories: {sorted(unknown)}")
    return Lexicon(
        categories=categories,
        context=context,
        treatment_context=tuple(treatment),
        fuzzy_words=frozenset(fuzzy),
    )


def load_understood(directory: Path) -> dict[str, str]:
    """How the bot names each category back to the patient ("you take a blood thinner")."""
    understood: dict[str, str] = {}
    for filename in LEXICON_FILES:
        for name, spec in _read(directory / filename)["categories"].items():
            understood[name] = spec["understood"]
    return understood
