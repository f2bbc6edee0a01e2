"""Hypothesis over the gateway's public endpoints, on the running stack: random text, bytes,
deep and huge JSON, unicode edge cases. No input may get a 5xx, crash a process or make the
gateway's memory grow without bound."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import httpx
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPORT, WEBHOOK_SECRET, processes_with

TRIED: dict[str, int] = {"widget": 0, "widget-text": 0, "telegram": 0}
FUZZ = settings(
    deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
bodies = st.one_of(
    st.binary(max_size=2000),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.text(max_size=200).map(lambda t: json.dumps({"text": t}).encode()),
    st.integers(1, 30_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1000, 6000).map(lambda n: b'{"text": ' + b"7" * n + b"}"),
    st.sampled_from([b'{"text": "\\ud800"}', b'{"text": "\\udfff x"}', b'{"button": null}']),
)
# What patients might type: any unicode, control and format characters, emoji, RTL marks.
patient_text = st.text(
    st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300
).filter(lambda t: t.strip())


@pytest.fixture(scope="module")
def web(bot):
    with httpx.Client(base_url=bot.gateway, timeout=90) as client:
        yield client


@pytest.fixture(scope="module")
def gateway_memory(bot):
    marker = f"MESOBOT_RUN_DIR={bot.settings.run_dir}\x00".encode()
    (pid,) = [
        pid
        for pid in processes_with(str(bot.settings.run_dir))
        if b"gateway_server" in Path(f"/proc/{pid}/cmdline").read_bytes()
        and marker in Path(f"/proc/{pid}/environ").read_bytes()
    ]
    process = psutil.Process(pid)
    before = process.memory_info().rss
    yield process
    grown = (process.memory_info().rss - before) / 2**20
    REPORT.append(
        f"fuzz: {TRIED['widget']} widget bodies, {TRIED['widget-text']} widget messages through "
        f"Rasa, {TRIED['telegram']} Telegram updates: no 5xx; gateway memory grew {grown:.1f} MiB"
    )
    assert grown < 100, f"gateway memory grew {grown:.0f} MiB"


def session(web) -> dict[str, str]:
    return {"Authorization": "Bearer " + web.post("/widget/session").json()["token"]}


@FUZZ
@given(body=bodies, content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_widget_messages_never_answer_5xx(web, gateway_memory, body, content_type):
    response = web.post(
        "/widget/messages", content=body, headers={**session(web), "Content-Type": content_type}
    )
    TRIED["widget"] += 1
    assert response.status_code < 500, (body[:200], response.text[:300])
    assert response.json()


@settings(FUZZ, max_examples=60)
@given(text=patient_text)
def test_any_patient_text_gets_an_answer(web, gateway_memory, text):
    response = web.post("/widget/messages", json={"text": text}, headers=session(web))
    TRIED["widget-text"] += 1
    assert response.status_code in (200, 202), response.text[:300]
    assert response.json()["replies"]


@FUZZ
@given(
    path=st.sampled_from(["/widget/history", "/widget/events", "/widget/config", "/readyz"]),
    token=st.text(max_size=300),
)
def test_reading_endpoints_never_answer_5xx(web, gateway_memory, path, token):
    # What an HTTP header can carry: printable ASCII, no surrounding spaces.
    sendable = token.isascii() and token.isprintable() and token == token.strip() != ""
    headers = {"Authorization": f"Bearer {token}"} if sendable else {}
    response = web.get(path, headers=headers, params={"ticket": token})
    TRIED["widget"] += 1
    assert response.status_code < 500 or path == "/readyz"


_updates = itertools.count(9_000_000)
telegram_payloads = st.one_of(
    bodies,
    st.builds(
        lambda text, chat: json.dumps(
            {
                "update_id": next(_updates),
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": chat, "type": "private"},
                    "text": text,
                },
            }
        ).encode(),
        patient_text,
        st.integers(10_000_000, 10_000_050),
    ),
    json_values.map(lambda v: json.dumps({"update_id": next(_updates), "message": v}).encode()),
)


@FUZZ
@given(body=telegram_payloads)
def test_the_telegram_webhook_never_answers_5xx(telegram_gateway, gateway_memory, body):
    response = httpx.post(
        f"{telegram_gateway}/telegram/webhook",
        content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        timeout=60,
    )
    TRIED["telegram"] += 1
    assert response.status_code < 500, (body[:200], response.text[:300])


def test_after_the_fuzzing_nothing_is_lost_or_failed(bot, telegram_gateway):
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        health = httpx.get(f"{telegram_gateway}/readyz", timeout=30).json()
        if health["failed_messages"] == 0 and health["failed_writes"] == 0:
            break
        time.sleep(2)
    assert health["failed_messages"] == 0 and health["failed_writes"] == 0
