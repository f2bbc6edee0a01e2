"""The database gone for a few seconds: writes retry; nothing is lost or doubled.

A private stack on PostgreSQL reached through a TCP proxy (tests/faults.py) that refuses and
cuts every connection for 3 s while a patient discloses a contraindication. The gateway's inbox,
Rasa's tracker store and the action server's escalation write all meet the outage.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.ops.launcher import Stack
from bot.store.db import session_factory
from bot.store.migrate import upgrade
from bot.store.models import Escalation, Trigger
from tests.conftest import drop_postgres, postgres_or_skip, settings_for
from tests.faults import Proxy

pytestmark = pytest.mark.postgres
OUTAGE_SECONDS = 3.0


@pytest.fixture(scope="module")
def outage(model, tmp_path_factory) -> Iterator[tuple[Stack, Proxy, str]]:
    database_url = postgres_or_skip()
    upgrade(database_url)
    port = make_url(database_url).port or 5432
    proxy = Proxy(port).start()
    proxied = make_url(database_url).set(port=proxy.port).render_as_string(hide_password=False)
    run_dir = tmp_path_factory.mktemp("stack-outage")
    try:
        with Stack.for_clinic(settings_for(proxied, run_dir), model) as running:
            yield running, proxy, database_url
    finally:
        proxy.stop()
        drop_postgres(database_url)


def test_a_short_database_outage_loses_and_doubles_nothing(outage):
    stack, proxy, database_url = outage
    gateway = f"http://127.0.0.1:{stack.settings.gateway_port}"
    with httpx.Client(base_url=gateway, timeout=120) as client:
        token = client.post("/widget/session").json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        first = client.post("/widget/messages", headers=headers, json={"text": "hi"})
        assert first.status_code == 200

        proxy.down()
        threading.Timer(OUTAGE_SECONDS, proxy.up).start()
        text = "I'm 5 months pregnant, can I still have mesotherapy?"
        answer = client.post("/widget/messages", headers=headers, json={"text": text})
        assert answer.status_code == 200, answer.text
        replies = " ".join(reply["text"] for reply in answer.json()["replies"]).lower()
        assert "call you back" in replies  # said only once the escalation was written

        lines = client.get("/widget/history", headers=headers).json()["messages"]
    assert [line["text"] for line in lines if line["from"] == "patient"] == ["hi", text]
    db = session_factory(database_url)
    with db() as session:
        escalations = session.execute(select(func.count(Escalation.id))).scalar_one()
        triggers = session.execute(select(Trigger.kind)).scalars().all()
    assert escalations == 1 and triggers == ["contraindication"]
    assert proxy.connections > 0
