"""Escalation storage on SQLite and PostgreSQL: one open escalation, each message once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, inspect, select

from bot.store.db import make_engine, session_factory
from bot.store.escalations import Flag, open_escalations, record_flag, save_callback
from bot.store.migrate import alembic_config, upgrade
from bot.store.models import Escalation, Trigger
from tests.conftest import drop_postgres, new_sender, postgres_or_skip


@pytest.fixture(scope="module")
def store_postgres_url():
    """A database of its own: these tests migrate down and up."""
    url = postgres_or_skip()
    yield url
    session_factory(url).kw["bind"].dispose()
    drop_postgres(url)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("store_postgres_url")
    upgrade(url)
    return url


@pytest.fixture
def sessions(database_url):
    return session_factory(database_url)


def flag(conversation: str, message_id: str, **overrides) -> Flag:
    values = dict(
        conversation_id=conversation,
        channel="rest",
        kind="contraindication",
        severity="high",
        message_id=message_id,
        text="I take Eliquis",
        categories=["anticoagulants"],
        matched=[{"entity": "contraindication", "value": "anticoagulants", "start": 7, "end": 14}],
    )
    values.update(overrides)
    return Flag(**values)


def counts(sessions, conversation: str) -> tuple[int, int]:
    with sessions() as session:
        escalations = session.execute(
            select(func.count())
            .select_from(Escalation)
            .where(Escalation.conversation_id == conversation)
        ).scalar_one()
        triggers = session.execute(
            select(func.count()).select_from(Trigger).where(Trigger.conversation_id == conversation)
        ).scalar_one()
    return escalations, triggers


def test_a_flag_opens_an_escalation_with_everything_staff_need(sessions):
    conversation = new_sender()
    recorded = record_flag(sessions, flag(conversation, "m1"))
    assert recorded.new_message
    with sessions() as session:
        escalation = session.get(Escalation, recorded.escalation_id)
    assert escalation.status == "open"
    assert (escalation.kind, escalation.severity, escalation.channel) == (
        "contraindication",
        "high",
        "rest",
    )
    assert escalation.categories == ["anticoagulants"]
    assert escalation.message == "I take Eliquis"
    assert escalation.matched[0]["start"] == 7
    assert escalation.created_at is not None


def test_the_same_message_is_never_recorded_twice(sessions):
    conversation = new_sender()
    first = record_flag(sessions, flag(conversation, "m1"))
    again = record_flag(sessions, flag(conversation, "m1"))
    assert again == type(first)(first.escalation_id, new_message=False)
    assert counts(sessions, conversation) == (1, 1)


def test_a_second_flag_updates_the_open_escalation(sessions):
    conversation = new_sender()
    record_flag(sessions, flag(conversation, "m1"))
    record_flag(
        sessions,
        flag(
            conversation,
            "m2",
            kind="red_flag",
            severity="urgent",
            categories=["fever"],
            text="fever now",
        ),
    )
    record_flag(
        sessions, flag(conversation, "m3", kind="human_requested", severity="normal", categories=[])
    )
    assert counts(sessions, conversation) == (1, 3)
    with sessions() as session:
        escalation = session.execute(
            select(Escalation).where(Escalation.conversation_id == conversation)
        ).scalar_one()
    assert (escalation.kind, escalation.severity) == ("red_flag", "urgent")
    assert escalation.categories == ["anticoagulants", "fever"]


def test_concurrent_flags_for_one_conversation_make_one_escalation(sessions):
    conversation = new_sender()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: record_flag(sessions, flag(conversation, f"m{i}")), range(8)))
    assert counts(sessions, conversation) == (1, 8)


def test_callback_details_land_on_the_open_escalation(sessions):
    conversation = new_sender()
    record_flag(sessions, flag(conversation, "m1"))
    save_callback(sessions, conversation, "rest", "Anna", "+15551234567", "mornings")
    assert counts(sessions, conversation) == (1, 1)
    with sessions() as session:
        escalation = session.execute(
            select(Escalation).where(Escalation.conversation_id == conversation)
        ).scalar_one()
    assert (escalation.callback_name, escalation.callback_phone, escalation.callback_time) == (
        "Anna",
        "+15551234567",
        "mornings",
    )


def test_open_escalations_are_urgent_first(sessions):
    calm, urgent = new_sender(), new_sender()
    record_flag(sessions, flag(calm, "m1"))
    record_flag(sessions, flag(urgent, "m1", kind="red_flag", severity="urgent"))
    ids = [
        e.conversation_id for e in open_escalations(sessions) if e.conversation_id in (calm, urgent)
    ]
    assert ids == [urgent, calm]


def test_migrations_go_down_and_up_again(database_url):
    from alembic import command

    config = alembic_config(database_url)
    command.downgrade(config, "base")
    engine = make_engine(database_url)
    assert "escalations" not in inspect(engine).get_table_names()
    command.upgrade(config, "head")
    assert {"escalations", "escalation_triggers"} <= set(inspect(engine).get_table_names())
    engine.dispose()
