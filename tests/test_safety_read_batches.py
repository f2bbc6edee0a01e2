"""The blind batches that have since been read: tests/safety/unseen2.yml and unseen3.yml.

Each was written without reading the flagger and scored once before anything was changed
(bench/SAFETY.md: unseen2 recall 0.924, precision 0.803, false flags 13.2% negated / 12.6%
hypothetical / 14.3% third party; unseen3 recall 0.895, precision 0.839, false flags 22.9% /
19.0% / 17.1%). Round 2 then read unseen2 whole, and round 4 unseen3, and fixed the general gaps
they showed, so the figures asserted here are regression floors at the level reached, not a
measure of generalisation (that is tests/test_safety_unseen4.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bot.nlu.detector import SafetyDetector
from bot.settings import ROOT
from tests.conftest import REPORT
from tests.safety.metrics import (
    MUST_NOT_FLAG,
    Score,
    load_unseen2,
    load_unseen3,
    report,
    score,
)


@dataclass(frozen=True)
class Batch:
    """A read batch, its group sizes as its notes describe them, and the floors reached."""

    load: Callable[[], list[dict]]
    group_sizes: dict[str, int]
    min_recall: float
    min_precision: float


BATCHES = {
    "unseen2": Batch(
        load_unseen2,
        {
            "hypothetical": 95,
            "affirmed": 83,
            "third_party": 56,
            "red_flag": 39,
            "negated": 38,
            "ordinary": 15,
        },
        min_recall=1.0,
        min_precision=1.0,
    ),
    # Two rows are short of 1.0 (unseen3_NOTES.md): "T2 + AF + on rivaroxaban" (slang not
    # taken as diabetes and AF) and an itchy rash "spreading" also read as infection.
    "unseen3": Batch(
        load_unseen3,
        {
            "affirmed": 109,
            "red_flag": 48,
            "hypothetical": 42,
            "negated": 35,
            "third_party": 35,
            "ordinary": 20,
        },
        min_recall=0.988,
        min_precision=0.994,
    ),
}


@pytest.fixture(scope="module")
def scored() -> dict[str, Score]:
    detector = SafetyDetector(ROOT / "data" / "safety")
    result = {}
    for name, batch in BATCHES.items():
        rows = batch.load()
        result[name] = score(detector, rows)
        REPORT.append(f"safety detector on the {len(rows)} messages of {name} (read, tuned on):")
        REPORT.extend(report(result[name]).splitlines())
    return result


@pytest.mark.parametrize("name", BATCHES)
def test_the_batch_is_whole(name):
    batch = BATCHES[name]
    rows = batch.load()
    assert len(rows) == sum(batch.group_sizes.values())
    assert {g: sum(row["group"] == g for row in rows) for g in batch.group_sizes} == (
        batch.group_sizes
    )


@pytest.mark.parametrize("name", BATCHES)
def test_affirmed_recall_and_precision(scored, name):
    found, batch = scored[name], BATCHES[name]
    assert found.recall_all >= batch.min_recall, "\n".join(found.errors)
    assert found.precision_all >= batch.min_precision, "\n".join(found.errors)


@pytest.mark.parametrize("name", BATCHES)
@pytest.mark.parametrize("group", MUST_NOT_FLAG)
def test_no_false_flags(scored, name, group):
    rate = scored[name].false_flag_rate(group)
    assert rate == 0.0, f"{group}: {rate:.1%} {scored[name].false_flags.get(group)}"
