"""Faults between real processes: Rasa unreachable or too slow behind a proxy (tests/faults.py).

The gateway stores every message first, tells the patient once that the answer is delayed,
and answers when Rasa is back: nothing is dropped, nothing is answered twice.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import WEBHOOK_SECRET, Bot, telegram_gateway_for
from tests.fake_telegram import FakeTelegram, text_update
from tests.faults import Proxy

_ids = itertools.count(500_000)
_chats = itertools.count(700_001)
DELAYED = "my reply is delayed"


@pytest.fixture(scope="module")
def proxy(bot: Bot) -> Iterator[Proxy]:
    server = Proxy(bot.settings.rasa_port).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway(bot: Bot, proxy: Proxy, fake_telegram: FakeTelegram, tmp_path_factory) -> Iterator[str]:
    """A gateway that reaches Rasa only through the proxy, and gives up on an answer after 3 s."""
    yield from telegram_gateway_for(
        bot,
        fake_telegram,
        tmp_path_factory.mktemp("faults-gateway"),
        RASA_PORT=str(proxy.port),
        RASA_TIMEOUT_SECONDS="3",
    )


@pytest.fixture
def web(gateway: str, proxy: Proxy) -> Iterator[httpx.Client]:
    proxy.up()
    with httpx.Client(base_url=gateway, timeout=60) as client:
        yield client
    proxy.up()


def widget_session(web: httpx.Client) -> dict[str, str]:
    return {"Authorization": "Bearer " + web.post("/widget/session").json()["token"]}


def live_lines(web: httpx.Client, headers: dict[str, str], count: int, timeout: float = 60):
    """The next `count` messages of the conversation's event stream."""
    ticket = web.post("/widget/events/ticket", headers=headers).json()["ticket"]
    found = []
    deadline = time.monotonic() + timeout
    with web.stream("GET", "/widget/events", params={"ticket": ticket}, timeout=timeout) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                found.append(json.loads(line[6:]))
            if len(found) >= count or time.monotonic() > deadline:
                return found
    return found


def patient_turns(bot: Bot, sender: str) -> list[str]:
    events = bot.client.get(f"/conversations/{sender}/tracker").json()["events"]
    return [event["text"] for event in events if event["event"] == "user"]


def test_widget_rasa_down_delayed_once_then_answered_live(web, proxy, bot):
    headers = widget_session(web)
    proxy.down()
    response = web.post("/widget/messages", json={"text": "does it hurt?"}, headers=headers)
    assert response.status_code == 202
    assert DELAYED in response.json()["replies"][0]["text"]
    history = web.get("/widget/history", headers=headers)
    assert history.status_code == 503  # the transcript lives in Rasa
    proxy.up()
    lines = live_lines(web, headers, 2)  # the disclaimer and the answer
    assert any("painful" in line["text"] for line in lines)
    messages = web.get("/widget/history", headers=headers).json()["messages"]
    assert [m["text"] for m in messages if m["from"] == "patient"] == ["does it hurt?"]


def test_widget_rasa_too_slow_the_turn_is_kept_and_not_repeated(web, proxy, bot):
    headers = widget_session(web)
    proxy.stall(6)
    response = web.post(
        "/widget/messages", json={"text": "how much does a session cost?"}, headers=headers
    )
    assert response.status_code == 202
    lines = live_lines(web, headers, 2)
    assert any("$250" in line["text"] for line in lines)
    messages = web.get("/widget/history", headers=headers).json()["messages"]
    assert [m["text"] for m in messages if m["from"] == "patient"] == [
        "how much does a session cost?"
    ]


def test_telegram_rasa_down_told_once_then_answered_in_order(gateway, proxy, fake_telegram):
    chat = next(_chats)
    proxy.down()
    with httpx.Client(base_url=gateway, timeout=30) as hook:
        for question in ("does it hurt?", "how much does a session cost?"):
            update = text_update(next(_ids), chat, question)
            headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            assert hook.post("/telegram/webhook", json=update, headers=headers).status_code == 200
    (notice,) = fake_telegram.sent_to(chat, 1)
    assert DELAYED in notice["text"]
    time.sleep(3)
    proxy.up()
    texts = [call["text"] for call in fake_telegram.sent_to(chat, 4, timeout=90)]
    assert sum(DELAYED in t for t in texts) == 1
    facts = [fact for t in texts for fact in ("painful", "$250") if fact in t]
    assert facts == ["painful", "$250"]
