"""Each custom action on a saved tracker: the events it returns and the responses it chooses."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import Tracker
from sqlalchemy import func, select

from actions.callback import ActionSaveCallback
from actions.faq import ActionAnswerFaq, detail_payload
from actions.handoff import ActionBookAppointment, ActionFallback, ActionRequestHuman
from actions.safety import ActionCheckSafety, ActionDeclineCallback, join_phrases
from bot.settings import get_settings
from bot.store.db import session_factory
from bot.store.health import WRITES
from bot.store.migrate import upgrade
from bot.store.models import Escalation, Trigger

TRACKERS = Path(__file__).parent / "trackers"


def load(name: str) -> Tracker:
    return Tracker.from_dict(json.loads((TRACKERS / f"{name}.json").read_text()))


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    yield session_factory(url)
    get_settings.cache_clear()


def run(action, name: str):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, load(name), {}))
    return dispatcher.messages, events


def responses(messages) -> list[str]:
    return [m["response"] for m in messages]


def count(sessions, model) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_first_faq_answer_carries_the_disclaimer_once():
    messages, events = run(ActionAnswerFaq(), "faq_wash_hair_first_turn")
    assert responses(messages) == ["utter_disclaimer", "utter_faq_answer"]
    assert "24 hours" in messages[1]["answer"]
    assert messages[1]["detail_payload"] == detail_payload("ask_wash_hair")
    assert events == [SlotSet("fallback_count", 0), SlotSet("disclaimer_shown", True)]


def test_later_faq_answer_has_no_disclaimer():
    messages, events = run(ActionAnswerFaq(), "faq_wash_hair_later_turn")
    assert responses(messages) == ["utter_faq_answer"]
    assert events == [SlotSet("fallback_count", 0)]


def test_tell_me_more_gives_the_details():
    messages, _ = run(ActionAnswerFaq(), "faq_wash_hair_tell_me_more")
    assert responses(messages) == ["utter_faq_details"]
    assert "dye" in messages[0]["details"]


def test_detail_payload_is_an_intent_with_the_detail_entity():
    assert detail_payload("ask_cost") == '/ask_cost{"faq_detail":"more"}'


def test_contraindication_in_an_faq_question_is_answered_and_escalated(database):
    messages, events = run(ActionCheckSafety(), "cost_with_eliquis")
    # The offer waits for the FAQ answer (see the next test).
    assert responses(messages) == ["utter_safety_contraindication"]
    assert messages[0]["understood"] == "you take a blood thinner"
    assert events == [SlotSet("callback_offered", True)]
    with database() as session:
        escalation = session.execute(select(Escalation)).scalar_one()
    assert escalation.conversation_id == "t-eliquis"
    assert escalation.channel == "telegram"
    assert (escalation.kind, escalation.severity, escalation.status) == (
        "contraindication",
        "high",
        "open",
    )
    assert escalation.categories == ["anticoagulants"]
    assert escalation.message == "I take Eliquis, how much is a session?"
    assert escalation.matched[0]["text"] == "Eliquis"


def test_the_faq_answer_is_followed_by_a_pending_callback_offer():
    messages, _ = run(ActionAnswerFaq(), "faq_cost_after_a_flag")
    assert responses(messages) == ["utter_faq_answer", "utter_safety_offer_callback"]
    assert "$250" in messages[0]["answer"]


def test_the_same_message_is_recorded_once(database):
    run(ActionCheckSafety(), "cost_with_eliquis")
    run(ActionCheckSafety(), "cost_with_eliquis")
    assert count(database, Escalation) == 1
    assert count(database, Trigger) == 1


def test_red_flag_gives_urgent_advice_first(database):
    messages, _ = run(ActionCheckSafety(), "red_flag_pus_and_fever")
    assert responses(messages) == [
        "utter_safety_urgent",
        "utter_safety_red_flag",
        "utter_safety_offer_callback",
    ]
    assert "emergency" in messages[0]["urgent_care_advice"]
    assert messages[1]["understood"] == "signs of an infection and a fever"
    with database() as session:
        escalation = session.execute(select(Escalation)).scalar_one()
    assert (escalation.kind, escalation.severity) == ("red_flag", "urgent")
    assert escalation.categories == ["infection_signs", "fever"]


def test_third_party_mention_gets_the_general_answer_and_no_escalation(database):
    messages, events = run(ActionCheckSafety(), "dad_takes_eliquis")
    assert responses(messages) == ["utter_faq_answer"]
    assert "blood thinners" in messages[0]["answer"]
    assert events == []
    assert count(database, Escalation) == 0


def test_unrecognised_complication_is_still_urgent(database):
    messages, _ = run(ActionCheckSafety(), "unspecified_complication")
    assert responses(messages) == [
        "utter_safety_urgent",
        "utter_safety_complication_unspecified",
        "utter_safety_offer_callback",
    ]
    with database() as session:
        escalation = session.execute(select(Escalation)).scalar_one()
    assert escalation.categories == ["unspecified_complication"]
    assert escalation.severity == "urgent"


def test_unflagged_message_is_silent_and_closes_a_stale_offer(database):
    messages, events = run(ActionCheckSafety(), "greeting_after_callback_offer")
    assert messages == []
    assert events == [SlotSet("callback_offered", False)]
    assert count(database, Escalation) == 0


def test_first_fallback_offers_topics_and_a_person(database):
    messages, events = run(ActionFallback(), "fallback_first")
    assert responses(messages) == ["utter_fallback"]
    assert events == [SlotSet("fallback_count", 1)]
    assert count(database, Escalation) == 0


def test_second_fallback_escalates(database):
    messages, events = run(ActionFallback(), "fallback_second")
    assert responses(messages) == ["utter_fallback_again"]
    assert messages[0]["phone"] == "+1 555 0100"
    assert events == [SlotSet("fallback_count", 2)]
    with database() as session:
        assert session.execute(select(Escalation.kind)).scalar_one() == "bot_failed"


def test_request_human_escalates_and_gives_the_phone(database):
    messages, _ = run(ActionRequestHuman(), "request_human")
    assert responses(messages) == ["utter_handoff"]
    assert messages[0]["clinic_name"] == "Demo Hair Clinic"
    with database() as session:
        escalation = session.execute(select(Escalation)).scalar_one()
    assert (escalation.kind, escalation.severity) == ("human_requested", "normal")


def test_booking_uses_the_clinic_link():
    messages, events = run(ActionBookAppointment(), "request_human")
    assert responses(messages) == ["utter_book"]
    assert messages[0]["booking_url"] == "https://example.com/book"
    assert events == []


def test_callback_details_are_saved_on_the_open_escalation(database):
    run(ActionCheckSafety(), "red_flag_pus_and_fever")
    tracker = json.loads((TRACKERS / "callback_complete.json").read_text())
    tracker["sender_id"] = "t-pus"
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSaveCallback().run(dispatcher, Tracker.from_dict(tracker), {}))
    assert responses(dispatcher.messages) == ["utter_callback_saved"]
    assert events == [SlotSet("callback_offered", False)]
    with database() as session:
        escalation = session.execute(select(Escalation)).scalar_one()
    assert (escalation.callback_name, escalation.callback_phone) == ("Anna Smith", "+15551234567")
    assert escalation.callback_time == "weekday mornings"


def test_declining_the_callback_closes_the_offer():
    messages, events = run(ActionDeclineCallback(), "callback_complete")
    assert responses(messages) == ["utter_callback_declined"]
    assert SlotSet("callback_offered", False) in events
    assert SlotSet("callback_phone", None) in events


def test_join_phrases():
    assert join_phrases(["a"]) == "a"
    assert join_phrases(["a", "b", "a"]) == "a and b"
    assert join_phrases(["a", "b", "c"]) == "a, b and c"


@pytest.fixture
def broken_database(tmp_path, monkeypatch):
    """A database that cannot be written: the directory of its file does not exist."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    get_settings.cache_clear()
    WRITES.__init__()
    yield
    get_settings.cache_clear()
    WRITES.__init__()


def test_a_red_flag_that_could_not_be_recorded_is_never_called_flagged(broken_database):
    messages, events = run(ActionCheckSafety(), "red_flag_pus_and_fever")
    assert responses(messages) == ["utter_safety_urgent", "utter_safety_red_flag_unrecorded"]
    assert messages[1]["phone"] == "+1 555 0100"
    assert events == [], "no callback offer: nothing could store it"
    assert not WRITES.healthy and WRITES.failed == 1


def test_a_contraindication_that_could_not_be_recorded_says_to_call(broken_database):
    messages, _ = run(ActionCheckSafety(), "cost_with_eliquis")
    assert responses(messages) == ["utter_safety_contraindication_unrecorded"]


def test_a_request_for_a_person_that_could_not_be_recorded_says_to_call(broken_database):
    messages, _ = run(ActionRequestHuman(), "request_human")
    assert responses(messages) == ["utter_handoff_unrecorded"]


def test_a_callback_that_could_not_be_saved_is_never_confirmed(broken_database):
    tracker = json.loads((TRACKERS / "callback_complete.json").read_text())
    tracker["events"].insert(
        0,
        {
            "event": "user",
            "text": "pus and fever",
            "parse_data": {"entities": [{"entity": "red_flag", "value": "fever"}]},
        },
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionSaveCallback().run(dispatcher, Tracker.from_dict(tracker), {}))
    assert responses(dispatcher.messages) == ["utter_safety_urgent", "utter_callback_not_saved"]


def test_text_a_database_would_reject_is_stored_safely(database):
    tracker = json.loads((TRACKERS / "cost_with_eliquis.json").read_text())
    tracker["latest_message"]["text"] = "I take Eliquis\x00, how much\ud800?"
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionCheckSafety().run(dispatcher, Tracker.from_dict(tracker), {}))
    assert responses(dispatcher.messages) == ["utter_safety_contraindication"]
    with database() as session:
        stored = session.execute(select(Escalation.message)).scalar_one()
    assert stored == "I take Eliquis\ufffd, how much\ufffd?"


def test_a_possible_flag_goes_to_staff_without_telling_the_patient_it_was_flagged(database):
    tracker = json.loads((TRACKERS / "cost_with_eliquis.json").read_text())
    tracker["latest_message"]["text"] = "my ticker's been playing up, how much is it?"
    tracker["latest_message"]["entities"] = [
        {"entity": "safety_mention", "role": "possible", "value": "heart_disease",
         "kind": "contraindication", "start": 0, "end": 44, "text": "my ticker's been playing up"},
    ]  # fmt: skip
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionCheckSafety().run(dispatcher, Tracker.from_dict(tracker), {}))
    assert dispatcher.messages == [] and events == []
    with database() as session:
        escalation = session.execute(select(Escalation)).scalar_one()
    assert (escalation.kind, escalation.severity) == ("possible_flag", "normal")
    assert escalation.categories == ["heart_disease"]
