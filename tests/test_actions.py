"""action_respond on saved trackers: the responses it chooses, in order, the slots it sets, and
the database rows it writes (the financial-demo pattern)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import Tracker
from sqlalchemy import func, select

from actions.respond import ActionRespond, detail_payload, join_phrases
from bot.nlu.entities import BUTTON_SOURCE
from bot.settings import get_settings
from bot.store.db import session_factory
from bot.store.health import WRITES
from bot.store.migrate import upgrade
from bot.store.models import Escalation, Trigger
from tests.saved_trackers import FIRST_TURN, load, with_message

ELIQUIS = {"entity": "contraindication", "value": "anticoagulants", "start": 7, "end": 14,
           "text": "Eliquis"}  # fmt: skip
PREGNANCY = {"entity": "contraindication", "value": "pregnancy", "text": "pregnant"}
PUS = {"entity": "red_flag", "value": "infection_signs", "text": "pus"}
# What a red flag told without a question gets: urgent advice, what was understood, a callback.
RED_FLAG_REPLY = ["utter_safety_urgent", "utter_safety_red_flag", "utter_safety_offer_callback"]


def tracker(
    name: str = FIRST_TURN,
    text: str | None = None,
    intent: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    **slots: Any,
) -> dict[str, Any]:
    """A saved tracker, with its latest message (and its user event) and slots changed."""
    data = load(name)
    latest = copy.deepcopy(data["latest_message"])
    if text is not None:
        latest["text"] = text
    if intent is not None:
        latest["intent"] = {"name": intent, "confidence": 0.95}
    if entities is not None:
        latest["entities"] = entities
    data = with_message(data, latest)
    data["slots"].update(slots)
    return data


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    yield session_factory(url)
    get_settings.cache_clear()


def run(data: dict[str, Any] | str):
    data = load(data) if isinstance(data, str) else data
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRespond().run(dispatcher, Tracker.from_dict(data), {}))
    return dispatcher.messages, events


def responses(messages) -> list[str]:
    return [m.get("response") or "text" for m in messages]


def slots(events) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def count(sessions, model) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def the_escalation(sessions) -> Escalation:
    with sessions() as session:
        return session.execute(select(Escalation)).scalar_one()


# -- answers ----------------------------------------------------------------------------


def test_first_faq_answer_carries_the_disclaimer_once():
    messages, events = run(FIRST_TURN)
    assert responses(messages) == ["utter_disclaimer", "utter_faq_answer"]
    assert "24 hours" in messages[1]["answer"]
    assert messages[1]["detail_payload"] == detail_payload("ask_wash_hair")
    assert slots(events) == {
        "disclaimer_shown": True,
        "topic": "ask_wash_hair",
        "last_answer": "ask_wash_hair:main",
    }


def test_later_faq_answer_has_no_disclaimer():
    messages, _ = run("faq_wash_hair_later_turn")
    assert responses(messages) == ["utter_faq_answer"]


def test_tell_me_more_gives_the_details():
    messages, _ = run("faq_wash_hair_tell_me_more")
    assert responses(messages) == ["utter_faq_details"]
    assert "dye" in messages[0]["details"]


def test_detail_payload_is_an_intent_with_the_detail_entity():
    assert detail_payload("ask_cost") == '/ask_cost{"faq_detail":"more"}'


def test_a_specific_point_is_answered_first():
    messages, _ = run(tracker(text="can i dye my hair after the treatment", intent="ask_wash_hair"))
    answer = messages[-1]["answer"]
    assert "dye" in answer and "24 hours" in answer


@pytest.mark.parametrize(
    ("topic", "text", "words"),
    [
        ("ask_exercise", "how long?", "48 hours"),
        ("ask_exercise", "what about the sauna?", "sauna"),
        ("ask_cost", "is that per session?", "single session"),
        ("ask_cost", "so how much in total?", "$2000 to $4800"),
        ("ask_wash_hair", "and after that?", "as usual"),
        ("ask_effectiveness", "and for women?", "women"),
        ("ask_coffee_alcohol_smoking", "what about alcohol?", "avoiding alcohol"),
    ],
)
def test_follow_ups_answer_the_point_of_the_last_topic(topic, text, words):
    messages, events = run(
        tracker(text=text, intent="nlu_fallback", topic=topic, disclaimer_shown=True)
    )
    said = " ".join(m.get("answer") or m.get("details") or "" for m in messages)
    assert words in said, messages
    assert slots(events).get("topic", topic) == topic


def test_the_same_answer_is_not_given_twice_in_a_row():
    messages, _ = run(
        tracker("faq_wash_hair_later_turn", topic="ask_wash_hair", last_answer="ask_wash_hair:main")
    )
    assert responses(messages) == ["utter_faq_details"]


def test_two_questions_in_one_message_get_both_answers():
    messages, _ = run(tracker(text="does it hurt and how much is it?", intent="ask_pain"))
    said = [m.get("answer") or m.get("details") or "" for m in messages]
    assert any("least painful" in s for s in said) and any("$250" in s for s in said)


def test_a_question_about_another_treatment_is_answered_honestly():
    transplant = {"entity": "treatment", "value": "transplant", "text": "hair transplant"}
    messages, _ = run(
        tracker(text="how much is a hair transplant?", intent="ask_cost", entities=[transplant])
    )
    assert responses(messages) == ["utter_other_treatment"]
    assert messages[0]["treatment"] == "hair transplant"


# -- safety -----------------------------------------------------------------------------


def test_a_contraindication_in_an_faq_question_is_answered_in_order_and_escalated(database):
    messages, events = run("cost_with_eliquis")
    assert responses(messages) == [
        "utter_safety_contraindication",
        "utter_disclaimer",
        "utter_faq_answer",
        "utter_safety_offer_callback",
    ]
    assert messages[0]["understood"] == "you take a blood thinner"
    assert "$250" in messages[2]["answer"]
    assert slots(events)["callback_offered"] is True and slots(events)["caution"] is True
    escalation = the_escalation(database)
    assert (escalation.conversation_id, escalation.channel) == ("t-eliquis", "telegram")
    assert (escalation.kind, escalation.severity, escalation.status) == (
        "contraindication",
        "high",
        "open",
    )
    assert escalation.categories == ["anticoagulants"]
    assert escalation.matched[0]["text"] == "Eliquis"


def test_the_same_message_is_recorded_once(database):
    run("cost_with_eliquis")
    run("cost_with_eliquis")
    assert count(database, Escalation) == 1
    assert count(database, Trigger) == 1


def test_a_red_flag_gives_urgent_advice_first(database):
    messages, events = run("red_flag_pus_and_fever")
    assert responses(messages) == RED_FLAG_REPLY
    assert "emergency" in messages[0]["urgent_care_advice"]
    assert messages[1]["understood"] == "signs of an infection and a fever"
    assert slots(events)["urgent"] is True
    escalation = the_escalation(database)
    assert (escalation.kind, escalation.severity) == ("red_flag", "urgent")
    assert escalation.categories == ["infection_signs", "fever"]


def test_severe_pain_gets_the_urgent_advice_not_the_reassuring_pain_answer(database):
    messages, _ = run("red_flag_severe_pain")
    assert responses(messages) == RED_FLAG_REPLY
    assert messages[1]["understood"] == "severe pain"
    assert the_escalation(database).categories == ["severe_pain"]


@pytest.mark.parametrize("intent", ["report_complication", "ask_pain"])
def test_a_red_flag_told_without_a_question_gets_no_faq_answer(database, intent):
    text = "there is pus where the needles went in"
    messages, _ = run(tracker("red_flag_severe_pain", text=text, intent=intent, entities=[PUS]))
    assert responses(messages) == RED_FLAG_REPLY


def test_severe_pain_told_after_a_pain_answer_is_no_follow_up_to_it(database):
    text = "the pain the day after is unbearable"
    messages, _ = run(tracker("red_flag_severe_pain", text=text, topic="ask_pain"))
    assert "utter_faq_answer" not in responses(messages)
    assert "utter_faq_details" not in responses(messages)


@pytest.mark.parametrize(
    ("text", "entities", "topic_word"),
    [
        ("pus on my scalp. Can I wash my hair", [PUS], "wash"),
        ("I'm on warfarin. how much is a session", [ELIQUIS], "costs"),
    ],
)
def test_a_question_after_a_flag_in_another_sentence_is_answered(
    database, text, entities, topic_word
):
    messages, _ = run(tracker("red_flag_severe_pain", text=text, intent="nlu_fallback",
                              entities=entities))  # fmt: skip
    answers = [m.get("answer", "") for m in messages if m.get("response") == "utter_faq_answer"]
    assert answers and topic_word in answers[0].lower()


def test_a_pain_question_beside_another_red_flag_is_still_answered(database):
    text = "my scalp is oozing pus after the session, does it usually hurt afterwards?"
    messages, _ = run(tracker("red_flag_severe_pain", text=text, entities=[PUS]))
    assert responses(messages) == [
        "utter_safety_urgent",
        "utter_safety_red_flag",
        "utter_disclaimer",
        "utter_faq_answer",
        "utter_safety_offer_callback",
    ]
    assert "pain" in messages[3]["answer"]


HEAVY = {"entity": "contraindication", "value": "pregnancy", "text": "heavy with my second"}


def pregnancy_told(text: str, intent: str, **slots: Any):
    """Run a turn that tells a pregnancy ("heavy with my second") after the disclaimer."""
    data = tracker(FIRST_TURN, text=text, intent=intent, entities=[HEAVY],
                   disclaimer_shown=True, **slots)  # fmt: skip
    return run(data)


@pytest.mark.parametrize("intent", ["ask_exercise", "ask_results", "ask_sessions"])
def test_is_it_ok_after_a_condition_asks_about_the_condition_not_the_guessed_topic(
    database, intent
):
    # Found using the bot: "heavy" made the classifier guess exercise, and the gym answer
    # followed the pregnancy reply.
    text = "I'm heavy with my second, about 5 months now, is it ok?"
    messages, _ = pregnancy_told(text, intent, topic="ask_exercise")
    assert "utter_safety_contraindication" in responses(messages)
    assert "utter_faq_answer" not in responses(messages)
    assert "utter_faq_details" not in responses(messages)


@pytest.mark.parametrize(
    ("question", "intent", "answer_words"),
    [
        ("is it ok to go to the gym after?", "ask_exercise", "48 hours"),
        ("is it ok to keep exercising after?", "ask_exercise", "48 hours"),
        ("is it ok to get my hair dyed after?", "ask_wash_hair", "24 hours"),
        ("is that ok, and can i have a pint after?", "ask_coffee_alcohol_smoking", "alcohol"),
    ],
)
def test_a_condition_with_a_question_on_another_topic_still_gets_its_answer(
    database, question, intent, answer_words
):
    messages, _ = pregnancy_told(f"I'm heavy with my second, {question}", intent)
    answers = [m.get("answer", "") for m in messages if m.get("response") == "utter_faq_answer"]
    assert answers and answer_words in answers[0]


def test_a_third_party_mention_gets_the_general_answer_and_no_escalation(database):
    messages, _ = run("dad_takes_eliquis")
    assert responses(messages)[-1] == "utter_faq_answer"
    assert "blood thinners" in messages[-1]["answer"]
    assert count(database, Escalation) == 0


def test_an_unrecognised_complication_after_a_session_is_still_urgent(database):
    messages, _ = run("unspecified_complication")
    assert responses(messages)[:2] == [
        "utter_safety_urgent",
        "utter_safety_complication_unspecified",
    ]
    assert the_escalation(database).categories == ["unspecified_complication"]


def test_hair_loss_before_any_session_is_not_a_complication(database):
    text = (
        "hi so i had my little girl 7 months ago and since then my hair has been falling out "
        "like crazy. does it hurt a lot?"
    )
    messages, _ = run(tracker(text=text, intent="report_complication", entities=[]))
    assert "utter_safety_urgent" not in responses(messages)
    assert any("least painful" in (m.get("answer") or "") for m in messages)
    assert count(database, Escalation) == 0


def test_a_red_flag_read_as_off_topic_gets_no_off_topic_reply(database):
    text = "my hair is coming out in handfuls since session 2, what is going on"
    loss = {"entity": "red_flag", "value": "hair_loss_after_treatment", "text": "coming out"}
    messages, _ = run(tracker(text=text, intent="out_of_scope", entities=[loss]))
    assert responses(messages) == RED_FLAG_REPLY
    assert the_escalation(database).categories == ["hair_loss_after_treatment"]


def test_after_a_red_flag_is_this_normal_stays_urgent():
    messages, _ = run(tracker(text="is this normal?", intent="ask_side_effects", urgent=True))
    assert responses(messages) == ["utter_red_flag_not_normal"]
    assert "urgent care" in messages[0]["urgent_care_advice"]


def test_a_possible_flag_goes_to_staff_without_telling_the_patient(database):
    possible = {"entity": "safety_mention", "role": "possible", "value": "heart_disease",
                "kind": "contraindication", "start": 0, "end": 27,
                "text": "my ticker's been playing up"}  # fmt: skip
    run(tracker(text="my ticker's been playing up, how much is it?", intent="ask_cost",
                entities=[possible]))  # fmt: skip
    escalation = the_escalation(database)
    assert (escalation.kind, escalation.severity) == ("possible_flag", "normal")
    assert escalation.categories == ["heart_disease"]


# -- the callback -----------------------------------------------------------------------


def callback_turn(text: str, **slots: Any):
    return run(tracker("cost_with_eliquis", text=text, intent="affirm", entities=[], **slots))


def test_a_callback_in_four_turns_is_saved_and_read_back(database):
    run("cost_with_eliquis")
    messages, events = callback_turn("yes call me", callback_offered=True, caution=True)
    assert responses(messages) == ["utter_ask_callback_name"]
    state = {**slots(events), "caution": True}
    messages, events = callback_turn("Sarah", **state)
    assert responses(messages) == ["utter_ask_callback_phone"]
    state |= slots(events)
    messages, events = callback_turn("07700 900123", **state)
    assert responses(messages) == ["utter_ask_callback_time"]
    state |= slots(events)
    messages, events = callback_turn("asap", **state)
    assert responses(messages) == ["utter_callback_saved"]
    assert messages[0]["callback_name"] == "Sarah"
    escalation = the_escalation(database)
    assert (escalation.callback_name, escalation.callback_phone, escalation.callback_time) == (
        "Sarah",
        "07700900123",
        "asap",
    )


def test_asking_for_a_call_while_asked_for_the_number_is_not_a_new_request(database):
    run("cost_with_eliquis")
    messages, _ = run(
        tracker(
            "cost_with_eliquis",
            text="call me maybe",
            intent="request_human",
            entities=[],
            callback_offered=True,
            caution=True,
            callback_step="phone",
            callback_name="Anna Smith",
        )
    )
    assert responses(messages) == ["utter_callback_invalid_phone", "utter_ask_callback_phone"]
    with database() as session:
        kinds = session.execute(select(Trigger.kind)).scalars().all()
    assert kinds == ["contraindication"]


def test_details_given_at_once_are_saved_at_once(database):
    messages, _ = callback_turn(
        "yes, Sarah, 07700900123, after 5pm", callback_offered=True, caution=True
    )
    assert responses(messages) == ["utter_callback_saved"]
    assert the_escalation(database).callback_time == "after 5pm"


def test_a_question_inside_the_callback_is_answered_and_the_callback_goes_on():
    messages, events = run(
        tracker(
            text="wait, how much is it?",
            intent="ask_cost",
            callback_step="phone",
            callback_name="Sarah",
            disclaimer_shown=True,
        )
    )
    assert responses(messages) == ["utter_faq_answer", "utter_ask_callback_phone"]
    assert "callback_step" not in slots(events)


def test_a_question_while_asked_for_a_time_is_answered_and_the_time_asked_again():
    messages, events = run("callback_time_asked_a_question")
    assert responses(messages) == ["utter_faq_answer", "utter_ask_callback_time"]
    assert "wash" in messages[0]["answer"]
    assert "callback_time" not in slots(events)


@pytest.mark.parametrize(
    ("text", "kept", "answered"),
    [
        ("tomorrow morning please", "tomorrow morning please", False),
        ("can you call after 5pm?", "can you call after 5pm", False),
        # Topic words, but about the call or an answer to "when suits you?".
        ("can you call me after the gym tonight?", "can you call me after the gym tonight", False),
        ("after the gym tonight?", "after the gym tonight", False),
        # A time and a question: both taken.
        ("tonight, and can I wash my hair tonight?", "tonight", True),
        ("tomorrow at 10. can I wash my hair before then?", "tomorrow at 10", True),
        ("can I wash my hair tonight, and call me at 6pm?", "call me at 6pm", True),
    ],
)
def test_a_time_is_still_a_time_when_it_comes_with_words_around_it(database, text, kept, answered):
    messages, _ = run(tracker("callback_time_asked_a_question", text=text, intent="ask_wash_hair"))
    assert responses(messages)[-1] == "utter_callback_saved"
    assert messages[-1]["callback_time"] == kept
    assert ("utter_faq_answer" in responses(messages)) is answered


@pytest.mark.parametrize("text", ["stop", "actually no, forget it", "no thanks"])
def test_the_patient_can_leave_the_callback_in_their_own_words(text):
    messages, events = run(tracker(text=text, intent="deny", callback_step="name", caution=True))
    assert responses(messages) == ["utter_callback_declined"]
    assert slots(events)["callback_step"] is None and slots(events)["callback_done"] is True


def test_going_to_urgent_care_instead_gets_the_urgent_advice_again():
    messages, _ = run(
        tracker(text="no, I'll go to urgent care", intent="deny", urgent=True,
                callback_offered=True)
    )  # fmt: skip
    assert responses(messages) == ["utter_callback_declined_urgent"]


def test_going_to_the_gym_after_a_red_flag_is_no_refusal_of_the_callback(database):
    messages, events = run(
        tracker(text="wondering if I can still go to the gym", intent="ask_exercise",
                urgent=True, callback_offered=True)
    )  # fmt: skip
    assert "utter_callback_declined_urgent" not in responses(messages)
    assert slots(events).get("callback_done") is not True


def test_a_phone_number_after_a_flag_starts_the_callback_not_a_new_review(database):
    messages, events = run(
        tracker(text="07700 900123", intent="disclose_condition", entities=[], caution=True)
    )
    assert responses(messages) == ["utter_ask_callback_name"]
    assert slots(events)["callback_phone"] == "07700900123"
    assert count(database, Escalation) == 0


# -- everything else --------------------------------------------------------------------


def test_another_question_after_an_offer_closes_it(database):
    messages, events = run("greeting_after_callback_offer")
    assert responses(messages) == ["utter_disclaimer", "utter_faq_answer"]
    assert slots(events)["callback_offered"] is False
    assert count(database, Escalation) == 0


def test_first_fallback_offers_topics_and_a_person(database):
    messages, events = run("fallback_first")
    assert responses(messages) == ["utter_fallback"]
    assert slots(events) == {"fallback_count": 1}
    assert count(database, Escalation) == 0


def test_second_fallback_escalates(database):
    messages, events = run("fallback_second")
    assert responses(messages) == ["utter_fallback_again"]
    assert messages[0]["phone"] == "+1 555 0100"
    assert slots(events) == {"fallback_count": 2}
    assert the_escalation(database).kind == "bot_failed"


def test_a_request_for_a_person_escalates_and_gives_the_phone(database):
    messages, _ = run("request_human")
    assert responses(messages) == ["utter_handoff"]
    assert messages[0]["clinic_name"] == "Demo Hair Clinic"
    escalation = the_escalation(database)
    assert (escalation.kind, escalation.severity) == ("human_requested", "normal")


def test_booking_uses_the_clinic_link_unless_a_clinician_must_review_first():
    messages, _ = run(tracker(text="how do i book", intent="book_appointment"))
    assert responses(messages) == ["utter_book"]
    assert messages[0]["booking_url"] == "https://example.com/book"
    messages, _ = run(tracker(text="how do i book", intent="book_appointment", caution=True))
    assert responses(messages) == ["utter_book_needs_review"]


def test_a_message_in_another_language_gets_the_reply_in_it_and_in_english():
    language = {"entity": "language", "value": "es"}
    messages, _ = run(tracker(text="¿cuánto cuesta?", intent="nlu_fallback", entities=[language]))
    texts = [m["text"] for m in messages]
    assert "inglés" in texts[0] and "English" in texts[1] and "+1 555 0100" in texts[1]


def test_join_phrases():
    assert join_phrases(["a"]) == "a"
    assert join_phrases(["a", "b", "a"]) == "a and b"
    assert join_phrases(["a", "b", "c"]) == "a, b and c"


# -- honest when the database fails ------------------------------------------------------


@pytest.fixture
def broken_database(tmp_path, monkeypatch):
    """A database that cannot be written: the directory of its file does not exist."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    monkeypatch.setattr("bot.store.retry.PAUSES", (0.0, 0.0, 0.0, 0.0))  # it never comes back
    get_settings.cache_clear()
    WRITES.__init__()
    yield
    get_settings.cache_clear()
    WRITES.__init__()


def test_a_red_flag_that_could_not_be_recorded_is_never_called_flagged(broken_database):
    messages, events = run("red_flag_pus_and_fever")
    assert responses(messages) == ["utter_safety_urgent", "utter_safety_red_flag_unrecorded"]
    assert messages[1]["phone"] == "+1 555 0100"
    assert "callback_offered" not in slots(events), "no offer: nothing could store it"
    assert not WRITES.healthy and WRITES.failed == 1


def test_a_contraindication_that_could_not_be_recorded_says_to_call(broken_database):
    messages, _ = run("cost_with_eliquis")
    assert responses(messages)[0] == "utter_safety_contraindication_unrecorded"
    assert "utter_safety_offer_callback" not in responses(messages)


def test_a_request_for_a_person_that_could_not_be_recorded_says_to_call(broken_database):
    messages, _ = run("request_human")
    assert responses(messages) == ["utter_handoff_unrecorded"]


def test_a_callback_that_could_not_be_saved_is_never_confirmed(broken_database):
    messages, _ = callback_turn(
        "yes, Sarah, 07700900123, after 5pm", callback_offered=True, urgent=True, caution=True
    )
    assert responses(messages) == ["utter_safety_urgent", "utter_callback_not_saved"]


def test_text_a_database_would_reject_is_stored_safely(database):
    data = load("cost_with_eliquis")
    data["latest_message"]["text"] = "I take Eliquis\x00, how much\ud800?"
    messages, _ = run(data)
    assert responses(messages)[0] == "utter_safety_contraindication"
    assert the_escalation(database).message == "I take Eliquis\ufffd, how much\ufffd?"


def test_slot_events_are_rasa_events():
    _, events = run(FIRST_TURN)
    assert all(event == SlotSet(event["name"], event["value"]) for event in events)


def test_pressing_yes_call_me_back_asks_for_the_name_without_calling_it_a_bad_name():
    data = tracker(text="/affirm", intent="affirm", caution=True, callback_offered=True)
    data["latest_message"]["metadata"] = {"source": BUTTON_SOURCE}
    messages, events = run(data)
    assert responses(messages) == ["utter_ask_callback_name"]
    assert slots(events)["callback_step"] == "name"
