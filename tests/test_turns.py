"""A message Rasa keeps failing on (HTTP 500 from a Rasa that is up) does not block its
conversation forever: after a few minutes of tries it goes to staff with the holding reply.

A real HTTP server on localhost stands in for a Rasa process that answers every request with
500; a real SQLite database holds the escalation.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from bot.gateway.metrics import Metrics
from bot.gateway.rasa_client import RasaClient, RasaFailed, RasaUnavailable, ranked
from bot.gateway.turns import SERVER_ERRORS_BEFORE_STAFF, Turns
from bot.ops.launcher import free_port
from bot.store.db import session_factory
from bot.store.inbox import Message
from bot.store.migrate import upgrade
from bot.store.models import Escalation

TEXTS = {"held": "passed to the team", "unanswered": "please call the clinic"}


class AlwaysFails(BaseHTTPRequestHandler):
    """Every request gets a 500, as from a Rasa whose turn keeps raising."""

    def _fail(self) -> None:
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "failure"}')

    do_GET = do_POST = _fail

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def failing_rasa() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), AlwaysFails)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'mesobot.db'}"
    upgrade(url)
    return session_factory(url)


def message(attempts: int) -> Message:
    body = {"text": "my scalp is bleeding and it won't stop"}
    now = datetime.now(timezone.utc)
    return Message(7, "web", "web-poison", "text", body, attempts, 0, now)


def ask(rasa_url: str, db, attempts: int):
    async def run():
        rasa = RasaClient(rasa_url, auth=dict)
        return await Turns(rasa, db, TEXTS, Metrics()).ask(message(attempts), "hello")

    return asyncio.run(run())


def escalations(db) -> list[Escalation]:
    with db() as session:
        return list(session.execute(select(Escalation)).scalars())


def test_a_server_error_is_retried_at_first(failing_rasa, db):
    with pytest.raises(RasaFailed):
        ask(failing_rasa, db, attempts=0)
    assert escalations(db) == []


def test_after_the_last_try_staff_get_it_and_the_patient_the_holding_reply(failing_rasa, db):
    replies = ask(failing_rasa, db, attempts=SERVER_ERRORS_BEFORE_STAFF - 1)
    assert [reply.text for reply in replies] == ["passed to the team"]
    (escalation,) = escalations(db)
    assert escalation.kind == "bot_failed"
    assert escalation.message == "my scalp is bleeding and it won't stop"


def test_when_staff_cannot_be_told_the_message_is_kept(failing_rasa, tmp_path):
    db = session_factory(f"sqlite:///{tmp_path / 'no-tables.db'}")  # every write fails
    with pytest.raises(RasaUnavailable):
        ask(failing_rasa, db, attempts=SERVER_ERRORS_BEFORE_STAFF + 3)


def test_a_rasa_that_is_down_is_not_a_server_error(db):
    async def run():
        rasa = RasaClient(f"http://127.0.0.1:{free_port()}", auth=dict)
        await Turns(rasa, db, TEXTS, Metrics()).ask(message(50), "hello")

    with pytest.raises(RasaUnavailable) as raised:
        asyncio.run(run())
    assert not isinstance(raised.value, RasaFailed), "waited for, however long"
    assert escalations(db) == []


class HangsUp(BaseHTTPRequestHandler):
    """Reads the request, then drops the connection: a Rasa killed mid-request."""

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.shutdown(2)

    do_GET = do_POST = _drop

    def log_message(self, *args: object) -> None:
        """Quiet."""


class Answers(BaseHTTPRequestHandler):
    """A Rasa that is up: an empty tracker, no replies."""

    def _answer(self) -> None:
        body = b'{"events": []}' if self.command == "GET" else b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        """Quiet."""


def serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_read_that_breaks_off_is_asked_of_the_next_process_and_a_turn_is_not():
    broken, healthy = serve(HangsUp), serve(Answers)
    urls = [f"http://127.0.0.1:{s.server_port}" for s in (broken, healthy)]
    sender = next(f"web-{n}" for n in range(100) if ranked(f"web-{n}", urls)[0] == urls[0])

    async def run() -> None:
        rasa = RasaClient(urls, auth=dict)
        assert await rasa.transcript(sender) == []  # from the healthy one
        with pytest.raises(RasaUnavailable):
            await rasa.send(sender, "hi", "web", message_id="gw-1")

    try:
        asyncio.run(run())
    finally:
        for server in (broken, healthy):
            server.shutdown()
            server.server_close()
