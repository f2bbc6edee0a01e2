"""The safety lexicon (data/safety/*.yml): Matcher patterns for the flagger, names for replies."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.settings import get_settings

LEXICON_FILES = ("contraindications.yml", "red_flags.yml")
CONTEXT_FILE = "context.yml"
# Terms and cues of another language for the same categories (`lang_es.yml`: Spanish).
LANGUAGE_FILES = "lang_*.yml"
# Words this long also match with one typo; shorter ones collide with everyday words
# ("lesion" and "lesson", "stent" and "scent").
FUZZY_MIN_LENGTH = 7

Pattern = list[dict[str, object]]
Tokenize = Callable[[str], list[str]]
# `{NAME}` in a term is one token whose norm matches the regular expression NAME names in
# context.yml's `token_classes` ("{PAIN_SCORE}" for "8/10").
TOKEN_CLASS = re.compile(r"\{([A-Z0-9_]+)\}")


class LexiconError(ValueError):
    """A safety lexicon file is malformed."""


@dataclass(frozen=True)
class Beside:
    """Another category that, named in the same message without treatment context, explains a
    mention of this one (`past_only`: only when the message tells of a past episode)."""

    category: str
    past_only: bool = False
    # When set, only a mention of the other category matching one of these counts.
    conditions: tuple[Pattern, ...] = ()


@dataclass(frozen=True)
class AfterTreatment:
    """Terms of a category that, in a message about the treatment, mean another category
    (`means`), or nothing to flag when `means` is None (an expected after-effect)."""

    means: str | None
    patterns: tuple[Pattern, ...]


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
    beside: Beside | None = None
    # Terms of this category that mean something else when the message is about the treatment
    # ("scalp infection" after a session is the infection red flag; a scab is expected).
    after_treatment: tuple[AfterTreatment, ...] = ()


@dataclass(frozen=True)
class Context:
    """Cue patterns by cue type, and the windows the assertion rules use."""

    cues: dict[str, tuple[Pattern, ...]]
    negation_window: int
    negation_after_window: int
    # Real words one letter away from a lexicon word ("injected", "leaving"): never typos.
    not_typos: frozenset[str] = frozenset()
    # Words inside longer terms that also match with one typo ("kidnys are bad").
    also_misspelt: frozenset[str] = frozenset()
    token_classes: dict[str, str] = field(default_factory=dict)


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


def labelled_rows_root() -> Path:
    """The folder the labelled safety rows named in net.yml are relative to (the repository)."""
    return get_settings().root


def default_net_examples() -> list[Path]:
    """What the second net learns from besides the lexicon: the labelled safety set and the NLU
    training examples, where the repository has them."""
    root = get_settings().root
    labelled = root / "tests" / "safety" / "labelled.yml"
    return [*([labelled] if labelled.is_file() else []), *sorted((root / "data/nlu").glob("*.yml"))]


# A term's optional word is never a denial: "hair ? ? falling out" must not read "hair's not
# falling out", nor "eyes ? ? puffy" "eyes not puffy".
DENIALS = ("not", "no", "never", "none", "nope", "without", "neither", "nor")
TERM_FILLER: dict[str, Any] = {"OP": "?", "NORM": {"NOT_IN": list(DENIALS)}}


def compile_term(
    term: str,
    tokenize: Tokenize,
    classes: Mapping[str, str] | None = None,
    filler: Mapping[str, Any] | None = None,
) -> list[Pattern]:
    """Turn `a|b ? c` into Matcher patterns on NORM (`?` = one optional token: `filler` when
    given, else any token).

    Alternatives that are one token share a slot; one that splits into several tokens
    ("won't" is "wo" + "n't") gets a pattern of its own. `{NAME}` is one token matching the
    regular expression `classes[NAME]`.
    """
    patterns: list[Pattern] = [[]]
    for part in term.split():
        if part == "?":
            patterns = [[*pattern, dict(filler or {"OP": "?"})] for pattern in patterns]
            continue
        single: set[str] = set()
        multi: list[list[str]] = []
        options: list[Pattern] = []
        for alternative in part.split("|"):
            named = TOKEN_CLASS.fullmatch(alternative)
            if named:
                if not classes or named.group(1) not in classes:
                    raise LexiconError(f"unknown token class {alternative} in {term!r}")
                options.append([{"NORM": {"REGEX": classes[named.group(1)]}}])
                continue
            if "{" in alternative or "}" in alternative:
                # A misspelt class would otherwise be matched as literal text, silently never.
                raise LexiconError(f"malformed token class {alternative} in {term!r}")
            norms = tokenize(alternative)
            if len(norms) == 1:
                single.add(norms[0])
            elif norms:
                multi.append(norms)
        options.extend([{"NORM": norm} for norm in norms] for norms in multi)
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


def _fuzzy_words(terms: list[str], tokenize: Tokenize) -> set[str]:
    """The long one-word terms (they also match with one typo: "warfrin", "diabetis").

    Words inside longer phrases ("feeding my baby") do not: their neighbours already pin
    the phrase down, and everyday words one letter from them ("feeling") would match.
    """
    words: set[str] = set()
    for term in terms:
        if len(term.split()) != 1:
            continue
        for alternative in term.split("|"):
            norms = tokenize(alternative) if alternative.isalpha() else []
            if len(norms) == 1 and len(norms[0]) >= FUZZY_MIN_LENGTH and norms[0].isalpha():
                words.add(norms[0])
    return words


def _beside(
    spec: dict[str, Any] | None, tokenize: Tokenize, classes: Mapping[str, str]
) -> Beside | None:
    if not spec:
        return None
    return Beside(
        category=str(spec["category"]),
        past_only=bool(spec.get("past_only", False)),
        conditions=tuple(
            p
            for term in spec.get("conditions", ())
            for p in compile_term(str(term), tokenize, classes)
        ),
    )


def _language_files(directory: Path) -> list[dict[str, Any]]:
    return [_read(path) for path in sorted(directory.glob(LANGUAGE_FILES))]


def _group_terms(directory: Path, languages: list[dict[str, Any]]) -> list[str]:
    """Every category's `group_terms` ("diabetics"): terms that are also hypothetical cues."""
    files = [_read(directory / filename) for filename in LEXICON_FILES] + languages
    return [
        str(term)
        for raw in files
        for spec in (raw.get("categories") or {}).values()
        for term in spec.get("group_terms", ())
    ]


def _load_context(directory: Path, languages: list[dict[str, Any]], tokenize: Tokenize) -> Context:
    raw = _read(directory / CONTEXT_FILE)
    classes = {str(k): str(v) for k, v in (raw.get("token_classes") or {}).items()}
    terms: dict[str, list[str]] = {
        key: [str(term) for term in value] for key, value in raw.items() if isinstance(value, list)
    }
    terms.pop("not_typos", None)
    terms.pop("also_misspelt", None)
    terms.setdefault("hypothetical", []).extend(_group_terms(directory, languages))
    for language in languages:
        for cue, more in (language.get("cues") or {}).items():
            if cue not in terms:
                raise LexiconError(f"unknown cue type {cue!r} in a language file")
            terms[cue].extend(str(term) for term in more)
    return Context(
        cues={
            cue: tuple(p for term in cue_terms for p in compile_term(term, tokenize, classes))
            for cue, cue_terms in terms.items()
        },
        negation_window=int(raw["negation_window"]),
        negation_after_window=int(raw["negation_after_window"]),
        not_typos=frozenset(n for word in raw.get("not_typos", ()) for n in tokenize(str(word))),
        also_misspelt=frozenset(
            n for word in raw.get("also_misspelt", ()) for n in tokenize(str(word))
        ),
        token_classes=classes,
    )


def load_lexicon(directory: Path, tokenize: Tokenize) -> Lexicon:
    """Read the lexicon and context cues, compiling every term with the given tokenizer."""
    languages = _language_files(directory)
    context = _load_context(directory, languages, tokenize)
    classes = context.token_classes
    categories: dict[str, Category] = {}
    fuzzy: set[str] = set()
    treatment: list[Pattern] = []
    extra: dict[str, list[str]] = {}
    for language in languages:
        for term in language.get("treatment_context", ()):
            treatment.extend(compile_term(str(term), tokenize, classes))
        for name, spec in (language.get("categories") or {}).items():
            more = [*spec.get("terms", ()), *spec.get("group_terms", ())]
            extra.setdefault(name, []).extend(str(term) for term in more)
    for filename in LEXICON_FILES:
        raw = _read(directory / filename)
        kind = raw["kind"]
        severity = str(raw["severity"])
        general_questions = bool(raw.get("general_questions", False))
        for term in raw.get("treatment_context", ()):
            treatment.extend(compile_term(str(term), tokenize, classes))
        for name, spec in raw["categories"].items():
            terms = [str(term) for term in (*spec["terms"], *spec.get("group_terms", ()))]
            terms += extra.pop(name, [])
            trigger = spec.get("named_trigger") or {}
            after = [
                (group.get("means"), [str(term) for term in group["terms"]])
                for group in spec.get("after_treatment", ())
            ]
            after_terms = [term for _, group_terms in after for term in group_terms]
            categories[name] = Category(
                kind=kind,
                name=name,
                understood=spec["understood"],
                severity=str(spec.get("severity", severity)),
                patterns=tuple(
                    p for term in terms for p in compile_term(term, tokenize, classes, TERM_FILLER)
                ),
                requires_treatment_context=spec.get("requires_context") == "treatment",
                general_questions=general_questions,
                trigger_words=frozenset(trigger.get("words", ())),
                trigger_means=trigger.get("means"),
                beside=_beside(spec.get("beside"), tokenize, classes),
                after_treatment=tuple(
                    AfterTreatment(
                        means=str(means) if means else None,
                        patterns=tuple(
                            p
                            for term in group
                            for p in compile_term(term, tokenize, classes, TERM_FILLER)
                        ),
                    )
                    for means, group in after
                ),
            )
            fuzzy.update(_fuzzy_words(terms + after_terms, tokenize))
    if extra:
        raise LexiconError(f"language files name unknown categories: {sorted(extra)}")
    named = {c.trigger_means for c in categories.values() if c.trigger_means}
    named |= {c.beside.category for c in categories.values() if c.beside}
    named |= {a.means for c in categories.values() for a in c.after_treatment if a.means}
    unknown = named - set(categories)
    if unknown:
        raise LexiconError(f"named_trigger, beside or after_treatment name {sorted(unknown)}")
    return Lexicon(
        categories=categories,
        context=context,
        treatment_context=tuple(treatment),
        fuzzy_words=frozenset(fuzzy | context.also_misspelt),
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
    # FAQ answers that would read as dismissing the category ("one of the least painful"
    # after pain of 9 out of 10): the safety reply stands in for them.
    replaces_answers: dict[str, frozenset[str]]

    def name_of(self, category: str) -> str:
        """How the bot names a category back to the patient ("you take a blood thinner")."""
        return self.understood.get(category, category.replace("_", " "))

    def answers_replaced(self, categories: list[str]) -> frozenset[str]:
        """The FAQ intents not to answer in a turn that raised these categories."""
        return frozenset().union(*(self.replaces_answers.get(c, frozenset()) for c in categories))


def load_safety_guide(directory: Path) -> SafetyGuide:
    """Read the names, severities and unspecified categories from the lexicon files."""
    understood: dict[str, str] = {}
    severity: dict[str, str] = {}
    unspecified: dict[str, Unspecified] = {}
    replaces: dict[str, frozenset[str]] = {}
    for filename in LEXICON_FILES:
        raw = _read(directory / filename)
        for name, spec in raw["categories"].items():
            understood[name] = spec["understood"]
            severity[name] = str(spec.get("severity", raw["severity"]))
            named = spec.get("replaces_answers") or []
            if not isinstance(named, list):
                raise LexiconError(f"{filename}: {name}: replaces_answers must be a list")
            if named:
                replaces[name] = frozenset(str(intent) for intent in named)
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
    return SafetyGuide(understood, severity, unspecified, replaces)
