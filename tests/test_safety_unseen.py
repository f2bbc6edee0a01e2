"""The unseen batch (tests/safety/unseen.yml, written without reading the lexicon).

Half A was read for error analysis while the lexicon was widened; half B was not (only its
totals were scored, see bench/SAFETY.md), so its figures are printed separately. The floors
below are what the detector reaches on the whole batch, to catch regressions; the hardening
issue's targets (recall 0.95, at most 3% false flags on every must-not-flag group) are checked
as expected failures where the detector falls short, so they turn red the day they are met.
"""

from __future__ import annotations

import pytest

from bot.nlu.detector import SafetyDetector
from bot.settings import ROOT
from tests.conftest import REPORT
from tests.safety.metrics import MUST_NOT_FLAG, load_unseen, report, score

MIN_RECALL = 0.945
MAX_FALSE_FLAGS = {"negated": 0.03, "hypothetical": 0.15, "third_party": 0.05}
TARGET_RECALL = 0.95
TARGET_FALSE_FLAGS = 0.03
SHORT_OF_TARGET = pytest.mark.xfail(strict=True, reason="short of the issue's target on half B")


@pytest.fixture(scope="module")
def detector() -> SafetyDetector:
    return SafetyDetector(ROOT / "data" / "safety")


@pytest.fixture(scope="module")
def scored(detector):
    rows = load_unseen()
    result = score(detector, rows)
    REPORT.append(f"safety detector on the {len(rows)} unseen messages (both halves):")
    REPORT.extend(report(result).splitlines())
    for which in ("A", "B"):
        figures = score(detector, load_unseen(which)).summary()
        REPORT.append(f"  half {which}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return result


def test_the_batch_is_whole():
    rows = load_unseen()
    assert len(rows) == 301
    assert len(load_unseen("A")) + len(load_unseen("B")) == len(rows)


def test_affirmed_recall(scored):
    assert scored.recall_all >= MIN_RECALL, f"recall {scored.recall_all:.3f}"


@pytest.mark.parametrize("group", MUST_NOT_FLAG)
def test_false_flags(scored, group):
    rate = scored.false_flag_rate(group)
    assert rate <= MAX_FALSE_FLAGS[group], f"{group}: {rate:.1%}"


@SHORT_OF_TARGET
def test_target_recall(scored):
    assert scored.recall_all >= TARGET_RECALL


@pytest.mark.parametrize(
    "group",
    [
        "negated",
        pytest.param("hypothetical", marks=SHORT_OF_TARGET),
        pytest.param("third_party", marks=SHORT_OF_TARGET),
    ],
)
def test_target_false_flags(scored, group):
    assert scored.false_flag_rate(group) <= TARGET_FALSE_FLAGS
