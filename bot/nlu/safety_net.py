"""The learned second net: "possible" safety flags for messages the lexicon has no term for.

A character n-gram logistic regression per category (scikit-learn), trained when the Rasa
component is created, never at import: from carrier sentences built out of the lexicon's own
terms (data/safety/net.yml), the labelled safety set and the NLU training examples labelled by
the rules. Its hits only ever become `safety_mention` entities with role "possible" for staff;
the contract's contraindication / red-flag entities come from the lexicon alone.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bot.content.lexicon import LANGUAGE_FILES, LEXICON_FILES, TOKEN_CLASS
from bot.nlu.detector import MAX_CHARS, SafetyDetector
from bot.nlu.normalise import fold

NET_FILE = "net.yml"
# One value of each token class, to write a term with a number in it as words.
CLASS_SAMPLES = {
    "YEAR": "2021",
    "PAIN_SCORE": "8",
    "PAIN_SCORE_OF_TEN": "8/10",
    "FEVER_C": "38.5",
    "FEVER_C_UNIT": "38.5c",
    "FEVER_F": "101.3",
    "FEVER_F_UNIT": "101f",
    "PERCENT": "40",
    "GLUCOSE": "14.2",
    "GLYCATED": "58",
    "FEVER_C_DECIMAL": "38.6",
    "WEEKS": "12",
    "WEEKS_W": "12w",
    "DAYS": "3",
    "MONTH": "june",
    "EF_REDUCED": "35",
    "EF_NORMAL": "60",
    "LIVER_ENZYME_HIGH": "180",
}


@dataclass(frozen=True)
class NetConfig:
    """The settings in data/safety/net.yml."""

    carriers: dict[str, dict[str, list[str]]]
    threshold: float
    ngram_range: tuple[int, int]
    c: float
    renderings: int
    seed: int


def load_net_config(lexicon_dir: Path) -> NetConfig:
    """Read data/safety/net.yml."""
    with (lexicon_dir / NET_FILE).open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return NetConfig(
        carriers={
            kind: {mood: [str(c) for c in lines] for mood, lines in moods.items()}
            for kind, moods in raw["carriers"].items()
        },
        threshold=float(raw["threshold"]),
        ngram_range=(int(raw["ngram_min"]), int(raw["ngram_max"])),
        c=float(raw["C"]),
        renderings=int(raw["renderings"]),
        seed=int(raw["seed"]),
    )


def render(term: str, pick: int = 0) -> str:
    """A term written as words: alternative number `pick` of each slot (wrapping round)."""
    words = []
    for part in term.split():
        if part == "?":
            continue
        alternatives = part.split("|")
        chosen = alternatives[pick % len(alternatives)]
        named = TOKEN_CLASS.fullmatch(chosen)
        words.append(CLASS_SAMPLES.get(named.group(1), "1") if named else chosen)
    return " ".join(words)


def _lexicon_terms(lexicon_dir: Path) -> list[tuple[str, str, str]]:
    """(carrier kind, category, term) for every term in the lexicon files."""
    terms: list[tuple[str, str, str]] = []
    for filename in LEXICON_FILES:
        raw = yaml.safe_load((lexicon_dir / filename).read_text(encoding="utf-8"))
        for name, spec in raw["categories"].items():
            terms += [(str(raw["kind"]), name, str(term)) for term in spec["terms"]]
    for path in sorted(lexicon_dir.glob(LANGUAGE_FILES)):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, spec in (raw.get("categories") or {}).items():
            terms += [("es", name, str(term)) for term in spec["terms"]]
    return terms


def _example_texts(path: Path) -> Iterable[tuple[str, set[str] | None]]:
    """Messages from a labelled safety file (with their flags) or a Rasa NLU file (None)."""
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(raw, list):
        for row in raw:
            yield str(row["text"]), {str(flag) for flag in row["flags"]}
    elif isinstance(raw, dict):
        for block in raw.get("nlu", ()):
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    yield line.strip()[2:], None


def training_set(
    detector: SafetyDetector, config: NetConfig, example_files: Iterable[Path] = ()
) -> tuple[list[str], list[set[str]]]:
    """Texts and their categories: lexicon carriers, labelled rows, and rule-labelled examples."""
    rng = random.Random(config.seed)
    texts: list[str] = []
    labels: list[set[str]] = []
    for kind, category, term in _lexicon_terms(detector.lexicon_dir):
        carriers = config.carriers[kind]
        widest = max(len(part.split("|")) for part in term.split())
        picks = {0, widest - 1, *(rng.randrange(widest) for _ in range(config.renderings))}
        for pick in sorted(picks)[: config.renderings]:
            words = render(term, pick)
            texts.append(rng.choice(carriers["flag"]).format(words))
            labels.append({category})
            texts.append(rng.choice(carriers["quiet"]).format(words))
            labels.append(set())
    for path in example_files:
        for text, flags in _example_texts(path):
            texts.append(text)
            labels.append(
                flags if flags is not None else {m.category for m in detector.affirmed(text)}
            )
    return texts, labels


class SafetyNet:
    """Per-category probabilities from character n-grams (one logistic regression each)."""

    def __init__(
        self,
        vectorizer: Any,
        categories: list[str],
        weights: np.ndarray[Any, np.dtype[np.float64]],
        bias: np.ndarray[Any, np.dtype[np.float64]],
        threshold: float,
    ) -> None:
        self._vectorizer = vectorizer
        self.categories = categories
        self._weights = weights
        self._bias = bias
        self.threshold = threshold

    @classmethod
    def train(cls, texts: list[str], labels: list[set[str]], config: NetConfig) -> SafetyNet:
        """Fit the vectorizer and one classifier per category that has positive examples."""
        from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

        vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=config.ngram_range,
            lowercase=True,
            sublinear_tf=True,
            min_df=2,
            dtype=np.float64,
        )
        matrix = vectorizer.fit_transform([fold(text) for text in texts])
        categories = sorted({category for label in labels for category in label})
        weights, bias = [], []
        for category in categories:
            target = np.array([category in label for label in labels], dtype=np.int64)
            model = LogisticRegression(
                C=config.c, class_weight="balanced", solver="liblinear", max_iter=1000
            )
            model.fit(matrix, target)
            weights.append(model.coef_[0])
            bias.append(model.intercept_[0])
        return cls(vectorizer, categories, np.vstack(weights), np.array(bias), config.threshold)

    def scores(self, text: str) -> dict[str, float]:
        """The probability of each category for one message."""
        row = self._vectorizer.transform([fold(text[:MAX_CHARS])])
        logits = np.asarray(row @ self._weights.T).ravel() + self._bias
        probabilities = 1.0 / (1.0 + np.exp(-logits))
        return dict(zip(self.categories, (float(p) for p in probabilities), strict=True))

    def possible(self, text: str, named: set[str]) -> list[tuple[str, float]]:
        """Categories at or over the threshold that the lexicon did not name, most likely first."""
        found = [
            (category, p)
            for category, p in self.scores(text).items()
            if p >= self.threshold and category not in named
        ]
        return sorted(found, key=lambda item: -item[1])


def build_net(detector: SafetyDetector, example_files: Iterable[Path] = ()) -> SafetyNet:
    """Train the net for a detector's lexicon (takes a few seconds: call at component creation)."""
    config = load_net_config(detector.lexicon_dir)
    texts, labels = training_set(detector, config, example_files)
    return SafetyNet.train(texts, labels, config)
