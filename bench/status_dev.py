"""How the learned status check's settings were chosen, on a split no setting was tuned on.

Every read batch is a training figure for the rules, so the status check (bot/nlu/status_net.py)
cannot be tuned on them with today's rules: those are already right there. Instead this rebuilds
the flagger as it was at round 2 (commit 054bef2, from git), trains the status check on what
round 2 had read (labelled.yml, unseen.yml, unseen2.yml) and scores rules + check on unseen3.yml,
which round 2 had never seen, for a grid of C and demotion thresholds. The chosen pair goes in
data/safety/net.yml; unseen4.yml is not touched here.
Writes bench/results/status_dev.json. Run: `PYTHONPATH=. .venv/bin/python bench/status_dev.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "status_dev.json"
ROUND_TWO = "054bef2"
GRID_C = (4.0, 16.0, 64.0)
GRID_DEMOTE = (0.0, 0.3, 0.4, 0.5)


def measure() -> dict[str, dict[str, float]]:
    """Runs inside the child, where `bot` is round 2's package with today's status_net.py."""
    import dataclasses

    from bot.nlu import status_net
    from bot.nlu.detector import SafetyDetector
    from tests.safety import metrics

    lexicon = Path(status_net.__file__).parents[2] / "data" / "safety"
    detector = SafetyDetector(lexicon)
    read = metrics.load_labelled() + metrics.load_unseen() + metrics.load_batch("unseen2")
    dev = metrics.load_batch("unseen3")
    base = status_net.load_status_config(ROOT / "data" / "safety")
    found: dict[str, dict[str, float]] = {}
    for c in GRID_C:
        config = dataclasses.replace(base, c=c)
        net = status_net.StatusNet.train(
            *status_net.labelled_mentions(detector, read, config), config
        )
        for demote in GRID_DEMOTE:

            def flags(
                text: str, net: status_net.StatusNet = net, demote: float = demote
            ) -> set[str]:
                mentions = detector.detect(text)
                own = net.own(text, mentions)
                return {
                    m.category
                    for m, p in zip(mentions, own, strict=True)
                    if m.affirmed and p >= demote
                }

            found[f"C={c:g} demote_below={demote:g}"] = metrics.score_found(flags, dev).summary()
    return found


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", ROUND_TWO, "bot", "data/safety"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        shutil.copy(ROOT / "bot" / "nlu" / "status_net.py", Path(tmp) / "bot" / "nlu")
        env = {**os.environ, "PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}"}
        child = subprocess.run(
            [sys.executable, "-c", "from bench.status_dev import child; child()"],
            env=env,
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
        )
    output = {
        "benchmark": "status check settings, round-2 rules, scored on unseen3",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rules_commit": ROUND_TWO,
        "trained_on": ["labelled.yml", "unseen.yml", "unseen2.yml"],
        "scored_on": "unseen3.yml",
        "results": json.loads(child.stdout.strip().splitlines()[-1]),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(output, indent=2) + "\n")
    print(json.dumps(output, indent=2))


def child() -> None:
    """Entry point of the child process: the figures as one JSON line."""
    print(json.dumps(measure()))


if __name__ == "__main__":
    main()
