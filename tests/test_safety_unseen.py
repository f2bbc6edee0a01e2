"""The first unseen batch (tests/safety/unseen.yml, written without reading the lexicon).

Half A was read for error analysis in round 1. Half B stayed unread through round 2 (its blind
figures: recall 0.942, false flags 22.2% hypothetical and 6.7% third party, bench/SAFETY.md),
and was then read in round 3, so both halves are now training figures, kept as floors. The
hardening issue's targets are checked on the batches that stay unread (tests/safety/metrics.py
UNREAD_BATCHES, tests/test_safety_unread.py).
"""

from __future__ import annotations

import pytest

from bot.nlu.detector import SafetyDetector
from bot.settings import ROOT
from tests.conftest import REPORT
from tests.safety.metrics import MUST_NOT_FLAG, Score, load_unseen, report, score

# Reached after round 3 on each half and on the whole batch.
MIN_RECALL = 1.0
MIN_PRECISION = 1.0


@pytest.fixture(scope="module")
def detector() -> SafetyDetector:
    return SafetyDetector(ROOT / "data" / "safety")


@pytest.fixture(scope="module")
def halves(detector) -> dict[str, Score]:
    rows = load_unseen()
    result = {"all": score(detector, rows)}
    REPORT.append(f"safety detector on the {len(rows)} unseen messages (both halves):")
    REPORT.extend(report(result["all"]).splitlines())
    for which in ("A", "B"):
        result[which] = score(detector, load_unseen(which))
        figures = result[which].summary()
        REPORT.append(f"  half {which}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return result


def test_the_batch_is_whole():
    rows = load_unseen()
    assert len(rows) == 301
    assert len(load_unseen("A")) + len(load_unseen("B")) == len(rows)


@pytest.mark.parametrize("which", ["all", "A", "B"])
def test_affirmed_recall_and_precision(halves, which):
    assert halves[which].recall_all >= MIN_RECALL, "\n".join(halves[which].errors)
    assert halves[which].precision_all >= MIN_PRECISION, "\n".join(halves[which].errors)


@pytest.mark.parametrize("which", ["all", "A", "B"])
@pytest.mark.parametrize("group", MUST_NOT_FLAG)
def test_no_false_flags(halves, which, group):
    rate = halves[which].false_flag_rate(group)
    assert rate == 0.0, f"{group}: {rate:.1%} {halves[which].false_flags.get(group)}"
