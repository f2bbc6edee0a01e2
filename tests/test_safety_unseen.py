"""The unseen batch (tests/safety/unseen.yml, written without reading the lexicon).

Half A was read for error analysis while the lexicon was widened in round 1; half B was not
(only its totals were scored, see bench/SAFETY.md), so its figures are printed separately. The
floors below are what the detector reaches after round 2, on the whole batch and on half A, to
catch regressions. The hardening issue's targets (recall 0.95, at most 3% false flags on every
must-not-flag group) are checked on half B, the fair figure, as strict expected failures where
the detector falls short, so they turn red the day they are met.
"""

from __future__ import annotations

import pytest

from bot.nlu.detector import SafetyDetector
from bot.settings import ROOT
from tests.conftest import REPORT
from tests.safety.metrics import MUST_NOT_FLAG, Score, load_unseen, report, score

# Reached after round 2 on the whole batch (recall 222 of 229 labels).
MIN_RECALL = 0.969
MIN_PRECISION = 0.965
MAX_FALSE_FLAGS = {"negated": 0.0, "hypothetical": 0.15, "third_party": 0.05}
TARGET_RECALL = 0.95
TARGET_FALSE_FLAGS = 0.03
SHORT_OF_TARGET = pytest.mark.xfail(strict=True, reason="short of the issue's target on half B")


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


def test_affirmed_recall_and_precision(halves):
    assert halves["all"].recall_all >= MIN_RECALL, f"recall {halves['all'].recall_all:.3f}"
    assert halves["all"].precision_all >= MIN_PRECISION, halves["all"].precision_all


@pytest.mark.parametrize("group", MUST_NOT_FLAG)
def test_false_flags(halves, group):
    rate = halves["all"].false_flag_rate(group)
    assert rate <= MAX_FALSE_FLAGS[group], f"{group}: {rate:.1%}"


def test_half_a_stays_where_it_was_tuned(halves):
    """Half A was read in round 1; round 2 must not lose any of it."""
    assert halves["A"].recall_all == 1.0
    assert halves["A"].precision_all == 1.0
    assert not halves["A"].false_flags


def test_target_recall_on_the_whole_batch(halves):
    assert halves["all"].recall_all >= TARGET_RECALL


@SHORT_OF_TARGET
def test_target_recall(halves):
    assert halves["B"].recall_all >= TARGET_RECALL


@pytest.mark.parametrize(
    "group",
    [
        "negated",
        pytest.param("hypothetical", marks=SHORT_OF_TARGET),
        pytest.param("third_party", marks=SHORT_OF_TARGET),
    ],
)
def test_target_false_flags(halves, group):
    assert halves["B"].false_flag_rate(group) <= TARGET_FALSE_FLAGS
