"""Serving speed: the stock `rasa init` bot and mesobot, side by side, in one run.

Trains (once) and serves Rasa's own starter project as the reference, starts mesobot's real
stack (action server, Rasa, gateway) on a fresh SQLite database, and drives both with the same
closed-loop conversations (bench/load.yml): one task per conversation, each waits for the
answer before it sends its next message. mesobot is driven two ways: through the Rasa channel
the gateway uses (the counterpart of the stock bot's REST channel) and through the widget, as a
browser talks to it.

Measures start-up, resident memory per process, latency (p50/p95/p99), turns/s and errors per
load level, long conversations (first turns against the last ones) and /model/parse, against
the targets of issue 12. Writes bench/results/serving-<date>-<commit>.json, three pictures and
the generated part of bench/README.md. `--quick` is the smoke mode (no stock bot, tiny load,
results in --out, README untouched). Run: `make bench`, or
`PYTHONPATH=. .venv/bin/python bench/serving.py --help`. No message text or secret is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import httpx
import psutil  # type: ignore[import-untyped]
import yaml

from bench import report
from bot.gateway.rasa_client import RasaClient
from bot.gateway.throttle import TokenBuckets
from bot.ops.launcher import Service, Stack, free_port
from bot.ops.model import ensure_model
from bot.settings import ROOT, Settings
from bot.store.migrate import upgrade

RESULTS_DIR = ROOT / "bench" / "results"
LOAD_FILE = ROOT / "bench" / "load.yml"
STOCK_DIR = ROOT / ".bench" / "stock"
TRAINING_RECORD = "training.json"
STOCK_MODEL_NAME = "stock"

LEVELS = (1, 20, 50)
TURNS = 10
LONG_TURNS = 50
LONG_CONVERSATIONS = 3
PARSE_CALLS = 50
# Turns compared at the start and at the end of a long conversation.
EDGE_TURNS = 5
QUICK_LEVELS = (1, 2)
QUICK_TURNS = 2
QUICK_LONG_TURNS = 5
QUICK_PARSE_CALLS = 10
QUICK_WARMUP_TURNS = 2
REQUEST_TIMEOUT = 60.0
READY_TIMEOUT = 600.0
# Both bots are polled this often while starting (as Stack.start does).
POLL_SECONDS = 0.5
SAMPLE_SECONDS = 0.5
# Other processes taking this share of all CPUs while a bot is measured get a warning note.
BUSY_SHARE = 0.05
# The widget's per-conversation limit is fixed in bot/gateway/widget.py (a burst of 10, then
# one message per 2 s; not a setting). Conversations past the burst are paced a little under
# it; the wait is not part of any latency.
WIDGET_BURST = 10
WIDGET_RATE = 0.45
WEB_CHANNEL = "web"
STOCK_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
DESCRIPTION = "Serving speed: the stock `rasa init` bot and mesobot, side by side."


class TurnError(RuntimeError):
    """A turn that did not end in a 200 answer (the message says only the status)."""


# Options and inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """What one run measures and where it writes."""

    levels: tuple[int, ...]
    turns: int
    long_turns: int
    parse_calls: int
    warmup_turns: int
    quick: bool
    stock: bool
    retrain_stock: bool
    out: Path
    model: Path | None


@dataclass(frozen=True)
class Load:
    """The messages every conversation sends (bench/load.yml)."""

    messages: tuple[str, ...]
    warmup_turns: int

    def text(self, index: int) -> str:
        """The index-th message, cycling."""
        return self.messages[index % len(self.messages)]


def read_load(path: Path = LOAD_FILE) -> Load:
    """bench/load.yml."""
    data = yaml.safe_load(path.read_text())
    return Load(tuple(str(m) for m in data["messages"]), int(data.get("warmup_turns", 5)))


def parse_args(argv: list[str] | None, load: Load) -> Options:
    """The command line, with --quick's small figures where nothing else was asked for."""
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--levels", help="concurrent conversations, e.g. 1,20,50")
    parser.add_argument("--turns", type=int, help="turns per conversation (10)")
    parser.add_argument("--long-turns", type=int, help="turns per long conversation (50)")
    parser.add_argument("--parse-calls", type=int, help="/model/parse calls (50)")
    parser.add_argument("--quick", action="store_true", help="smoke mode: tiny, no stock bot")
    parser.add_argument("--skip-stock", action="store_true", help="measure mesobot only")
    parser.add_argument("--retrain-stock", action="store_true", help="train the stock bot again")
    parser.add_argument("--out", type=Path, help="results folder (default bench/results)")
    parser.add_argument("--model", type=Path, help="mesobot model (default: MESOBOT_MODEL)")
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    levels = (
        tuple(int(n) for n in args.levels.split(",") if n.strip())
        if args.levels
        else (QUICK_LEVELS if quick else LEVELS)
    )
    out = args.out or (Path(tempfile.mkdtemp(prefix="serving-quick-")) if quick else RESULTS_DIR)
    return Options(
        levels=tuple(sorted(set(levels))),
        turns=args.turns or (QUICK_TURNS if quick else TURNS),
        long_turns=args.long_turns or (QUICK_LONG_TURNS if quick else LONG_TURNS),
        parse_calls=args.parse_calls or (QUICK_PARSE_CALLS if quick else PARSE_CALLS),
        warmup_turns=QUICK_WARMUP_TURNS if quick else load.warmup_turns,
        quick=quick,
        stock=not (quick or args.skip_stock),
        retrain_stock=bool(args.retrain_stock),
        out=out.resolve(),
        model=args.model,
    )


def new_sender() -> str:
    """A fresh conversation id."""
    return f"bench-{uuid.uuid4().hex[:16]}"


# Figures ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def rounded(value: float | None, digits: int = 1) -> float | None:
    """A figure rounded for the JSON."""
    return None if value is None else round(value, digits)


@dataclass
class Tally:
    """Latencies of the turns that were answered, and what went wrong with the others."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    no_reply: int = 0

    def summary(self) -> dict[str, Any]:
        """p50/p95/p99 and the error counts."""
        return {
            "answered": len(self.latencies_ms),
            "p50_ms": rounded(percentile(self.latencies_ms, 50)),
            "p95_ms": rounded(percentile(self.latencies_ms, 95)),
            "p99_ms": rounded(percentile(self.latencies_ms, 99)),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "no_reply": self.no_reply,
        }


def error_kind(error: BaseException) -> str:
    """What went wrong, without any message text: a status code or an exception's type."""
    if isinstance(error, TurnError):
        return str(error)
    cause = error.__cause__ or error
    if isinstance(cause, httpx.HTTPStatusError):
        return f"HTTP {cause.response.status_code}"
    return type(cause).__name__


def checked(response: httpx.Response, status: int = 200) -> Any:
    """The JSON of a response with the expected status (else TurnError)."""
    if response.status_code != status:
        raise TurnError(f"HTTP {response.status_code}")
    return response.json()


# Ways in ------------------------------------------------------------------------------------


class Conversation(Protocol):
    """One patient's conversation on one way into a bot."""

    async def pace(self) -> None:
        """Wait, if the channel asks patients to slow down (not counted as latency)."""

    async def say(self, text: str) -> int:
        """Send one message and wait for the answer; return the number of replies."""


class Channel(Protocol):
    """A way into a bot that opens conversations."""

    async def open(self) -> Conversation:
        """A new conversation with a fresh sender."""


@dataclass
class RestConversation:
    """The stock bot's REST channel."""

    http: httpx.AsyncClient
    sender: str

    async def pace(self) -> None:
        """No limit."""

    async def say(self, text: str) -> int:
        """POST /webhooks/rest/webhook."""
        body = {"sender": self.sender, "message": text}
        replies = checked(await self.http.post("/webhooks/rest/webhook", json=body))
        return len(replies) if isinstance(replies, list) else 0


@dataclass
class StockRest:
    """Opens conversations on the stock bot's REST channel."""

    http: httpx.AsyncClient

    async def open(self) -> Conversation:
        """A fresh sender."""
        return RestConversation(self.http, new_sender())


@dataclass
class RasaChannelConversation:
    """mesobot's gateway channel in Rasa, with the gateway's own client (JWT, message ids)."""

    rasa: RasaClient
    sender: str

    async def pace(self) -> None:
        """No limit."""

    async def say(self, text: str) -> int:
        """One message, as the gateway sends it."""
        replies = await self.rasa.send(self.sender, text, WEB_CHANNEL, message_id=uuid.uuid4().hex)
        return len(replies)


@dataclass
class RasaChannel:
    """Opens conversations on mesobot's Rasa channel."""

    rasa: RasaClient

    async def open(self) -> Conversation:
        """A fresh sender."""
        return RasaChannelConversation(self.rasa, new_sender())


@dataclass
class WidgetConversation:
    """The gateway's widget endpoints, as the browser calls them."""

    http: httpx.AsyncClient
    token: str
    pacer: TokenBuckets[str]

    async def pace(self) -> None:
        """Stay under the widget's per-conversation limit (only past its burst)."""
        await asyncio.sleep(self.pacer.wait_time(self.token))

    async def say(self, text: str) -> int:
        """POST /widget/messages with the session's bearer token."""
        headers = {"Authorization": f"Bearer {self.token}"}
        response = await self.http.post("/widget/messages", json={"text": text}, headers=headers)
        return len(checked(response).get("replies") or [])


@dataclass
class Widget:
    """Opens widget sessions on mesobot's gateway."""

    http: httpx.AsyncClient
    pacer: TokenBuckets[str] = field(
        default_factory=lambda: TokenBuckets[str](rate=WIDGET_RATE, burst=WIDGET_BURST)
    )

    async def open(self) -> Conversation:
        """POST /widget/session: a new conversation and its token."""
        token = str(checked(await self.http.post("/widget/session"), 201)["token"])
        return WidgetConversation(self.http, token, self.pacer)


# Load ---------------------------------------------------------------------------------------


async def timed_turn(conversation: Conversation, text: str, tally: Tally) -> float | None:
    """One turn's latency in ms (None when it failed; the failure goes into the tally)."""
    await conversation.pace()
    start = time.perf_counter()
    try:
        replies = await conversation.say(text)
    except Exception as error:  # any failure of a turn is an error of the bot under test
        tally.errors[error_kind(error)] += 1
        return None
    latency = (time.perf_counter() - start) * 1000
    tally.latencies_ms.append(latency)
    tally.no_reply += replies == 0
    return latency


async def open_all(channel: Channel, count: int, tally: Tally) -> list[Conversation]:
    """Open conversations concurrently; failures are counted as errors."""
    opened = await asyncio.gather(*(channel.open() for _ in range(count)), return_exceptions=True)
    conversations = []
    for item in opened:
        if isinstance(item, BaseException):
            tally.errors[f"open: {error_kind(item)}"] += 1
        else:
            conversations.append(item)
    return conversations


async def warm_up(channel: Channel, load: Load, turns: int) -> dict[str, Any]:
    """A few unmeasured turns on a throwaway conversation."""
    tally = Tally()
    for conversation in await open_all(channel, 1, tally):
        for turn in range(turns):
            await timed_turn(conversation, load.text(turn), tally)
    return {"turns": turns, "errors": sum(tally.errors.values())}


async def run_level(channel: Channel, load: Load, concurrency: int, turns: int) -> dict[str, Any]:
    """`concurrency` conversations of `turns` turns at once, closed loop."""
    tally = Tally()
    conversations = await open_all(channel, concurrency, tally)

    async def talk(index: int, conversation: Conversation) -> None:
        for turn in range(turns):
            await timed_turn(conversation, load.text(index + turn), tally)

    start = time.perf_counter()
    await asyncio.gather(*(talk(i, c) for i, c in enumerate(conversations)))
    wall = time.perf_counter() - start
    return {
        "concurrency": concurrency,
        "turns": concurrency * turns,
        **tally.summary(),
        "wall_s": round(wall, 3),
        "turns_per_s": round(len(tally.latencies_ms) / wall, 2) if wall > 0 else None,
        "latencies_ms": [round(v, 1) for v in tally.latencies_ms],
    }


def median_of(values: list[float]) -> float | None:
    """The median (None for no values)."""
    return statistics.median(values) if values else None


async def run_long(channel: Channel, load: Load, turns: int) -> dict[str, Any]:
    """Long conversations, one request at a time (taking turns between them, round robin)."""
    tally = Tally()
    conversations = await open_all(channel, LONG_CONVERSATIONS, tally)
    rows: list[list[float | None]] = [[] for _ in conversations]
    for turn in range(turns):
        for index, conversation in enumerate(conversations):
            rows[index].append(await timed_turn(conversation, load.text(index + turn), tally))
    edge = min(EDGE_TURNS, turns)
    first = median_of([v for row in rows for v in row[:edge] if v is not None])
    last = median_of([v for row in rows for v in row[-edge:] if v is not None])
    per_turn = [median_of([v for row in rows if (v := row[t]) is not None]) for t in range(turns)]
    return {
        "conversations": LONG_CONVERSATIONS,
        "turns": turns,
        "first_turns_median_ms": rounded(first),
        "last_turns_median_ms": rounded(last),
        "ratio": round(last / first, 3) if first and last else None,
        "errors": sum(tally.errors.values()),
        "error_kinds": dict(tally.errors),
        "per_turn_median_ms": [rounded(v) for v in per_turn],
    }


async def measure_path(channel: Channel, load: Load, options: Options) -> dict[str, Any]:
    """Warm up, every load level, then the long conversations, on one way into a bot."""
    warm = await warm_up(channel, load, options.warmup_turns)
    levels = {}
    for level in options.levels:
        levels[str(level)] = await run_level(channel, load, level, options.turns)
        errors = levels[str(level)]["errors"]
        print(f"    {level:>3} concurrent: {errors} errors", flush=True)
    long = await run_long(channel, load, options.long_turns)
    return {"warmup": warm, "levels": levels, "long": long}


async def measure_parse(
    http: httpx.AsyncClient, headers: Callable[[], dict[str, str]], load: Load, calls: int
) -> dict[str, Any]:
    """/model/parse latency, one call at a time."""
    tally = Tally()
    for index in range(calls):
        start = time.perf_counter()
        try:
            body = {"text": load.text(index)}
            checked(await http.post("/model/parse", json=body, headers=headers()))
        except Exception as error:  # counted, like a failed turn
            tally.errors[error_kind(error)] += 1
            continue
        tally.latencies_ms.append((time.perf_counter() - start) * 1000)
    summary = tally.summary()
    del summary["no_reply"]
    return {"calls": calls, **summary}


def client(base_url: str, concurrency: int) -> httpx.AsyncClient:
    """An HTTP client with a connection for every concurrent conversation."""
    size = max(concurrency, 10) + 10
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    return httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits)


# Memory -------------------------------------------------------------------------------------


def members(pid: int) -> list[Any]:
    """A process and all its children (empty when it is gone)."""
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return []


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its children, in MB (0 when it is gone)."""
    total = 0
    for member in members(pid):
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total / 2**20


def cpu_seconds(pids: list[int]) -> float:
    """CPU time used so far by these processes and their children."""
    total = 0.0
    for pid in pids:
        for member in members(pid):
            with contextlib.suppress(psutil.Error):
                times = member.cpu_times()
                total += times.user + times.system
    return total


def busy_seconds() -> float:
    """CPU time the whole machine has spent busy so far (all CPUs)."""
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    guest = getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)  # inside user
    return float(sum(times) - idle - guest)


class ProcessWatch:
    """While the load runs: each process's resident memory (peaks, sampled in a thread) and
    how much CPU other processes on the machine took."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.after_ready = self.sample()
        self.peak = dict(self.after_ready)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ours = [*pids.values(), os.getpid()]
        self._start = (time.monotonic(), busy_seconds(), cpu_seconds(self._ours))
        self._end = self._start
        self.started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.ended_at = self.started_at

    def sample(self) -> dict[str, float]:
        """Every process's resident memory now."""
        return {name: rss_mb(pid) for name, pid in self.pids.items()}

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            for name, mb in self.sample().items():
                self.peak[name] = max(self.peak[name], mb)

    def __enter__(self) -> ProcessWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._end = (time.monotonic(), busy_seconds(), cpu_seconds(self._ours))
        self.ended_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._stop.set()
        self._thread.join()

    def memory(self) -> dict[str, Any]:
        """After start, peak under load, and their totals (the total adds the peaks)."""
        return {
            "after_ready_mb": {k: round(v, 1) for k, v in self.after_ready.items()},
            "peak_mb": {k: round(v, 1) for k, v in self.peak.items()},
            "after_ready_total_mb": round(sum(self.after_ready.values()), 1),
            "peak_total_mb": round(sum(self.peak.values()), 1),
        }

    def machine_load(self) -> dict[str, Any]:
        """When the load ran, and the share of all CPUs the bot, the client and others used."""
        wall = self._end[0] - self._start[0]
        capacity = wall * (os.cpu_count() or 1)
        busy = self._end[1] - self._start[1]
        ours = self._end[2] - self._start[2]
        return {
            "from": self.started_at,
            "until": self.ended_at,
            "cpu_share_bot_and_client": round(ours / capacity, 3) if capacity else None,
            "cpu_share_other_processes": round(max(0.0, busy - ours) / capacity, 3)
            if capacity
            else None,
        }


# The stock bot ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockModel:
    """The trained stock model and how long its training took."""

    path: Path
    seconds: float
    reused: bool
    trained_at: str


def rasa_version() -> str:
    """The installed Rasa's version."""
    from rasa.version import __version__

    return str(__version__)


def stock_env() -> dict[str, str]:
    """The stock bot's environment: no telemetry, quiet TensorFlow, none of mesobot's paths."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**env, **STOCK_ENV}


def initial_project() -> Path:
    """What `rasa init` copies: the starter project inside the Rasa package."""
    import rasa.cli

    return Path(rasa.cli.__file__).parent / "initial_project"


def stock_model(retrain: bool) -> StockModel:
    """The trained stock model: reused when trained for this Rasa version, else trained now."""
    record = STOCK_DIR / "models" / TRAINING_RECORD
    if not retrain and record.exists():
        info = json.loads(record.read_text())
        model = STOCK_DIR / "models" / str(info.get("model"))
        if info.get("rasa_version") == rasa_version() and model.exists():
            return StockModel(model, float(info["training_seconds"]), True, info["trained_at"])
    shutil.rmtree(STOCK_DIR, ignore_errors=True)
    shutil.copytree(initial_project(), STOCK_DIR, ignore=shutil.ignore_patterns("__pycache__"))
    log = STOCK_DIR / "logs" / "train.log"
    log.parent.mkdir(parents=True)
    command = [sys.executable, "-m", "rasa", "train", "--out", "models"]
    command += ["--fixed-model-name", STOCK_MODEL_NAME]
    print("  training the stock bot (a few minutes)...", flush=True)
    start = time.perf_counter()
    with log.open("wb") as output:
        done = subprocess.run(
            command, cwd=STOCK_DIR, env=stock_env(), stdout=output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    seconds = time.perf_counter() - start
    model = STOCK_DIR / "models" / f"{STOCK_MODEL_NAME}.tar.gz"
    if done.returncode != 0 or not model.exists():
        raise SystemExit(f"training the stock bot failed; see {log}")
    trained_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    info = {"rasa_version": rasa_version(), "model": model.name, "trained_at": trained_at}
    record.write_text(json.dumps({**info, "training_seconds": round(seconds, 1)}, indent=2))
    return StockModel(model, seconds, False, trained_at)


def first_answer(url: str, deadline: float) -> None:
    """Send "hi" until it is answered with a 200 (or the deadline passes)."""
    body = {"sender": new_sender(), "message": "hi"}
    while True:
        try:
            response = httpx.post(url, json=body, timeout=REQUEST_TIMEOUT)
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("no first answer in time")
        time.sleep(POLL_SECONDS)


def wait_healthy(service: Service, deadline: float) -> None:
    """Poll the health URL as Stack.start does, until it answers 200."""
    assert service.process is not None
    while not service.healthy():
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited; see {service.log_path}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{service.name} not healthy in time")
        time.sleep(POLL_SECONDS)


async def drive_stock(url: str, load: Load, options: Options) -> dict[str, Any]:
    """Every measurement on the stock bot, through its REST channel."""
    async with client(url, max(options.levels)) as http:
        print("  stock, REST channel", flush=True)
        rest = await measure_path(StockRest(http), load, options)
        parse = await measure_parse(http, dict, load, options.parse_calls)
    return {"paths": {"rest": rest}, "parse": parse}


def measure_stock(load: Load, options: Options) -> dict[str, Any]:
    """Train (or reuse) and serve the stock `rasa init` bot, and measure it."""
    model = stock_model(options.retrain_stock)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "rasa", "run", "--enable-api", "--model", str(model)]
    command += ["--interface", "127.0.0.1", "--port", str(port)]
    command += ["--credentials", "credentials.yml", "--endpoints", "endpoints.yml"]
    service = Service("rasa", command, f"{url}/status", STOCK_DIR / "logs" / "run.log")
    try:
        print("  starting the stock bot...", flush=True)
        start = time.perf_counter()
        service.start(STOCK_DIR, stock_env())
        deadline = time.monotonic() + READY_TIMEOUT
        wait_healthy(service, deadline)
        healthy = time.perf_counter() - start
        first_answer(f"{url}/webhooks/rest/webhook", deadline)
        ready = time.perf_counter() - start
        assert service.process is not None
        with ProcessWatch({"rasa": service.process.pid}) as watch:
            measured = asyncio.run(drive_stock(url, load, options))
    finally:
        service.stop(15)
    return {
        "skipped": False,
        "training": {
            "seconds": round(model.seconds, 1),
            "reused": model.reused,
            "trained_at": model.trained_at,
        },
        "model_mb": round(model.path.stat().st_size / 2**20, 2),
        "tracker_store": "in memory (rasa init's default)",
        "start_to_healthy_s": round(healthy, 2),
        "start_to_first_answer_s": round(ready, 2),
        "start_to_ready_s": round(ready, 2),
        "memory": watch.memory(),
        "machine_load": watch.machine_load(),
        **measured,
    }


# mesobot ------------------------------------------------------------------------------------


def mesobot_model(options: Options) -> Path:
    """--model, else MESOBOT_MODEL, else the model for the current data (trained if new)."""
    pinned = options.model or os.environ.get("MESOBOT_MODEL")
    return ensure_model(Settings.from_env({"MESOBOT_MODEL": str(pinned)} if pinned else {}))


def bench_settings(run_dir: Path) -> Settings:
    """Fresh SQLite, free ports and per-run secrets, as tests/conftest.py's settings_for."""
    env = {
        "DATABASE_URL": f"sqlite:///{run_dir / 'mesobot.db'}",
        "MESOBOT_RUN_DIR": str(run_dir),
        "RASA_PORT": str(free_port()),
        "ACTION_SERVER_PORT": str(free_port()),
        "GATEWAY_PORT": str(free_port()),
        "MESOBOT_LOG_LEVEL": "info",
    }
    return Settings.from_env(env, root=ROOT).with_run_secrets()


async def drive_mesobot(settings: Settings, load: Load, options: Options) -> dict[str, Any]:
    """Every measurement on mesobot: the Rasa channel, then the widget, then /model/parse."""
    gateway = f"http://127.0.0.1:{settings.gateway_port}"
    rasa = RasaClient(settings.rasa_url, settings.rasa_api_headers, timeout=REQUEST_TIMEOUT)
    concurrency = max(options.levels)
    try:
        async with client(gateway, concurrency) as web, client(settings.rasa_url, 1) as api:
            print("  mesobot, Rasa channel", flush=True)
            channel = await measure_path(RasaChannel(rasa), load, options)
            print("  mesobot, widget", flush=True)
            widget = await measure_path(Widget(web), load, options)
            parse = await measure_parse(api, settings.rasa_api_headers, load, options.parse_calls)
    finally:
        await rasa.close()
    return {"paths": {"rasa_channel": channel, "widget": widget}, "parse": parse}


def widget_first_answer(settings: Settings, deadline: float) -> None:
    """A widget session and its first answered message."""
    gateway = f"http://127.0.0.1:{settings.gateway_port}"
    token = httpx.post(f"{gateway}/widget/session", timeout=REQUEST_TIMEOUT).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    while True:
        response = httpx.post(
            f"{gateway}/widget/messages", json={"text": "hi"}, headers=headers,
            timeout=REQUEST_TIMEOUT,
        )  # fmt: skip
        if response.status_code == 200:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("no first widget answer in time")
        time.sleep(POLL_SECONDS)


def measure_mesobot(load: Load, options: Options) -> dict[str, Any]:
    """Start mesobot's stack on a fresh database and measure it."""
    model = mesobot_model(options)
    run_dir = Path(tempfile.mkdtemp(prefix="mesobot-bench-"))
    settings = bench_settings(run_dir)
    upgrade(settings.database_url)
    stack = Stack.for_clinic(settings, model)
    try:
        print("  starting mesobot (action server, Rasa, gateway)...", flush=True)
        start = time.perf_counter()
        stack.start(timeout=READY_TIMEOUT)
        ready = time.perf_counter() - start
        widget_first_answer(settings, time.monotonic() + READY_TIMEOUT)
        answered = time.perf_counter() - start
        pids = {s.name: s.process.pid for s in stack.services if s.process is not None}
        with ProcessWatch(pids) as watch:
            measured = asyncio.run(drive_mesobot(settings, load, options))
    except BaseException:
        print(f"  mesobot's logs are kept in {run_dir / 'logs'}", file=sys.stderr)
        raise
    finally:
        stack.stop()
    shutil.rmtree(run_dir, ignore_errors=True)
    return {
        "model": model.name,
        "model_mb": round(model.stat().st_size / 2**20, 2),
        "tracker_store": "SQL (SQLite, the embedded default)",
        "start_to_ready_s": round(ready, 2),
        "start_to_first_answer_s": round(answered, 2),
        "memory": watch.memory(),
        "machine_load": watch.machine_load(),
        **measured,
    }


# Targets and results ------------------------------------------------------------------------


def compare(value: Any, test: Callable[[float], bool]) -> bool | None:
    """test(value), or None when there is no value."""
    return None if value is None else bool(test(float(value)))


@dataclass(frozen=True)
class Target:
    """One target of issue 12: its figure on a bot and the test mesobot's figure must pass."""

    key: str
    target: str
    goal: str
    figure: Callable[[dict[str, Any], str], Any]
    test: Callable[[float, Any], bool]
    per_path: bool = True
    needs_stock: bool = False
    unit: str = ""
    digits: int = 1

    def evaluate(self, stock: dict[str, Any], meso: dict[str, Any]) -> dict[str, Any]:
        """Stock's figure, mesobot's (per way in, or once), and met / not met / None."""
        reference = self.figure(stock, "rest")
        paths = report.MESOBOT_PATHS if self.per_path else ("all",)
        values = {path: self.figure(meso, path) for path in paths}
        met = {
            path: None
            if self.needs_stock and reference is None
            else compare(value, lambda v: self.test(v, reference))
            for path, value in values.items()
        }
        return {
            "key": self.key, "target": self.target, "goal": self.goal,
            "per_path": self.per_path, "stock": reference, "mesobot": values, "met": met,
            "unit": self.unit, "digits": self.digits,
        }  # fmt: skip


def at_level(level: int, key: str) -> Callable[[dict[str, Any], str], Any]:
    """A figure of one load level on one way in (None when not measured)."""
    return lambda bot, path: report.dig(bot, "paths", path, "levels", str(level), key)


def of_bot(*keys: str) -> Callable[[dict[str, Any], str], Any]:
    """A figure of a whole bot, whatever the way in."""
    return lambda bot, _path: report.dig(bot, *keys)


TARGETS = (
    Target(
        "throughput_20", "Turns/s at 20 conversations", "≥ 3× stock",
        at_level(20, "turns_per_s"), lambda v, stock: v >= 3 * stock, needs_stock=True,
    ),
    Target(
        "p95_20", "p95 latency at 20 conversations", "< 300 ms",
        at_level(20, "p95_ms"), lambda v, _: v < 300, unit=" ms", digits=0,
    ),
    Target(
        "p95_50", "p95 latency at 50 conversations", "< 1 s",
        at_level(50, "p95_ms"), lambda v, _: v < 1000, unit=" ms", digits=0,
    ),
    Target(
        "p50_1", "p50 latency, one conversation", "< 40 ms",
        at_level(1, "p50_ms"), lambda v, _: v < 40, unit=" ms", digits=0,
    ),
    Target(
        "start_to_ready", "Start until the first answer", "≤ ½ stock",
        of_bot("start_to_first_answer_s"), lambda v, stock: v <= stock / 2,
        per_path=False, needs_stock=True, unit=" s",
    ),
    Target(
        "memory", "Resident memory, all processes", "≤ stock",
        of_bot("memory", "peak_total_mb"), lambda v, stock: v <= stock,
        per_path=False, needs_stock=True, unit=" MB", digits=0,
    ),
    Target(
        "long_ratio", "Turn-50 cost ÷ turn-1 cost (median of 5)", "≤ 1.5×",
        lambda bot, path: report.dig(bot, "paths", path, "long", "ratio"),
        lambda v, _: v <= 1.5, unit="×", digits=2,
    ),
)  # fmt: skip


def machine() -> dict[str, Any]:
    """CPUs, memory, Python and Rasa of this machine."""
    return {
        "cpus": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "rasa": rasa_version(),
        "platform": platform.platform(terse=True),
    }


def notes(stock: dict[str, Any], meso: dict[str, Any]) -> list[str]:
    """What a reader needs to know to read the figures."""
    found = [
        "Latency is the time from sending a message until its answer (all of the bot's replies "
        "to it) arrives; turns/s is answered turns divided by the wall time of the level.",
        "The stock bot keeps conversations in memory (`rasa init`'s default); mesobot keeps "
        "them in its SQL tracker store (SQLite here), runs its custom actions (safety check, "
        "answers from data, escalations) on the action server, and the widget path adds the "
        "gateway (its inbox stores every message before Rasa sees it).",
        "The widget allows a burst of 10 messages per conversation, then one per 2 s (fixed in "
        "`bot/gateway/widget.py`, not a setting). Widget conversations past the burst are "
        f"paced at {WIDGET_RATE}/s by the client; that wait is not counted in any latency. "
        "Conversations of up to 10 turns stay within the burst.",
        "mesobot's start is timed twice: `Stack.start()` (all three processes healthy) and "
        "until the first widget answer; the stock bot's from starting `rasa run` until "
        "`/status` answers and its first REST message is answered. The target compares the "
        "two first-answer times. Both are polled every 0.5 s.",
        "Memory is the resident set of each process with its children (psutil), sampled every "
        "0.5 s while the load runs; the total adds each process's peak.",
        "mesobot's model is not trained by this benchmark (MESOBOT_MODEL or the current one).",
    ]
    if report.dig(stock, "training", "reused"):
        found.append(
            "The stock bot's training time was measured when its model was trained "
            f"({stock['training']['trained_at']}) and is reused with that model; "
            "`--retrain-stock` measures it again."
        )
    if stock.get("skipped"):
        found.append("The stock bot was not measured in this run.")
    for name, bot in (("the stock bot", stock), ("mesobot", meso)):
        share = report.dig(bot, "machine_load", "cpu_share_other_processes")
        if share is not None and share >= BUSY_SHARE:
            found.append(
                f"**Other processes used {share:.0%} of the machine's CPU while {name} was "
                "measured**, so its figures are slower than on an idle machine."
            )
    return found


def compact_json(value: Any, indent: int = 0) -> str:
    """JSON with nested objects indented and lists of numbers on one line."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict) and value:
        items = [f"{pad}{json.dumps(k)}: {compact_json(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        items = [pad + compact_json(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
    return json.dumps(value, ensure_ascii=False)


def run(options: Options, load: Load) -> Path:
    """Measure both bots, write the JSON and pictures (and the README in a full run)."""
    options.out.mkdir(parents=True, exist_ok=True)
    stock: dict[str, Any] = {"skipped": True}
    if options.stock:
        print("Stock rasa init bot", flush=True)
        stock = measure_stock(load, options)
    print("mesobot", flush=True)
    meso = measure_mesobot(load, options)
    commit, dirty = report.git_state()
    today = datetime.now(timezone.utc).date().isoformat()
    result = {
        "benchmark": "serving: stock rasa init bot and mesobot",
        "commit": commit,
        "commit_dirty": dirty,
        "date": today,
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "levels": list(options.levels),
            "turns": options.turns,
            "long_conversations": LONG_CONVERSATIONS,
            "long_turns": options.long_turns,
            "edge_turns": min(EDGE_TURNS, options.long_turns),
            "parse_calls": options.parse_calls,
            "warmup_turns": options.warmup_turns,
            "quick": options.quick,
            "messages": len(load.messages),
        },
        "targets": [target.evaluate(stock, meso) for target in TARGETS],
        "notes": notes(stock, meso),
        "stock": stock,
        "mesobot": meso,
    }
    path = options.out / f"serving-{today}-{commit}.json"
    path.write_text(compact_json(result) + "\n")
    report.draw(result, options.out)
    block = report.markdown(result)
    if options.out == RESULTS_DIR.resolve() and options.stock:  # a full run, not --quick
        report.update_readme(block)
    else:
        (options.out / "serving.md").write_text(block)
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; Ctrl-C or SIGTERM stops everything it started."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    load = read_load()
    options = parse_args(argv, load)
    try:
        path = run(options, load)
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    print(f"Results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
