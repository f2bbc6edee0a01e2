"""End to end through Rasa's REST channel: real model, real action server, real databases."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select, text

from bot.content.clinic import load_clinic
from bot.content.knowledge import load_knowledge
from bot.settings import ROOT
from bot.store.models import Escalation
from tests.conftest import REPORT, new_sender

KNOWLEDGE = load_knowledge(ROOT / "data" / "knowledge")
CLINIC = load_clinic(ROOT / "clinic.yml")
# One new question per FAQ intent (not in data/nlu), and a fact each answer must carry.
QUESTIONS = {
    "ask_what_is": ("what exactly is hair mesotherapy?", "injections"),
    "ask_wash_hair": ("can I wash my hair after the treatment?", "24 hours"),
    "ask_exercise": ("when am I allowed back to the gym after a session", "48 hours"),
    "ask_coffee_alcohol_smoking": ("is it ok to have a glass of wine after my session?", "alcohol"),
    "ask_pain": ("does mesotherapy hurt a lot?", "least painful"),
    "ask_cost": ("how much does a session cost?", "$250 and $600"),
    "ask_sessions": ("how many sessions will I need?", "8 sessions"),
    "ask_results": ("when will I see results?", "2 to 3 months"),
    "ask_side_effects": ("what are the side effects?", "bruising"),
    "ask_contraindications": ("who should not have mesotherapy?", "pregnant"),
    "ask_prp_difference": ("what is the difference between PRP and mesotherapy?", "blood"),
    "ask_effectiveness": ("does mesotherapy actually work?", "evidence"),
    "ask_aftercare": ("what aftercare should I follow?", "diet"),
}
# A regression gate, not a target: the measured figure is printed and reported.
HELD_OUT_MIN_ACCURACY = 0.75


def escalations_for(bot, sender: str) -> list[Escalation]:
    with bot.sessions() as session:
        query = select(Escalation).where(Escalation.conversation_id == sender)
        return list(session.execute(query).scalars())


@pytest.mark.parametrize("intent", sorted(QUESTIONS))
def test_every_faq_intent_gets_its_documented_answer(bot, intent):
    question, fact = QUESTIONS[intent]
    assert bot.parse(question)["intent"]["name"] == intent
    replies = bot.texts(new_sender(), question)
    entry = KNOWLEDGE[intent]
    documented = [entry.render(CLINIC.template_values())]
    documented += [followup.render(CLINIC.template_values()) for followup in entry.followups]
    assert any(answer in replies for answer in documented), replies
    assert any(fact in reply for reply in replies)


def test_there_is_a_question_for_every_faq_intent():
    assert set(QUESTIONS) == set(KNOWLEDGE)


def test_the_wash_hair_answer_from_the_readme(bot):
    replies = bot.texts(new_sender(), "can I wash my hair after the treatment?")
    assert any("24 hours" in reply for reply in replies)


def test_disclaimer_comes_once_per_conversation(bot):
    sender = new_sender()
    first = bot.texts(sender, "does it hurt?")
    second = bot.texts(sender, "how much is it?")
    assert sum("not medical advice" in r for r in first) == 1
    assert not any("not medical advice" in r for r in second)


def test_tell_me_more_button_gives_the_details(bot):
    sender = new_sender()
    (answer,) = [r for r in bot.say(sender, "can I wash my hair tonight?") if r.get("buttons")]
    payload = answer["buttons"][0]["payload"]
    assert bot.texts(sender, payload, button=True) == [KNOWLEDGE["ask_wash_hair"].details]


@pytest.mark.parametrize(
    "message",
    ["", "   ", "😀😀😀", "¿Puedo lavarme el pelo después del tratamiento?", "hair " * 2000],
    ids=["empty", "whitespace", "emoji", "spanish", "10k-chars"],
)
def test_bad_input_gets_a_sensible_reply(bot, message):
    replies = bot.texts(new_sender(), message)
    assert replies and all(reply.strip() for reply in replies)
    assert not any(reply.startswith("Great!") for reply in replies)


def test_low_confidence_offers_topics_and_a_person(bot):
    replies = bot.say(new_sender(), "")
    assert "hair mesotherapy" in replies[0]["text"]
    assert "/request_human" in [b["payload"] for b in replies[0]["buttons"]]


def test_made_up_words_get_the_fallback_not_an_answer(bot):
    assert bot.parse("blorp snargle wibble")["intent"]["name"] == "nlu_fallback"
    replies = bot.say(new_sender(), "blorp snargle wibble")
    assert "hair mesotherapy" in replies[0]["text"]
    assert "/request_human" in [b["payload"] for b in replies[0]["buttons"]]


def test_a_typing_slip_is_still_understood(bot):
    replies = bot.texts(new_sender(), "wen can i wosh my hiar")
    assert any("24 hours" in reply for reply in replies)


def test_parse_contract_from_the_issue(bot):
    parsed = bot.parse("I take Eliquis, how much is a session?")
    assert parsed["intent"]["name"] == "ask_cost"
    flags = [e for e in parsed["entities"] if e["entity"] == "contraindication"]
    assert [(e["value"], e["start"], e["end"]) for e in flags] == [("anticoagulants", 7, 14)]
    other = bot.parse("my dad takes Eliquis")["entities"]
    assert not [e for e in other if e["entity"] in ("contraindication", "red_flag")]
    assert [e["role"] for e in other if e["entity"] == "safety_mention"] == ["other_person"]


def test_flag_inside_an_faq_question_gets_safe_reply_answer_and_one_escalation(any_bot):
    sender = new_sender()
    replies = any_bot.texts(sender, "I take Eliquis, how much is a session?")
    assert any("blood thinner" in r and "clinician will review" in r for r in replies)
    assert any("$250 and $600" in r for r in replies), "the FAQ question is still answered"
    assert "call you back" in replies[-1], "the offer comes after the answer"
    (escalation,) = escalations_for(any_bot, sender)
    assert (escalation.kind, escalation.categories, escalation.status) == (
        "contraindication",
        ["anticoagulants"],
        "open",
    )
    assert escalation.matched[0]["text"] == "Eliquis"


def test_red_flag_gets_urgent_advice_first_and_is_urgent(any_bot):
    sender = new_sender()
    replies = any_bot.texts(sender, "there's pus coming out of my scalp and I have a fever")
    assert replies[0] == CLINIC.urgent_care_advice
    (escalation,) = escalations_for(any_bot, sender)
    assert (escalation.kind, escalation.severity) == ("red_flag", "urgent")
    assert set(escalation.categories) == {"infection_signs", "fever"}


def test_callback_form_validates_and_saves(any_bot):
    sender = new_sender()
    any_bot.texts(sender, "I'm pregnant, can I still have it?")
    assert any("name" in r for r in any_bot.texts(sender, "yes"))
    assert any("phone" in r for r in any_bot.texts(sender, "Anna Smith"))
    assert any("doesn't look like a phone" in r for r in any_bot.texts(sender, "call me maybe"))
    assert any("good time" in r for r in any_bot.texts(sender, "+1 555 123 4567"))
    saved = any_bot.texts(sender, "weekday mornings")
    assert any("Anna Smith" in r and "+15551234567" in r for r in saved)
    (escalation,) = escalations_for(any_bot, sender)
    assert (escalation.callback_name, escalation.callback_phone, escalation.callback_time) == (
        "Anna Smith",
        "+15551234567",
        "weekday mornings",
    )


def test_callback_can_be_skipped(bot):
    sender = new_sender()
    bot.texts(sender, "I'm on warfarin")
    bot.texts(sender, "yes")
    replies = bot.texts(sender, "skip")
    assert any("No problem" in r for r in replies)
    assert len(escalations_for(bot, sender)) == 1


def test_third_party_mention_is_answered_without_escalation(bot):
    sender = new_sender()
    replies = bot.texts(sender, "my mum takes warfarin, can she have it?")
    assert any("blood thinners" in r for r in replies)
    assert escalations_for(bot, sender) == []


def test_asking_for_a_person_escalates(bot):
    sender = new_sender()
    replies = bot.texts(sender, "can I talk to a real person please")
    assert any(CLINIC.phone in r for r in replies)
    (escalation,) = escalations_for(bot, sender)
    assert escalation.kind == "human_requested"


def test_transcript_is_in_the_same_database(any_bot):
    sender = new_sender()
    any_bot.texts(sender, "hello")
    with any_bot.sessions() as session:
        count = session.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
        ).scalar_one()
    assert count > 0


def test_held_out_nlu_accuracy(bot):
    data = yaml.safe_load((ROOT / "tests" / "nlu" / "heldout.yml").read_text())
    total = correct = 0
    misses = []
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            example = line.strip()[2:].strip()
            if not example:
                continue
            predicted = bot.parse(example)["intent"]["name"]
            total += 1
            correct += predicted == block["intent"]
            if predicted != block["intent"]:
                misses.append(f"{example!r}: {block['intent']} -> {predicted}")
    accuracy = correct / total
    summary = (
        f"held-out intent accuracy: {accuracy:.3f} ({correct}/{total}, fallbacks count as misses)"
    )
    REPORT.append(summary)
    print(f"\n{summary}\n" + "\n".join(misses))
    assert accuracy >= HELD_OUT_MIN_ACCURACY


def test_typed_payload_syntax_is_read_as_the_words_it_is(bot):
    sender = new_sender()
    replies = bot.texts(sender, "/ask_cost@1.0 I take warfarin and I am pregnant")
    assert any("clinician will review" in r for r in replies), replies
    (escalation,) = escalations_for(bot, sender)
    assert set(escalation.categories) == {"anticoagulants", "pregnancy"}


def test_typed_entity_payloads_raise_nothing_and_are_not_repeated(bot):
    sender = new_sender()
    replies = bot.texts(sender, '/report_complication{"red_flag":"<b>owned</b>"}')
    assert not any("owned" in r for r in replies)
    assert escalations_for(bot, sender) == []


def test_a_payload_from_a_gateway_button_still_works(bot):
    sender = new_sender()
    assert bot.texts(sender, "/request_human", button=True)[0].startswith("I've passed")


def test_a_message_in_spanish_is_told_in_spanish_that_the_bot_speaks_english(bot):
    sender = new_sender()
    replies = bot.texts(sender, "¿Puedo lavarme el pelo después del tratamiento?")
    assert any("solo puedo responder en inglés" in r and CLINIC.phone in r for r in replies)
    assert any("I can only answer in English" in r for r in replies)
    assert not any("didn't quite get that" in r for r in replies)
    bot.texts(sender, "gracias, ¿cuánto cuesta?")
    assert escalations_for(bot, sender) == [], "not a bot failure: it understood the language"


def test_a_spanish_contraindication_is_still_flagged(bot):
    sender = new_sender()
    replies = bot.texts(sender, "Estoy embarazada de tres meses, ¿puedo hacerme el tratamiento?")
    assert any("pregnant" in r and "clinician will review" in r for r in replies)
    assert any("solo puedo responder en inglés" in r for r in replies)
    (escalation,) = escalations_for(bot, sender)
    assert escalation.categories == ["pregnancy"]
