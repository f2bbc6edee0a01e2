"""What the insight page reads from the tracker store: questions, never the callback form's answers.

Events are written by Rasa's own SQLTrackerStore into a real SQLite file, as the running bot
writes them; bot.store.insight reads them back through its own engine.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Restarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker

from bot.store.db import make_engine
from bot.store.insight import asked_since
from tests.test_tracker_store import started

ROOT = Path(__file__).resolve().parents[1]
# The slot the running bot sets while it asks for callback details (domain.yml).
FORM_SLOT = "callback_step"
DOMAIN = Domain.from_dict(
    {"slots": {FORM_SLOT: {"type": "text", "mappings": [{"type": "custom"}]}}}
)


def said(tracker: DialogueStateTracker, words: str, intent: str = "ask_cost", **slots) -> None:
    """A patient message, then the reply and the slots the action set."""
    tracker.update(UserUttered(words, {"name": intent, "confidence": 0.9}))
    tracker.update(ActionExecuted("action_respond"))
    for name, value in slots.items():
        tracker.update(SlotSet(name, value))
    tracker.update(BotUttered("reply"))
    tracker.update(ActionExecuted("action_listen"))
    time.sleep(0.002)  # distinct timestamps, as real turns have


def store(tmp_path: Path, *trackers: DialogueStateTracker) -> str:
    """Save the trackers as Rasa does; the database URL."""
    db = tmp_path / "rasa.db"
    rasa = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))
    for tracker in trackers:
        asyncio.run(rasa.save(tracker))
    return f"sqlite:///{db}"


def questions(url: str, since: datetime) -> list[str]:
    engine = make_engine(url)
    try:
        return [asked.text for asked in asked_since(sessionmaker(engine, future=True), since)]
    finally:
        engine.dispose()


def test_callback_form_answers_are_not_listed_as_questions(tmp_path):
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    form = started("form", DOMAIN)
    said(form, "I take warfarin, can I have it?", "ask_contraindications")
    said(form, "yes please call me", "affirm", **{FORM_SLOT: "name"})
    said(form, "Anna Smith", "nlu_fallback", **{FORM_SLOT: "phone"})
    said(form, "07700 900123", "nlu_fallback", **{FORM_SLOT: "time"})
    said(form, "tomorrow after 5pm", "nlu_fallback", **{FORM_SLOT: None})
    said(form, "and how much is it?")
    other = started("other", DOMAIN)
    said(other, "does it hurt?", "ask_pain")
    said(other, "/ask_cost", "ask_cost")  # a button: a payload, not typed

    listed = questions(store(tmp_path, form, other), since)

    assert listed == [
        "I take warfarin, can I have it?",
        "yes please call me",
        "and how much is it?",
        "does it hurt?",
    ]
    assert not {"Anna Smith", "07700 900123", "tomorrow after 5pm"} & set(listed)


def test_a_form_left_before_the_period_still_hides_its_answers_and_a_reset_ends_it(tmp_path):
    form = started("form", DOMAIN)
    said(form, "call me back", "request_human", **{FORM_SLOT: "name"})
    since = datetime.now(timezone.utc)
    time.sleep(0.01)
    said(form, "Anna Smith", "nlu_fallback", **{FORM_SLOT: "phone"})
    form.update(Restarted())
    said(form, "is it painful?", "ask_pain")

    listed = questions(store(tmp_path, form), since)

    assert listed == ["is it painful?"], "form set before the period; the restart cleared it"


def test_listed_oldest_first_across_conversations(tmp_path):
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    first, second = started("b-first", DOMAIN), started("a-second", DOMAIN)
    said(first, "one")
    said(second, "two")
    said(first, "three")

    assert questions(store(tmp_path, first, second), since) == ["one", "two", "three"]


def test_no_events_table_means_nothing_asked(tmp_path):
    assert questions(f"sqlite:///{tmp_path / 'empty.db'}", datetime.now(timezone.utc)) == []


def test_the_form_slot_is_the_one_the_bot_sets():
    assert FORM_SLOT in Domain.load(ROOT / "domain.yml").as_dict()["slots"]
