"""Scale-out: two Rasa processes on a shared PostgreSQL tracker store and a Redis lock store.

200 patients talk at once through the gateway's widget endpoint, 10 turns each; every one gets
every reply, in order, in their own conversation, and each tracker holds exactly the turns its
patient sent. Then one Rasa process is SIGKILLed mid-conversation: its conversations go on on
the other one, with their history, and nothing is lost or doubled.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import psutil  # type: ignore[import-untyped]
import pytest
from sqlalchemy import create_engine, text

from bot.gateway.rasa_client import ranked
from bot.ops.environment import child_env
from bot.ops.launcher import Service, Stack
from bot.store.migrate import upgrade
from tests.conftest import (
    REDIS_URL,
    drop_postgres,
    free_port,
    postgres_or_skip,
    redis_or_skip,
    settings_for,
)

pytestmark = pytest.mark.postgres

QUESTIONS = (
    "hi",
    "how much does a session cost?",
    "does it hurt?",
    "how many sessions will I need?",
    "can I wash my hair after?",
    "when will I see results?",
    "are there any side effects?",
    "how long does a session take?",
    "can I dye my hair afterwards?",
    "thanks, bye",
)


@pytest.fixture(scope="module")
def stack(model, tmp_path_factory) -> Iterator[Stack]:
    redis_or_skip()
    database_url = postgres_or_skip()
    run_dir = tmp_path_factory.mktemp("stack-scale-out")
    settings = settings_for(
        database_url,
        run_dir,
        RASA_PORT=str(free_port(2)),
        RASA_REPLICAS="2",
        REDIS_URL=REDIS_URL,
    )
    upgrade(settings.database_url)
    try:
        with Stack.for_clinic(settings, model) as running:
            yield running
    finally:
        drop_postgres(database_url)


@dataclass
class Patient:
    """One widget conversation: what was sent and the replies that came back."""

    index: int
    token: str = ""
    sent: list[str] = field(default_factory=list)
    replies: list[list[str]] = field(default_factory=list)

    @property
    def questions(self) -> list[str]:
        """Each patient asks the same ten questions, starting at a different one."""
        return [QUESTIONS[(self.index + turn) % len(QUESTIONS)] for turn in range(10)]


async def history(client: httpx.AsyncClient, token: str) -> list[dict[str, str]]:
    response = await client.get("/widget/history", headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    messages: list[dict[str, str]] = response.json()["messages"]
    return messages


def turns_of(lines: list[dict[str, str]]) -> list[tuple[str, list[str]]]:
    """The transcript as (patient text, bot texts after it) pairs."""
    turns: list[tuple[str, list[str]]] = []
    for line in lines:
        if line["from"] == "patient":
            turns.append((line["text"], []))
        elif turns:
            turns[-1][1].append(line["text"])
    return turns


async def late_replies(client: httpx.AsyncClient, patient: Patient, turn: int) -> list[str]:
    """A delayed turn's replies, once the gateway delivered them (as the widget shows them)."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            turns = turns_of(await history(client, patient.token))
        except httpx.HTTPStatusError as busy:
            # The widget asks again too: a 503 while a process is failing over loses nothing.
            assert busy.response.status_code == 503, busy
            turns = []
        if len(turns) > turn and turns[turn][1]:
            return turns[turn][1]
        await asyncio.sleep(1)
    raise AssertionError(f"patient {patient.index}: no reply to turn {turn}")


async def talk(
    client: httpx.AsyncClient, patient: Patient, turns: range, between: float = 0
) -> None:
    """Send the patient's turns one after another, as a person waits for each answer."""
    headers = {"Authorization": f"Bearer {patient.token}"}
    for turn in turns:
        text = patient.questions[turn]
        response = await client.post("/widget/messages", headers=headers, json={"text": text})
        assert response.status_code in (200, 202), response.text
        patient.sent.append(text)
        if response.status_code == 200:
            patient.replies.append([reply["text"] for reply in response.json()["replies"]])
        else:  # Rasa was busy or restarting: the reply arrives later, never dropped
            patient.replies.append(await late_replies(client, patient, turn))
        await asyncio.sleep(between)


async def open_sessions(client: httpx.AsyncClient, patients: list[Patient]) -> None:
    for patient in patients:
        response = await client.post("/widget/session")
        assert response.status_code == 201
        patient.token = response.json()["token"]


async def check_transcripts(client: httpx.AsyncClient, patients: list[Patient]) -> None:
    """Each tracker holds exactly the patient's turns, in order, with the replies they got."""
    for patient in patients:
        turns = turns_of(await history(client, patient.token))
        assert [text for text, _ in turns] == patient.sent, f"patient {patient.index}"
        assert [replies for _, replies in turns] == patient.replies, f"patient {patient.index}"
        assert all(patient.replies), f"patient {patient.index} had a turn without a reply"


def client_for(stack: Stack) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=250, max_keepalive_connections=250)
    return httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{stack.settings.gateway_port}", timeout=120, limits=limits
    )


def test_200_patients_at_once_each_get_every_reply_in_their_own_conversation(stack: Stack):
    async def run() -> list[Patient]:
        patients = [Patient(index) for index in range(200)]
        async with client_for(stack) as client:
            await open_sessions(client, patients)
            await asyncio.gather(*(talk(client, p, range(10)) for p in patients))
            await check_transcripts(client, patients)
        return patients

    before = {name: cpu_seconds(stack, name) for name in ("rasa", "rasa-2")}
    patients = asyncio.run(run())
    assert sum(len(p.sent) for p in patients) == 2000
    # Both processes served: each spent real work on its share of the conversations.
    for name, seconds in before.items():
        assert cpu_seconds(stack, name) - seconds > 5, f"{name} did not take its share"


def cpu_seconds(stack: Stack, name: str) -> float:
    process = service(stack, name).process
    assert process is not None
    times = psutil.Process(process.pid).cpu_times()
    return float(times.user + times.system)


def test_each_conversation_has_one_rasa_process_and_moves_only_when_it_is_gone():
    urls = ("http://a:1", "http://a:2", "http://a:3")
    owners = {str(i): ranked(str(i), urls)[0] for i in range(3000)}
    shares = [list(owners.values()).count(url) / 3000 for url in urls]
    assert all(0.28 < share < 0.39 for share in shares)
    # Without the third process, only its conversations move, and each to its second choice.
    for conversation, owner in owners.items():
        now = ranked(conversation, urls[:2])[0]
        if owner != urls[2]:
            assert now == owner
        else:
            assert now == ranked(conversation, urls)[1]


def service(stack: Stack, name: str) -> Service:
    return next(s for s in stack.services if s.name == name)


def test_a_rasa_process_killed_mid_conversation_loses_nothing(stack: Stack):
    second = service(stack, "rasa-2")
    patients = [Patient(index) for index in range(20)]

    async def until_killed() -> None:
        async with client_for(stack) as client:
            await open_sessions(client, patients)
            await asyncio.gather(*(talk(client, p, range(3)) for p in patients))

            async def kill_soon() -> None:
                await asyncio.sleep(1)
                assert second.process is not None
                os.killpg(second.process.pid, signal.SIGKILL)

            await asyncio.gather(
                kill_soon(), *(talk(client, p, range(3, 7), between=0.3) for p in patients)
            )
            ready = (await client.get("/readyz")).json()
            assert ready["rasa_processes"] == {"up": 1, "of": 2}
            assert ready["ready"] is True  # one process still answers every conversation
            await check_transcripts(client, patients)

    asyncio.run(until_killed())

    # Back: it takes its conversations again, and they go on with their history.
    second.start(stack.settings.root, child_env(stack.settings))
    deadline = time.monotonic() + 240
    while not second.healthy():
        assert time.monotonic() < deadline, second.log_tail()
        time.sleep(0.5)

    async def after_restart() -> None:
        async with client_for(stack) as client:
            await asyncio.gather(*(talk(client, p, range(7, 10)) for p in patients))
            await check_transcripts(client, patients)
            assert (await client.get("/readyz")).json()["rasa_processes"] == {"up": 2, "of": 2}

    asyncio.run(after_restart())


FAIL_EVENT_INSERTS = """
CREATE FUNCTION mesobot_test_fail() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'injected tracker store failure'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER mesobot_test_fail BEFORE INSERT ON events
FOR EACH ROW EXECUTE FUNCTION mesobot_test_fail();
"""
HEAL = "DROP TRIGGER mesobot_test_fail ON events; DROP FUNCTION mesobot_test_fail();"


def test_a_failed_tracker_store_write_keeps_the_turn_and_is_reported(stack: Stack):
    """Rasa 3.6 alone answers 200 and forgets the turn; here it is kept, retried, reported.

    A trigger makes every insert into Rasa's events table fail until it is dropped.
    """
    engine = create_engine(stack.settings.database_url, isolation_level="AUTOCOMMIT")
    patient = Patient(3)

    async def run() -> None:
        async with client_for(stack) as client:
            await open_sessions(client, [patient])
            await talk(client, patient, range(1))
            with engine.connect() as connection:
                connection.execute(text(FAIL_EVENT_INSERTS))
            try:
                headers = {"Authorization": f"Bearer {patient.token}"}
                text_ = patient.questions[1]
                response = await client.post(
                    "/widget/messages", headers=headers, json={"text": text_}
                )
                assert response.status_code == 202, response.text  # delayed, not lost
                patient.sent.append(text_)
                ready = await client.get("/readyz")
                assert ready.status_code == 503
                assert ready.json()["tracker_store_failures"] >= 1
                assert any("tracker store" in r for r in ready.json()["reasons"])
            finally:
                with engine.connect() as connection:
                    connection.execute(text(HEAL))
            patient.replies.append(await late_replies(client, patient, 1))
            await talk(client, patient, range(2, 3))
            await check_transcripts(client, [patient])
            scraped = (await client.get("/metrics")).text
            failures = [
                line for line in scraped.splitlines() if line.startswith("mesobot_tracker_store_")
            ]
            assert failures and float(failures[0].split()[-1]) >= 1

    asyncio.run(run())
    engine.dispose()
