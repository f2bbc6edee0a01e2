"""The honest figure: tests/safety/unseen4.yml, written blind and never read.

It was scored once, with aggregates only, after rounds 3 and 4 had tuned the flagger on the
other batches (tests/safety/unseen4_NOTES.md). Nobody working on the flagger reads its rows:
a miss here is fixed from a new kind of message found elsewhere, never from the row. The floors
catch regressions, for the rules alone and for the component as config.yml runs it (the rules
with the learned status check, bot/nlu/status_net.py, which was never tuned on this batch).
The hardening issue's targets (recall 0.95, at most 3% false flags on every must-not-flag group)
are judged on the component; they are strict expected failures where it falls short, so they
turn red the day they are met.
"""

from __future__ import annotations

import pytest

from bot.nlu.detector import SafetyDetector
from bot.nlu.safety_flagger import SafetyFlagger
from bot.settings import ROOT
from tests.conftest import REPORT
from tests.safety.metrics import MUST_NOT_FLAG, Score, load_unseen4, score, score_found

SAFETY = ROOT / "data" / "safety"
CONTRACT = ("contraindication", "red_flag")
# Floors: (recall, precision, false flags per group), rules alone and the component.
FLOORS = {
    "rules": (0.879, 0.925, {"negated": 0.139, "hypothetical": 0.122, "third_party": 0.028}),
    "component": (0.879, 0.958, {"negated": 0.083, "hypothetical": 0.049, "third_party": 0.0}),
}
TARGET_RECALL = 0.95
TARGET_FALSE_FLAGS = 0.03
SHORT_OF_TARGET = pytest.mark.xfail(strict=True, reason="short of the issue's target, unread")


Figures = dict[str, float]


def _figures(what: str, result: Score, rows: int) -> Figures:
    """Only the aggregates leave this function: a failing assertion then shows numbers, never
    a row (pytest would print a Score's misses)."""
    figures = {"recall": result.recall_all, "precision": result.precision_all}
    figures |= {group: result.false_flag_rate(group) for group in MUST_NOT_FLAG}
    shown = ", ".join(f"{k} {v}" for k, v in result.summary().items())
    REPORT.append(f"safety {what} on the {rows} unread messages of unseen4: {shown}")
    return figures


@pytest.fixture(scope="module")
def scored_rules() -> Figures:
    rows = load_unseen4()
    return _figures("rules", score(SafetyDetector(SAFETY), rows), len(rows))


@pytest.fixture(scope="module")
def scored() -> Figures:
    """The component's contract entities, with the status check config.yml turns on."""
    flagger = SafetyFlagger({"lexicon_dir": str(SAFETY), "status_net": True})
    rows = load_unseen4()

    def flags(text: str) -> set[str]:
        return {e["value"] for e in flagger.entities(text) if e["entity"] in CONTRACT}

    return _figures("component", score_found(flags, rows), len(rows))


@pytest.fixture(params=sorted(FLOORS))
def scored_as(request, scored_rules, scored) -> tuple[Figures, tuple]:
    return (scored_rules if request.param == "rules" else scored), FLOORS[request.param]


def test_the_batch_is_whole():
    rows = load_unseen4()
    assert len(rows) == 299
    assert all(not row["flags"] for row in rows if row["group"] in MUST_NOT_FLAG)


def test_recall_and_precision_floors(scored_as):
    figures, (recall, precision, _) = scored_as
    # Floors are rounded to 0.001.
    assert figures["recall"] >= recall - 0.001, f"recall {figures['recall']:.3f}"
    assert figures["precision"] >= precision - 0.001, f"precision {figures['precision']:.3f}"


@pytest.mark.parametrize("group", MUST_NOT_FLAG)
def test_false_flag_ceilings(scored_as, group):
    figures, (_, _, ceilings) = scored_as
    # The ceilings are rounded to 0.1 %: one row more is over 2 % in every group.
    assert figures[group] <= ceilings[group] + 0.001, f"{group}: {figures[group]:.1%}"


@SHORT_OF_TARGET
def test_target_recall(scored):
    assert scored["recall"] >= TARGET_RECALL


@pytest.mark.parametrize(
    "group",
    [
        pytest.param("negated", marks=SHORT_OF_TARGET),
        pytest.param("hypothetical", marks=SHORT_OF_TARGET),
        "third_party",
    ],
)
def test_target_false_flags(scored, group):
    assert scored[group] <= TARGET_FALSE_FLAGS
