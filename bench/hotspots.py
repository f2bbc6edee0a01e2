"""Where a turn's time goes: py-spy on every mesobot process under 20 concurrent conversations.

Starts the stack as bench/serving.py does, keeps 20 closed-loop conversations talking through
the gateway's Rasa channel, and samples Rasa, the action server and the gateway with py-spy at
the same time. Writes, per process, a flame graph (bench/results/profile-<process>.svg) and the
functions with the most samples (bench/results/profile.json), and the table between the
`profile` markers of bench/README.md.

    PYTHONPATH=. .venv/bin/python bench/hotspots.py [--seconds 30]

Not named profile.py: a script's folder comes first on sys.path, so that name would replace
the standard library's `profile` (which cProfile imports) for every script in bench/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import report
from bench.serving import (
    RESULTS_DIR,
    RasaChannel,
    Tally,
    bench_settings,
    mesobot_model,
    parse_args,
    read_load,
    timed_turn,
)
from bot.gateway.rasa_client import RasaClient
from bot.ops.launcher import Stack
from bot.settings import ROOT
from bot.store.migrate import upgrade

PY_SPY = Path(sys.executable).parent / "py-spy"
CONCURRENCY = 20
TOP = 15
# Frames in nearly every sample (entry points) say nothing about where the time goes.
EVERYWHERE = 0.9
RAW_DIR = ROOT / ".bench" / "profile"
# A frame as py-spy's raw format writes it: "function (path/to/file.py:123)".
FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")
# Where a sample's time belongs, by the first frame (leaf upwards) from one of these places.
AREAS = (
    ("tensorflow / keras", ("tensorflow/", "keras/")),
    ("SQL tracker store and SQLAlchemy", ("rasa/core/tracker_store.py", "sqlalchemy/")),
    ("Rasa policies (prediction)", ("rasa/core/policies/", "rasa/engine/")),
    ("Rasa NLU components", ("rasa/nlu/",)),
    ("mesobot NLU components", ("bot/nlu/",)),
    ("events and trackers (de)serialised", ("rasa/shared/core/", "json/")),
    ("HTTP (sanic, aiohttp, httpx, uvicorn)", ("sanic/", "aiohttp/", "httpx/", "httpcore/")),
    ("Rasa custom-action call", ("rasa/core/actions/",)),
    ("mesobot actions", ("actions/",)),
    ("rasa-sdk", ("rasa_sdk/",)),
    ("gateway", ("bot/gateway/", "starlette/", "uvicorn/")),
)


def short(path: str) -> str:
    """A file path from site-packages or the repo, without the machine's prefix."""
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path.rsplit("/lib/python3.11/", 1)[-1]


def read_raw(path: Path) -> list[tuple[list[tuple[str, str]], int]]:
    """py-spy's collapsed stacks: (frames root first as (function, file), samples)."""
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = []
        for frame in stack.split(";"):
            found = FRAME.match(frame.strip())
            if found:
                frames.append((found["function"], short(found["file"])))
        stacks.append((frames, int(count)))
    return stacks


def area_of(frames: list[tuple[str, str]]) -> str:
    """The area a sample's time belongs to: the nearest frame to the leaf in a known place."""
    for _, file in reversed(frames):
        for name, places in AREAS:
            if file.startswith(places):
                return name
    return "other (Python runtime, asyncio, logging)"


def summarise(path: Path) -> dict[str, Any]:
    """Total samples, share per area, and the functions with the most samples in them."""
    stacks = read_raw(path)
    total = sum(count for _, count in stacks)
    areas: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        areas[area_of(frames)] += count
        for function, file in set(frames):
            if file.startswith(("rasa/", "bot/", "actions/", "rasa_sdk/", "sqlalchemy/")):
                inclusive[f"{function} ({file})"] += count
    return {
        "samples": total,
        "areas": {k: round(v / total, 3) for k, v in areas.most_common()} if total else {},
        "inclusive": {
            k: round(v / total, 3)
            for k, v in [kv for kv in inclusive.most_common() if kv[1] / total < EVERYWHERE][:TOP]
        }
        if total
        else {},
    }


def spy(pid: int, seconds: int, out: Path, fmt: str) -> subprocess.Popen[bytes]:
    """py-spy record on one process, without pausing it."""
    command = [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(seconds)]
    command += ["--rate", "100", "--nonblocking", "--format", fmt, "--output", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def keep_talking(rasa: RasaClient, stop: threading.Event, tally: Tally) -> None:
    """CONCURRENCY conversations of 10 turns each, started again until told to stop."""
    load = read_load()
    channel = RasaChannel(rasa)

    async def talker(index: int) -> None:
        while not stop.is_set():
            conversation = await channel.open()
            for turn in range(10):
                await timed_turn(conversation, load.text(index + turn), tally)

    await asyncio.gather(*(talker(i) for i in range(CONCURRENCY)))


def write_readme(summary: dict[str, Any]) -> None:
    """The generated table between the profile markers of bench/README.md."""
    lines = [
        f"_Generated by `bench/hotspots.py`: py-spy, 100 samples/s, {CONCURRENCY} conversations, "
        f"{summary['seconds']} s, {summary['turns']} turns ({summary['turns_per_s']} turns/s "
        "while sampled)._",
        "",
    ]
    for process, found in summary["processes"].items():
        lines += [
            f"**{process}** — {found['samples']} samples "
            f"(flame graph: `results/profile-{process.replace(' ', '-')}.svg`)",
            "",
            "| where the time goes | share |",
            "|---|---|",
            *(f"| {area} | {share:.0%} |" for area, share in found["areas"].items()),
            "",
            "| function (inclusive) | share |",
            "|---|---|",
            *(f"| `{name}` | {share:.0%} |" for name, share in found["inclusive"].items()),
            "",
        ]
    report.replace_block("profile", "Profile", "\n".join(lines) + "\n")


def main() -> None:
    """Start, load, sample, write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    seconds = parser.parse_args().seconds
    options = parse_args([], read_load())
    model = mesobot_model(options)
    run_dir = Path(tempfile.mkdtemp(prefix="mesobot-profile-"))
    settings = bench_settings(run_dir)
    upgrade(settings.database_url)
    stack = Stack.for_clinic(settings, model)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    RAW_DIR.mkdir(parents=True, exist_ok=True)
    stop, tally = threading.Event(), Tally()
    try:
        stack.start(timeout=600)
        rasa = RasaClient(settings.rasa_url, settings.rasa_api_headers, timeout=60)
        loop = asyncio.new_event_loop()
        talking = threading.Thread(
            target=loop.run_until_complete, args=(keep_talking(rasa, stop, tally),)
        )
        talking.start()
        time.sleep(5)  # past the first turns' warm-up
        counted = len(tally.latencies_ms)
        spies, raws = [], {}
        for service in stack.services:
            assert service.process is not None
            name = service.name.replace(" ", "-")
            raws[service.name] = RAW_DIR / f"{name}.txt"
            spies.append(spy(service.process.pid, seconds, raws[service.name], "raw"))
            svg = RESULTS_DIR / f"profile-{name}.svg"
            spies.append(spy(service.process.pid, seconds, svg, "flamegraph"))
        for process in spies:
            _, error = process.communicate(timeout=seconds + 120)
            if process.returncode:
                raise SystemExit(f"py-spy failed: {error.decode(errors='replace')[-500:]}")
        turns = len(tally.latencies_ms) - counted
        stop.set()
        talking.join(timeout=120)
        summary = {
            "seconds": seconds,
            "turns": turns,
            "turns_per_s": round(turns / seconds, 1),
            "processes": {name: summarise(path) for name, path in raws.items()},
        }
    finally:
        stop.set()
        stack.stop()
    (RESULTS_DIR / "profile.json").write_text(json.dumps(summary, indent=2) + "\n")
    write_readme(summary)
    shutil.rmtree(run_dir, ignore_errors=True)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
