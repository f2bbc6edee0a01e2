"""The checks rasa-demo's CI runs: data validation and test stories on the trained model."""

from __future__ import annotations

import subprocess
import sys

from bot.model import TRAINING_DATA, rasa_env
from bot.settings import ROOT


def rasa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args],
        cwd=ROOT,
        env=rasa_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_training_data_validates():
    result = rasa("data", "validate", "--data", *TRAINING_DATA)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_test_stories_pass(model, tmp_path):
    result = rasa(
        "test", "core", "--model", str(model), "--stories", "tests/test_stories.yml",
        "--fail-on-prediction-errors", "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
