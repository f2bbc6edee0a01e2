"""The bench scripts run end to end on a few turns: results written, no errors (no timings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ROOT
from tests.conftest import REDIS_URL, drop_postgres, postgres_or_skip, redis_or_skip

pytestmark = pytest.mark.e2e

PATHS = {"rasa_channel", "widget"}
PICTURES = ("serving_latency.png", "serving_throughput.png", "serving_memory.png")


def run_bench(script: str, args: list[str], model: Path, **env: str) -> None:
    """Run a bench script as `make bench` does, on the session's model; it must succeed."""
    environment = {
        **os.environ,
        "MESOBOT_MODEL": str(model),
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        **env,
    }
    environment.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def result(model: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("serving")
    run_bench("serving.py", ["--quick", "--out", str(out)], model)
    files = list(out.glob("serving-*.json"))
    assert len(files) == 1, files
    return json.loads(files[0].read_text()), out


def test_result_has_every_section(result):
    data, _ = result
    assert {"commit", "date", "machine", "stock", "mesobot", "targets"} <= data.keys()
    assert {"cpus", "ram_gb", "python"} <= data["machine"].keys()
    assert data["stock"]["skipped"] is True  # --quick never trains or serves the stock bot
    mesobot = data["mesobot"]
    assert mesobot["paths"].keys() == PATHS
    for key in ("start_to_ready_s", "start_to_first_answer_s", "memory", "parse"):
        assert key in mesobot
    assert mesobot["memory"]["peak_mb"].keys() == {"action server", "rasa", "gateway"}
    keys = {target["key"] for target in data["targets"]}
    assert {"throughput_20", "p95_20", "p95_50", "p50_1", "start_to_ready", "memory"} <= keys


def test_every_turn_was_answered(result):
    data, _ = result
    for path in PATHS:
        measured = data["mesobot"]["paths"][path]
        assert measured["warmup"]["errors"] == 0, path
        assert set(measured["levels"]) == {"1", "2"}
        for level, figures in measured["levels"].items():
            assert figures["errors"] == 0, (path, level, figures["error_kinds"])
            assert figures["answered"] == figures["turns"] == int(level) * 2
            assert figures["no_reply"] == 0, (path, level)
        long = measured["long"]
        assert long["errors"] == 0, (path, long["error_kinds"])
        assert len(long["per_turn_median_ms"]) == long["turns"] == 5
    assert data["mesobot"]["parse"]["errors"] == 0


def test_pictures_and_markdown_are_written_to_out(result):
    _, out = result
    for name in PICTURES:
        assert (out / name).stat().st_size > 0, name
    markdown = (out / "serving.md").read_text()
    assert "### Targets (issue 12)" in markdown
    assert "can I wash" not in markdown  # figures only, no message text


@pytest.mark.postgres
def test_lock_race_runs_and_routing_keeps_every_turn(model: Path, tmp_path: Path):
    redis_or_skip()
    drop_postgres(postgres_or_skip())  # the bench makes and drops its own database there
    run_bench("lock_race.py", ["--pairs", "6", "--out", str(tmp_path)], model, REDIS_URL=REDIS_URL)
    data = json.loads((tmp_path / "lock_race.json").read_text())
    assert data["lock_store_only"]["conversations"] == data["routed"]["conversations"] == 6
    assert data["routed"]["lost"] == data["routed"]["overlapping"] == 0


def test_no_bench_script_hides_a_standard_library_module():
    """A script's folder comes first on sys.path: bench/profile.py broke cProfile for the rest."""
    names = {path.stem for path in (ROOT / "bench").glob("*.py")}
    assert not names & set(sys.stdlib_module_names)
