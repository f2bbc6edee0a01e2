"""The tracker store guard: a failing store is retried, then the turn is refused and counted."""

from __future__ import annotations

import asyncio

import pytest

from bot.nlu import tracker_guard
from bot.nlu.tracker_guard import Failures, TrackerStoreFailed, with_retries


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(tracker_guard, "DELAYS", (0.0, 0.0, 0.0))
    monkeypatch.setattr(tracker_guard, "FAILURES", Failures())


def flaky(failures: int):
    calls = []

    async def attempt() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise OSError("database is locked")
        return "saved"

    return attempt, calls


def test_a_store_that_recovers_within_the_retries_loses_nothing():
    attempt, calls = flaky(3)
    assert asyncio.run(with_retries("write", attempt)) == "saved"
    assert len(calls) == 4
    assert tracker_guard.FAILURES.status() == {
        "tracker_store_failures": 0,
        "tracker_store_failing": False,
    }


def test_a_store_that_keeps_failing_refuses_the_turn_and_says_so(caplog):
    attempt, calls = flaky(10)
    with pytest.raises(TrackerStoreFailed):
        asyncio.run(with_retries("write", attempt))
    assert len(calls) == 4
    assert tracker_guard.FAILURES.status() == {
        "tracker_store_failures": 1,
        "tracker_store_failing": True,
    }
    assert "OSError" in caplog.text and "database is locked" not in caplog.text
