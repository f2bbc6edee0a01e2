"""Scores the safety detector on a labelled set of patient messages."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.nlu.detector import Mention, SafetyDetector

HERE = Path(__file__).parent
LABELLED = HERE / "labelled.yml"
UNSEEN = HERE / "unseen.yml"
# Blind batches (tests/safety/<name>.yml; each one's NOTES file says how it was written). Each was
# scored once, then either read whole in a tuning round, so its later figures are training
# figures (its blind score is in bench/safety_unseen_blind.yml) ...
READ_BATCHES = (
    "unseen2", "unseen3", "unseen5", "unseen7", "unseen8", "unseen9", "unseen11", "unseen12",
    "unseen14", "unseen15", "unseen16", "unseen17", "unseen18", "unseen19", "unseen20", "unseen21",
    "unseen22", "unseen23", "unseen24", "unseen25", "unseen26", "unseen27", "unseen28",
    "unseen29", "unseen30",
)  # fmt: skip
# ... or kept unread by everyone working on the flagger: the honest figures.
UNREAD_BATCHES = ("unseen4", "unseen6", "unseen10", "unseen13", "unseen31")


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        rows: list[dict] = yaml.safe_load(handle)
    return rows


MUST_NOT_FLAG = ("negated", "hypothetical", "third_party")


def affirmed(detector: SafetyDetector, text: str) -> list[Mention]:
    """Only the mentions the patient states about themselves."""
    return [mention for mention in detector.detect(text) if mention.affirmed]


def load_labelled() -> list[dict]:
    return _read(LABELLED)


def half(row: dict) -> str:
    """The unseen batch's fixed split: half A may be read for error analysis, half B may not."""
    return "A" if int(hashlib.sha256(row["text"].encode()).hexdigest(), 16) % 2 == 0 else "B"


def load_unseen(which: str | None = None) -> list[dict]:
    """The unseen batch (see unseen_NOTES.md), or one half of it ("A" or "B")."""
    return [row for row in _read(UNSEEN) if which is None or half(row) == which]


def load_batch(name: str) -> list[dict]:
    """A blind batch by name, as listed in READ_BATCHES or UNREAD_BATCHES."""
    return _read(HERE / f"{name}.yml")


@dataclass
class Score:
    """Per-category counts and the misses, for the assertion messages."""

    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    false_flags: dict[str, list[str]] = field(default_factory=dict)
    group_sizes: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def recall(self, category: str) -> float:
        found = self.tp[category] + self.fn[category]
        return self.tp[category] / found if found else 1.0

    def precision(self, category: str) -> float:
        flagged = self.tp[category] + self.fp[category]
        return self.tp[category] / flagged if flagged else 1.0

    def false_flag_rate(self, group: str) -> float:
        size = self.group_sizes[group]
        return len(self.false_flags.get(group, [])) / size if size else 0.0

    @property
    def recall_all(self) -> float:
        """Affirmed recall over every category (micro average)."""
        tp, fn = sum(self.tp.values()), sum(self.fn.values())
        return tp / (tp + fn) if tp + fn else 1.0

    @property
    def precision_all(self) -> float:
        """Precision over every category (micro average)."""
        tp, fp = sum(self.tp.values()), sum(self.fp.values())
        return tp / (tp + fp) if tp + fp else 1.0

    def summary(self) -> dict[str, float]:
        """The headline figures, rounded, for reports and bench results."""
        figures = {"recall": self.recall_all, "precision": self.precision_all}
        figures |= {f"false_flags_{group}": self.false_flag_rate(group) for group in MUST_NOT_FLAG}
        return {key: round(value, 3) for key, value in figures.items()}

    @property
    def categories(self) -> list[str]:
        return sorted(set(self.tp) | set(self.fn) | set(self.fp))


def score(detector: SafetyDetector, rows: list[dict]) -> Score:
    return score_found(lambda text: {m.category for m in affirmed(detector, text)}, rows)


def score_found(flags_of: Callable[[str], set[str]], rows: list[dict]) -> Score:
    """Score any function from a message to the categories it flags."""
    result = Score()
    for row in rows:
        expected = set(row["flags"])
        found = flags_of(row["text"])
        result.group_sizes[row["group"]] += 1
        for category in found & expected:
            result.tp[category] += 1
        for category in found - expected:
            result.fp[category] += 1
        for category in expected - found:
            result.fn[category] += 1
        if found != expected:
            result.errors.append(
                f"{row['group']}: {row['text']!r} expected {sorted(expected)} got {sorted(found)}"
            )
        if row["group"] in MUST_NOT_FLAG and found:
            result.false_flags.setdefault(row["group"], []).append(row["text"])
    return result


def report(result: Score) -> str:
    lines = [f"{'category':28} recall precision  (tp fn fp)"]
    for category in result.categories:
        lines.append(
            f"{category:28} {result.recall(category):6.3f} {result.precision(category):9.3f}"
            f"  ({result.tp[category]} {result.fn[category]} {result.fp[category]})"
        )
    for group in MUST_NOT_FLAG:
        lines.append(f"false flags on {group}: {result.false_flag_rate(group):.1%}")
    return "\n".join(lines)


def every_set(unread: bool = True) -> dict[str, list[dict]]:
    """Every scored set by its bench name, in report order (`unread=False` leaves out the
    batches nobody reads)."""
    sets = {
        "unseen_A": load_unseen("A"),
        "unseen_B": load_unseen("B"),
        "unseen_all": load_unseen(),
        **{name: load_batch(name) for name in READ_BATCHES},
    }
    if unread:
        sets |= {f"{name}_unread": load_batch(name) for name in UNREAD_BATCHES}
    sets["labelled"] = load_labelled()
    return sets
