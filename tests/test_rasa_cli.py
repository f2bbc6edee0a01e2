"""The checks rasa-demo's CI runs: data validation and test stories on the trained model."""

from __future__ import annotations

import subprocess
import sys

from bot.ops.environment import child_env
from bot.settings import ROOT, Settings

SETTINGS = Settings.from_env({}, root=ROOT)


def rasa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args],
        cwd=ROOT,
        env=child_env(SETTINGS),
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_training_data_validates():
    """`make validate`, as a contributor runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate"],
        cwd=ROOT,
        env=child_env(SETTINGS),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_test_stories_pass(model, tmp_path):
    result = rasa(
        "test", "core", "--model", str(model), "--stories", "tests/test_stories.yml",
        "--fail-on-prediction-errors", "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
