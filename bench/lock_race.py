"""Is Rasa's Redis lock store enough to run one conversation on two Rasa processes?

RasaHQ/rasa#11256 says no: two processes can take the same ticket for a conversation and run
its turns at once. This starts mesobot with two Rasa processes on a shared PostgreSQL tracker
store and Rasa's Redis lock store, and sends pairs of messages of one conversation at the same
moment, in two ways:

  - `lock store only`: one message to each process, as a load balancer without affinity would;
  - `routed`: both to the conversation's own process, as the gateway sends them
    (bot/gateway/rasa_client.py, rendezvous hashing).

Then it reads each tracker: a turn is lost when its user message is missing, and two turns
ran at once when a user message follows another before the bot's turn ended (no
action_listen between them). Writes bench/results/lock_race.json and the table between the
`lock_race` markers of bench/README.md.

    PYTHONPATH=. .venv/bin/python bench/lock_race.py [--pairs 200]

Needs PostgreSQL (DATABASE_URL, or a fresh database on 127.0.0.1:5432) and Redis (REDIS_URL,
default redis://127.0.0.1:6379/4).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import report
from bench.serving import RESULTS_DIR, machine, mesobot_model, parse_args
from bench.serving import read_load as read_serving_load
from bot.gateway.rasa_client import RasaClient, RasaUnavailable, ranked
from bot.ops.launcher import Stack, free_port
from bot.settings import ROOT, Settings
from bot.store.migrate import upgrade

POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/4"
RUN_DIR = ROOT / ".bench" / "lock_race"
AT_ONCE = 10  # conversations racing at the same time
PAIRS = ("how much does a session cost?", "does it hurt?")
WAYS = {
    "lock_store_only": "one message to each process (Redis lock store only)",
    "routed": "both to the conversation's process (the gateway's routing)",
}


def settings_for(run_dir: Path, database_url: str, redis_url: str) -> Settings:
    """Two Rasa processes on PostgreSQL and Redis, free ports, per-run secrets."""
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RASA_REPLICAS": "2",
        "MESOBOT_RUN_DIR": str(run_dir),
        "RASA_PORT": str(free_port(2)),
        "ACTION_SERVER_PORT": str(free_port()),
        "GATEWAY_PORT": str(free_port()),
    }
    return Settings.from_env(env, root=ROOT).with_run_secrets()


def anomalies(events: list[dict[str, Any]], sent: int) -> dict[str, int]:
    """Lost user messages, and user messages that arrived while a turn was still running."""
    users = [e for e in events if e.get("event") == "user"]
    overlapping, listening = 0, True
    for event in events:
        if event.get("event") == "user":
            overlapping += 0 if listening else 1
            listening = False
        elif event.get("event") == "action" and event.get("name") == "action_listen":
            listening = True
    return {"lost": max(0, sent - len(users)), "overlapping": overlapping}


async def race(
    processes: dict[str, RasaClient], urls: Sequence[str], pairs: int, routed: bool
) -> dict[str, Any]:
    """Send `pairs` conversations two messages at once; count what went wrong."""
    totals = {"conversations": pairs, "errors": 0, "lost": 0, "overlapping": 0, "affected": 0}
    gate = asyncio.Semaphore(AT_ONCE)

    async def send(url: str, sender: str, text_: str) -> int:
        """1 when Rasa failed the request (HTTP error), else 0."""
        try:
            await processes[url].send(sender, text_, "web", message_id=uuid.uuid4().hex)
        except RasaUnavailable:
            return 1
        return 0

    async def one() -> None:
        sender = f"race-{uuid.uuid4().hex[:12]}"
        owner = ranked(sender, urls)[0]
        targets = [owner, owner] if routed else list(urls)
        async with gate:
            failed = await asyncio.gather(
                *(send(url, sender, text_) for url, text_ in zip(targets, PAIRS, strict=True))
            )
            found = {
                "errors": sum(failed),
                **anomalies(await processes[owner].events(sender), len(PAIRS)),
            }
        for key, value in found.items():
            totals[key] += value
        totals["affected"] += 1 if any(found.values()) else 0

    await asyncio.gather(*(one() for _ in range(pairs)))
    return totals


async def measure(settings: Settings, pairs: int) -> dict[str, Any]:
    """Both ways, on the same running processes."""
    urls = settings.rasa_urls
    processes = {url: RasaClient(url, settings.rasa_api_headers, 120) for url in urls}
    try:
        await race(processes, urls, 5, routed=True)  # warm both processes up
        return {
            "lock_store_only": await race(processes, urls, pairs, routed=False),
            "routed": await race(processes, urls, pairs, routed=True),
        }
    finally:
        for client in processes.values():
            await client.close()


def fresh_database() -> str:
    """A new PostgreSQL database for this run (dropped at the end)."""
    name = f"mesobot_race_{uuid.uuid4().hex[:8]}"
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


def drop(database_url: str) -> None:
    engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        name = make_url(database_url).database
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def markdown(result: dict[str, Any]) -> str:
    """The README table."""
    rows = []
    for way, label in WAYS.items():
        found = result[way]
        rows.append(
            f"| {label} | {found['conversations']} | {found['affected']} | {found['errors']} | "
            f"{found['lost']} | {found['overlapping']} |"
        )
    return "\n".join(
        [
            f"_Generated by `bench/lock_race.py` on {result['date']} (commit {result['commit']}): "
            f"two Rasa processes, PostgreSQL tracker store, Redis lock store; each conversation "
            f"gets two messages at the same moment, {AT_ONCE} conversations at a time._",
            "",
            "| how the two messages are sent | conversations | affected | requests failed "
            "| user messages lost | turns run at once |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Start the scaled stack, race, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    model = mesobot_model(parse_args([], read_serving_load()))
    database_url = os.environ.get("DATABASE_URL") or fresh_database()
    created = not os.environ.get("DATABASE_URL")
    try:
        # The run's logs stay in .bench/lock_race/logs/: they say why requests failed.
        settings = settings_for(RUN_DIR, database_url, os.environ.get("REDIS_URL", REDIS))
        upgrade(settings.database_url)
        with Stack.for_clinic(settings, model):
            measured = asyncio.run(measure(settings, args.pairs))
    finally:
        if created:
            drop(database_url)
    result = {
        "benchmark": "Redis lock store across two Rasa processes (RasaHQ/rasa#11256)",
        "commit": report.git_state()[0],
        "date": datetime.now(timezone.utc).date().isoformat(),
        "machine": machine(),
        "at_once": AT_ONCE,
        **measured,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "lock_race.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    if args.out.resolve() == RESULTS_DIR.resolve():
        report.replace_block("lock_race", "Redis lock store across processes", markdown(result))
    print(json.dumps(measured, indent=2))
    print(f"Results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
