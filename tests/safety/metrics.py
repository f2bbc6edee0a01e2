"""Scores the safety detector on a labelled set of patient messages."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.nlu.detector import Mention, SafetyDetector

LABELLED = Path(__file__).parent / "labelled.yml"
UNSEEN = Path(__file__).parent / "unseen.yml"
UNSEEN2 = Path(__file__).parent / "unseen2.yml"
UNSEEN3 = Path(__file__).parent / "unseen3.yml"
UNSEEN4 = Path(__file__).parent / "unseen4.yml"
UNSEEN5 = Path(__file__).parent / "unseen5.yml"
UNSEEN6 = Path(__file__).parent / "unseen6.yml"
UNSEEN7 = Path(__file__).parent / "unseen7.yml"
UNSEEN8 = Path(__file__).parent / "unseen8.yml"
UNSEEN9 = Path(__file__).parent / "unseen9.yml"
UNSEEN10 = Path(__file__).parent / "unseen10.yml"
UNSEEN11 = Path(__file__).parent / "unseen11.yml"
UNSEEN12 = Path(__file__).parent / "unseen12.yml"
UNSEEN13 = Path(__file__).parent / "unseen13.yml"
UNSEEN14 = Path(__file__).parent / "unseen14.yml"


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
    with UNSEEN.open(encoding="utf-8") as handle:
        rows = yaml.safe_load(handle)
    return [row for row in rows if which is None or half(row) == which]


def load_unseen2() -> list[dict]:
    """The second blind batch (see unseen2_NOTES.md): scored once before round 2, then read
    whole for error analysis, so its figures after round 2 are training figures."""
    return _read(UNSEEN2)


def load_unseen3() -> list[dict]:
    """The third blind batch (see unseen3_NOTES.md): scored once, then read whole in round 4,
    so its figures after round 4 are training figures."""
    return _read(UNSEEN3)


def load_unseen5() -> list[dict]:
    """The fifth blind batch (see unseen5_NOTES.md): scored once, then read whole in round 6,
    so its figures after round 6 are training figures."""
    return _read(UNSEEN5)


def load_unseen7() -> list[dict]:
    """The seventh blind batch (see unseen7_NOTES.md): scored once, then read whole in round 8,
    so its figures after round 8 are training figures."""
    return _read(UNSEEN7)


def load_unseen8() -> list[dict]:
    """The eighth blind batch (see unseen8_NOTES.md): scored once, then read whole in round 9,
    so its figures after round 9 are training figures."""
    return _read(UNSEEN8)


def load_unseen9() -> list[dict]:
    """The ninth blind batch (see unseen9_NOTES.md): scored once, then read whole in round 10,
    so its figures after round 10 are training figures."""
    return _read(UNSEEN9)


def load_unseen11() -> list[dict]:
    """The eleventh blind batch (see unseen11_NOTES.md), messages as sent mid-conversation:
    scored once, then read whole in round 11, so its figures after round 11 are training figures."""
    return _read(UNSEEN11)


def load_unseen12() -> list[dict]:
    """The twelfth blind batch (see unseen12_NOTES.md), an everyday inbox from patients who write
    English differently: scored once, then read whole in round 12, so its figures after round 12
    are training figures."""
    return _read(UNSEEN12)


def load_unseen14() -> list[dict]:
    """The fourteenth blind batch (see unseen14_NOTES.md), hard cases: scored once, then read
    whole in round 13, so its figures after round 13 are training figures."""
    return _read(UNSEEN14)


def load_unseen4() -> list[dict]:
    """The fourth blind batch (see unseen4_NOTES.md): scored, never read; the honest figure."""
    return _read(UNSEEN4)


def load_unseen6() -> list[dict]:
    """The sixth blind batch (see unseen6_NOTES.md): like unseen4, scored and never read."""
    return _read(UNSEEN6)


def load_unseen10() -> list[dict]:
    """The tenth blind batch (see unseen10_NOTES.md): like unseen4, scored and never read; written
    as a representative sample of everyday messages rather than hard cases."""
    return _read(UNSEEN10)


def load_unseen13() -> list[dict]:
    """The thirteenth blind batch (see unseen13_NOTES.md): like unseen4, scored and never read; an
    everyday inbox from patients across the English-speaking world, the kind unseen12 was."""
    return _read(UNSEEN13)


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
    """Every scored set by its bench name, in report order (`unread=False` leaves out unseen4,
    unseen6, unseen10 and unseen13, the batches nobody reads)."""
    sets = {
        "unseen_A": load_unseen("A"),
        "unseen_B": load_unseen("B"),
        "unseen_all": load_unseen(),
        "unseen2": load_unseen2(),
        "unseen3": load_unseen3(),
        "unseen5": load_unseen5(),
        "unseen7": load_unseen7(),
        "unseen8": load_unseen8(),
        "unseen9": load_unseen9(),
        "unseen11": load_unseen11(),
        "unseen12": load_unseen12(),
        "unseen14": load_unseen14(),
    }
    if unread:
        sets["unseen4_unread"] = load_unseen4()
        sets["unseen6_unread"] = load_unseen6()
        sets["unseen10_unread"] = load_unseen10()
        sets["unseen13_unread"] = load_unseen13()
    sets["labelled"] = load_labelled()
    return sets
