"""A learned second opinion on a mention's status: is this the patient's own, now?

The assertion rules (bot/nlu/assertion.py) decide whether a mention is affirmed, negated,
hypothetical or about someone else. On every batch written blind they let through 15-20 % of
hypothetical and third-party messages phrased in ways no rule had seen. This word n-gram logistic
regression reads the words around a mention (the mention itself masked, so it learns the framing,
not the term) and is trained on the hand-labelled safety rows the flagger has been read against.
When it finds a rule-affirmed mention unlikely to be the patient's own, the mention is reported
to staff as a "possible" flag instead of a contraindication or red flag: nothing is dropped,
only reviewed by a person rather than answered with the safety reply. Settings: the `status`
block of data/safety/net.yml; the evidence: bench/SAFETY.md ("Round 5").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bot.nlu.detector import MAX_CHARS, Mention, SafetyDetector
from bot.nlu.normalise import fold
from bot.nlu.safety_net import NET_FILE

WORDS = re.compile(r"[\w']+|[?!.,;:]")


@dataclass(frozen=True)
class StatusConfig:
    """The `status` block of data/safety/net.yml."""

    c: float
    demote_below: float
    words_before: int
    words_after: int
    examples: tuple[str, ...]


def load_status_config(lexicon_dir: Path) -> StatusConfig:
    """Read the `status` block of data/safety/net.yml."""
    with (lexicon_dir / NET_FILE).open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)["status"]
    return StatusConfig(
        c=float(raw["C"]),
        demote_below=float(raw["demote_below"]),
        words_before=int(raw["words_before"]),
        words_after=int(raw["words_after"]),
        examples=tuple(str(path) for path in raw["examples"]),
    )


def mention_context(text: str, mention: Mention, config: StatusConfig) -> str:
    """The words around a mention as features: the nearest ones marked by side, then the whole
    message with the mention replaced by its kind (the term itself is never a feature)."""
    text = text[:MAX_CHARS]
    before = WORDS.findall(fold(text[: mention.start]).lower())
    after = WORDS.findall(fold(text[mention.end :]).lower())
    near = [
        *(f"b_{word}" for word in before[-config.words_before :]),
        f"term_{mention.kind}",
        *(f"a_{word}" for word in after[: config.words_after]),
    ]
    return " ".join([*near, "|", *before, "term", *after])


def labelled_mentions(
    detector: SafetyDetector, rows: Iterable[dict[str, Any]], config: StatusConfig
) -> tuple[list[str], list[int]]:
    """Every mention the lexicon finds in the labelled rows, with 1 when its category is one the
    row is labelled with (the patient's own, now) and 0 when not."""
    contexts: list[str] = []
    labels: list[int] = []
    for row in rows:
        text, flags = str(row["text"]), {str(flag) for flag in row["flags"]}
        for mention in detector.detect(text):
            contexts.append(mention_context(text, mention, config))
            labels.append(int(mention.category in flags))
    return contexts, labels


def read_rows(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """The rows of labelled safety files (text, flags, group); missing files are skipped."""
    rows: list[dict[str, Any]] = []
    for path in paths:
        if path.is_file():
            rows += yaml.safe_load(path.read_text(encoding="utf-8"))
    return rows


@dataclass(frozen=True, eq=False)  # numpy weights: identity, not value, equality
class StatusNet:
    """P(the patient's own, now) for a mention, from the words around it."""

    vectorizer: Any
    weights: np.ndarray[Any, np.dtype[np.float64]]
    bias: float
    config: StatusConfig

    @classmethod
    def train(cls, contexts: list[str], labels: list[int], config: StatusConfig) -> StatusNet:
        """Fit the vectorizer and the classifier (a second or two on ~1,500 mentions)."""
        from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

        vectorizer = TfidfVectorizer(
            analyzer="word",
            token_pattern=r"\S+",
            ngram_range=(1, 3),
            lowercase=False,
            sublinear_tf=True,
            dtype=np.float64,
        )
        matrix = vectorizer.fit_transform(contexts)
        model = LogisticRegression(C=config.c, class_weight="balanced", max_iter=2000)
        model.fit(matrix, np.array(labels, dtype=np.int64))
        return cls(vectorizer, model.coef_[0], float(model.intercept_[0]), config)

    def own(self, text: str, mentions: Sequence[Mention]) -> list[float]:
        """The probability that each mention is the patient's own, now."""
        if not mentions:
            return []
        rows = self.vectorizer.transform([mention_context(text, m, self.config) for m in mentions])
        logits = np.asarray(rows @ self.weights).ravel() + self.bias
        return [float(p) for p in 1.0 / (1.0 + np.exp(-logits))]

    def doubted(self, text: str, mentions: Sequence[Mention]) -> dict[int, float]:
        """Index -> probability for each rule-affirmed mention below the demotion threshold."""
        affirmed = [(i, m) for i, m in enumerate(mentions) if m.affirmed]
        scores = self.own(text, [m for _, m in affirmed])
        return {
            i: p for (i, _), p in zip(affirmed, scores, strict=True) if p < self.config.demote_below
        }


def build_status_net(detector: SafetyDetector, root: Path) -> StatusNet | None:
    """Train the status net on the labelled rows named in net.yml (paths under `root`); None
    when none of those files is there (a deployment without the labelled sets)."""
    config = load_status_config(detector.lexicon_dir)
    rows = read_rows(root / path for path in config.examples)
    contexts, labels = labelled_mentions(detector, rows, config)
    if len(set(labels)) < 2:
        return None
    return StatusNet.train(contexts, labels, config)
