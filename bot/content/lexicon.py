"""The safety lexicon (data/safety/*.yml): Matcher patterns for the flagger, names for replies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.settings import get_settings

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


def default_lexicon_dir() -> Path:
    """The lexicon folder named in the settings (MESOBOT_SAFETY_DIR)."""
    return get_settings().safety_dir


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


def _read(path: Path) -> dict[str, Any]:
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
        severity = str(raw["severity"])
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
                severity=str(spec.get("severity", severity)),
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


@dataclass(frozen=True)
class Unspecified:
    """What the classifier heard when no lexicon term named it (a disclosure, a complication)."""

    kind: str
    category: str
    severity: str
    intent: str
    # The FAQ answer when every mention is negated, hypothetical or about someone else.
    general_answer: str


@dataclass(frozen=True)
class SafetyGuide:
    """What the safety replies need: names for the patient, severities, unspecified cases."""

    understood: dict[str, str]
    severity: dict[str, str]
    unspecified: dict[str, Unspecified]  # by the intent that raises it

    def name_of(self, category: str) -> str:
        """How the bot names a category back to the patient ("you take a blood thinner")."""
        return self.understood.get(category, category.replace("_", " "))


def load_safety_guide(directory: Path) -> SafetyGuide:
    """Read the names, severities and unspecified categories from the lexicon files."""
    understood: dict[str, str] = {}
    severity: dict[str, str] = {}
    unspecified: dict[str, Unspecified] = {}
    for filename in LEXICON_FILES:
        raw = _read(directory / filename)
        for name, spec in raw["categories"].items():
            understood[name] = spec["understood"]
            severity[name] = str(spec.get("severity", raw["severity"]))
        spec = raw["unspecified"]
        case = Unspecified(
            kind=raw["kind"],
            category=spec["category"],
            severity=str(spec.get("severity", raw["severity"])),
            intent=spec["intent"],
            general_answer=spec["general_answer"],
        )
        unspecified[case.intent] = case
        severity[case.category] = case.severity
    return SafetyGuide(understood, severity, unspecified)
