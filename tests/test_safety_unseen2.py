"""The second blind batch (tests/safety/unseen2.yml, written without reading the flagger).

It was scored once, before round 2 changed anything (bench/SAFETY.md: recall 0.924, precision
0.803, false flags 13.2% negated / 12.6% hypothetical / 14.3% third party). Round 2 then read it
whole for error analysis and fixed the general gaps it showed, so the figures asserted here are
regression floors at the level reached, not a measure of generalisation.
"""

from __future__ import annotations

import pytest

from bot.nlu.detector import SafetyDetector
from bot.settings import ROOT
from tests.conftest import REPORT
from tests.safety.metrics import MUST_NOT_FLAG, load_unseen2, report, score

MIN_RECALL = 1.0
MIN_PRECISION = 1.0
MAX_FALSE_FLAGS = 0.0
# The batch as unseen2_NOTES.md describes it.
GROUP_SIZES = {
    "hypothetical": 95,
    "affirmed": 83,
    "third_party": 56,
    "red_flag": 39,
    "negated": 38,
    "ordinary": 15,
}


@pytest.fixture(scope="module")
def scored():
    rows = load_unseen2()
    result = score(SafetyDetector(ROOT / "data" / "safety"), rows)
    REPORT.append(f"safety detector on the {len(rows)} messages of the second blind batch:")
    REPORT.extend(report(result).splitlines())
    return result


def test_the_batch_is_whole():
    rows = load_unseen2()
    assert len(rows) == sum(GROUP_SIZES.values())
    assert {g: sum(row["group"] == g for row in rows) for g in GROUP_SIZES} == GROUP_SIZES


def test_affirmed_recall_and_precision(scored):
    assert scored.recall_all >= MIN_RECALL, "\n".join(scored.errors)
    assert scored.precision_all >= MIN_PRECISION, "\n".join(scored.errors)


@pytest.mark.parametrize("group", MUST_NOT_FLAG)
def test_false_flags(scored, group):
    rate = scored.false_flag_rate(group)
    assert rate <= MAX_FALSE_FLAGS, f"{group}: {rate:.1%} {scored.false_flags.get(group)}"
