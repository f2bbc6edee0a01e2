"""`make run` as a user runs it: everything healthy, a message through each channel, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx

from bot.settings import ROOT
from tests.conftest import free_port, processes_with
from tests.fake_telegram import text_update


def test_make_run_starts_everything_and_ctrl_c_stops_it(model, fake_telegram, tmp_path):
    run_dir = tmp_path / "run"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "MESOBOT_RUN_DIR": str(run_dir),
        "RASA_PORT": str(free_port()),
        "ACTION_SERVER_PORT": str(free_port()),
        "GATEWAY_PORT": str(free_port()),
        "TELEGRAM_TOKEN": "456:POLL",
        "TELEGRAM_API_URL": fake_telegram.base_url,
    }
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        text = "".join(output)
        assert "mesobot is running" in text, text
        assert f"http://localhost:{env['GATEWAY_PORT']}/" in text

        health = httpx.get(f"{gateway}/healthz", timeout=10).json()
        assert health["telegram"] == "polling"
        assert (health["rasa"], health["actions"], health["failed_messages"]) == (True, True, 0)

        token = httpx.post(f"{gateway}/widget/session").json()["token"]
        replies = httpx.post(
            f"{gateway}/widget/messages",
            json={"text": "how much does it cost?"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ).json()["replies"]
        assert any("$250" in r["text"] for r in replies)

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
