"""The honest figure: tests/safety/unseen4.yml, written blind and never read.

It was scored once, with aggregates only, after rounds 3 and 4 had tuned the flagger on the
other batches (tests/safety/unseen4_NOTES.md). Nobody working on the flagger reads its rows:
a miss here is fixed from a new kind of message found elsewhere, never from the row. The floors
catch regressions. The hardening issue's targets (recall 0.95, at most 3% false flags on every
must-not-flag group) are strict expected failures where the flagger falls short, so they turn
red the day they are met.
"""

from __future__ import annotations

import pytest

from bot.nlu.detector import SafetyDetector
from bot.settings import ROOT
from tests.conftest import REPORT
from tests.safety.metrics import MUST_NOT_FLAG, Score, load_unseen4, score

MIN_RECALL = 0.868
MIN_PRECISION = 0.913
MAX_FALSE_FLAGS = {"negated": 0.167, "hypothetical": 0.122, "third_party": 0.028}
TARGET_RECALL = 0.95
TARGET_FALSE_FLAGS = 0.03
SHORT_OF_TARGET = pytest.mark.xfail(strict=True, reason="short of the issue's target, unread")


@pytest.fixture(scope="module")
def scored() -> Score:
    rows = load_unseen4()
    result = score(SafetyDetector(ROOT / "data" / "safety"), rows)
    figures = ", ".join(f"{k} {v}" for k, v in result.summary().items())
    # Aggregates only: the rows and the misses stay unread.
    REPORT.append(f"safety detector on the {len(rows)} unread messages of unseen4: {figures}")
    return result


def test_the_batch_is_whole():
    rows = load_unseen4()
    assert len(rows) == 299
    assert all(not row["flags"] for row in rows if row["group"] in MUST_NOT_FLAG)


def test_recall_and_precision_floors(scored):
    # No row text in the message: the batch stays unread.
    assert scored.recall_all >= MIN_RECALL, f"recall {scored.recall_all:.3f}"
    assert scored.precision_all >= MIN_PRECISION, f"precision {scored.precision_all:.3f}"


@pytest.mark.parametrize("group", MUST_NOT_FLAG)
def test_false_flag_ceilings(scored, group):
    rate = scored.false_flag_rate(group)
    assert rate <= MAX_FALSE_FLAGS[group] + 1e-9, f"{group}: {rate:.1%}"


@SHORT_OF_TARGET
def test_target_recall(scored):
    assert scored.recall_all >= TARGET_RECALL


@pytest.mark.parametrize(
    "group",
    [
        pytest.param("negated", marks=SHORT_OF_TARGET),
        pytest.param("hypothetical", marks=SHORT_OF_TARGET),
        "third_party",
    ],
)
def test_target_false_flags(scored, group):
    assert scored.false_flag_rate(group) <= TARGET_FALSE_FLAGS
