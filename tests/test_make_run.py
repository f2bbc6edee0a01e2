"""`make run` as a user runs it: everything healthy, a message through each channel, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from bot.settings import ROOT
from tests.conftest import (
    REDIS_URL,
    drop_postgres,
    free_port,
    postgres_or_skip,
    processes_with,
    redis_or_skip,
)
from tests.fake_telegram import text_update


def run_env(run_dir: Path, **settings: str) -> dict[str, str]:
    """The user's environment with a private run folder and free ports (RASA_REPLICAS and
    Telegram left to each test)."""
    env = {
        **os.environ,
        "MESOBOT_RUN_DIR": str(run_dir),
        "RASA_PORT": str(free_port()),
        "ACTION_SERVER_PORT": str(free_port()),
        "GATEWAY_PORT": str(free_port()),
    }
    for name in ("RASA_REPLICAS", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_URL"):
        env.pop(name, None)
    return {**env, **settings}


def ask_the_cost(gateway: str) -> list[str]:
    """The widget's answer to a cost question, as its reply texts."""
    token = httpx.post(f"{gateway}/widget/session").json()["token"]
    replies = httpx.post(
        f"{gateway}/widget/messages",
        json={"text": "how much does it cost?"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ).json()["replies"]
    return [reply["text"] for reply in replies]


def start(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    """Run the command as a user would, and read its output until it says it is running."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        if "Press Ctrl-C to stop." in line:
            break
    return process, output


def test_make_run_starts_everything_and_ctrl_c_stops_it(model, fake_telegram, tmp_path):
    run_dir = tmp_path / "run"
    env = run_env(
        run_dir,
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        TELEGRAM_TOKEN="456:POLL",
        TELEGRAM_API_URL=fake_telegram.base_url,
    )
    gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    process, output = start(["make", "--no-print-directory", "run"], env)
    try:
        text = "".join(output)
        assert "mesobot is running" in text, text
        assert f"http://localhost:{env['GATEWAY_PORT']}/" in text

        health = httpx.get(f"{gateway}/readyz", timeout=10).json()
        assert health["telegram"] == "polling"
        assert (health["rasa"], health["actions"], health["failed_messages"]) == (True, True, 0)

        assert any("$250" in text for text in ask_the_cost(gateway))

        fake_telegram.updates.append(text_update(777001, 31337, "does it hurt?"))
        sent = fake_telegram.sent_to(31337, count=2, timeout=60)  # disclaimer, answer
        assert any("painful" in call["text"] for call in sent)

        assert processes_with(str(run_dir))
    finally:
        os.killpg(process.pid, signal.SIGINT)
        rest, _ = process.communicate(timeout=90)
        output.append(rest)
    assert "Stopped." in "".join(output)
    deadline = time.monotonic() + 10
    while processes_with(str(run_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with(str(run_dir)) == [], "processes left behind after Ctrl-C"


def test_make_run_prod_starts_two_rasa_processes_on_postgres_and_redis(model, tmp_path):
    redis_or_skip()
    database_url = postgres_or_skip()
    drop_postgres(database_url)  # `make run-prod` creates the database it is given
    run_dir = tmp_path / "run"
    env = run_env(
        run_dir, DATABASE_URL=database_url, REDIS_URL=REDIS_URL, RASA_PORT=str(free_port(2))
    )
    gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    process, output = start(["make", "--no-print-directory", "run-prod"], env)
    try:
        assert "mesobot is running" in "".join(output), "".join(output)
        ready = httpx.get(f"{gateway}/readyz", timeout=10).json()
        assert ready["ready"] is True
        assert ready["rasa_processes"] == {"up": 2, "of": 2}
        rendered = (run_dir / f"endpoints-{env['RASA_PORT']}.yml").read_text()
        assert "lock_store" in rendered and "postgresql" in rendered
        assert any("$250" in text for text in ask_the_cost(gateway))
    finally:
        os.killpg(process.pid, signal.SIGINT)
        rest, _ = process.communicate(timeout=90)
        output.append(rest)
        drop_postgres(database_url)
    assert "Stopped." in "".join(output)
