"""Processes killed mid-conversation: the action server, Rasa and the gateway, each SIGKILLed.

Rasa's Redis lock store is configured and Redis is down throughout, so the conversation is also
answered while Redis is down.

A private stack (its own SQLite and ports), so killing its processes disturbs no other test.
The patient talks through the widget over real HTTP the whole time.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from bot.content import load_content
from bot.ops.environment import child_env
from bot.ops.launcher import Service, Stack
from bot.store.db import session_factory
from bot.store.migrate import upgrade
from bot.store.models import Escalation, Trigger
from tests.conftest import free_port, settings_for


@pytest.fixture(scope="module")
def stack(model, tmp_path_factory) -> Iterator[Stack]:
    run_dir = tmp_path_factory.mktemp("stack-restarts")
    # Rasa's Redis lock store configured, and Redis down the whole time: Rasa locks each
    # conversation in its own memory instead (bot/nlu/lock_store.py).
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    settings = settings_for(f"sqlite:///{run_dir / 'mesobot.db'}", run_dir, REDIS_URL=dead_redis)
    upgrade(settings.database_url)
    with Stack.for_clinic(settings, model) as running:
        yield running


def service(stack: Stack, name: str) -> Service:
    return next(s for s in stack.services if s.name == name)


def kill(stack: Stack, name: str) -> None:
    """SIGKILL the process group: no chance to finish anything."""
    process = service(stack, name).process
    assert process is not None
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def restart(stack: Stack, *names: str, timeout: float = 240) -> None:
    for name in names:
        service(stack, name).start(stack.settings.root, child_env(stack.settings))
    deadline = time.monotonic() + timeout
    for name in names:
        while not service(stack, name).healthy():
            assert time.monotonic() < deadline, service(stack, name).log_tail()
            time.sleep(0.5)


def say(client: httpx.Client, token: str, text: str) -> httpx.Response:
    return client.post(
        "/widget/messages", headers={"Authorization": f"Bearer {token}"}, json={"text": text}
    )


def texts(response: httpx.Response) -> str:
    return " ".join(reply["text"] for reply in response.json()["replies"])


def wait_for_bot_line(client: httpx.Client, token: str, words: str, timeout: float = 240) -> None:
    """Until the transcript has a bot line with these words (the inbox retries with backoff)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get("/widget/history", headers={"Authorization": f"Bearer {token}"})
        if response.status_code == 200 and any(
            line["from"] == "bot" and words in line["text"].lower()
            for line in response.json()["messages"]
        ):
            return
        time.sleep(1)
    raise AssertionError(f"no bot line with {words!r} after {timeout:.0f}s")


def test_a_conversation_survives_each_process_being_killed(stack: Stack) -> None:
    settings = stack.settings
    texts_of = load_content(settings).channel_texts
    db = session_factory(settings.database_url)
    with httpx.Client(base_url=f"http://127.0.0.1:{settings.gateway_port}", timeout=60) as client:
        token = client.post("/widget/session").json()["token"]
        first = say(client, token, "I'm 5 months pregnant, can I still have mesotherapy?")
        assert "call you back" in texts(first).lower()

        # The action server dies: a holding reply, and the turn is handed to staff.
        kill(stack, "action server")
        held = say(client, token, "how much does a session cost?")
        assert held.status_code == 200
        assert texts(held) == texts_of["held"]
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "the action server does not answer" in ready.json()["reasons"]
        with db() as session:
            kinds = session.execute(select(Trigger.kind).order_by(Trigger.id)).scalars().all()
        assert kinds == ["contraindication", "bot_failed"]

        # Back up: the conversation goes on where it was (the callback offer still stands).
        restart(stack, "action server")
        assert "name" in texts(say(client, token, "yes please call me")).lower()

        # Rasa dies, then the gateway too while the patient's answer waits for Rasa.
        kill(stack, "rasa")
        delayed = say(client, token, "Anna Smith")
        assert delayed.status_code == 202 and delayed.json()["delayed"] is True
        kill(stack, "gateway")
        restart(stack, "rasa", "gateway")
        wait_for_bot_line(client, token, "phone number")

        # The same widget session, the same conversation, to the end of the callback.
        assert "time" in texts(say(client, token, "+1 555 123 4567")).lower()
        saved = say(client, token, "weekday mornings")
        assert "+15551234567" in texts(saved)
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["redis"] == "down"

    with db() as session:
        escalations = session.execute(select(Escalation)).scalars().all()
    assert len(escalations) == 1, "one conversation, one escalation: nothing lost or doubled"
    assert escalations[0].callback_phone == "+15551234567"
    assert escalations[0].callback_name == "Anna Smith"
