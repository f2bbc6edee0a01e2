"""The Rasa component: entity offsets point at the original text, and the second net."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.safety_flagger import POSSIBLE, SafetyFlagger
from bot.settings import ROOT

SAFETY = ROOT / "data" / "safety"
MESSAGES = [
    "I take Eliquis, how much is a session?",
    "Hi!! I'm on XARELTO 😅 and diabetic",
    "I take war\u200bfarin and I'm preg\u00adnant",
    "I'm on ＸＡＲＥＬＴＯ and \u0435liquis",
    "estoy embarazada de 3 meses y tomo Sintrom, ¿puedo?",
    "soy diabe\u0301tica y tengo 38,5 de fiebre desde la sesión",
    "pain is 9/10 since the session and there's yellow gunk",
    "my mum takes warfarin but I'm not pregnant",
    "\x00\x00 pus \u202eafter the session\u202c",
    "Привет, I'm pregnant 你好",
    "   leading spaces, I'm diabetic   ",
]


@pytest.fixture(scope="module")
def flagger() -> SafetyFlagger:
    return SafetyFlagger({"lexicon_dir": str(SAFETY), "second_net": True})


def entities_of(flagger: SafetyFlagger, text: str) -> list[dict]:
    (message,) = flagger.process([Message({TEXT: text})])
    return message.get(ENTITIES, [])


@pytest.mark.parametrize("text", MESSAGES)
def test_every_entity_points_at_the_original_text(flagger, text):
    entities = entities_of(flagger, text)
    assert entities
    for entity in entities:
        assert 0 <= entity["start"] < entity["end"] <= len(text)
        assert text[entity["start"] : entity["end"]] == entity["text"]
        assert entity["extractor"] == "SafetyFlagger"


def test_hidden_characters_still_give_contract_entities(flagger):
    entities = entities_of(flagger, "I take war\u200bfarin and I'm preg\u00adnant")
    assert {(e["entity"], e["value"], e["text"]) for e in entities} == {
        ("contraindication", "anticoagulants", "war\u200bfarin"),
        ("contraindication", "pregnancy", "preg\u00adnant"),
    }


def test_other_mentions_keep_their_role(flagger):
    roles = {(e["value"], e.get("role")) for e in entities_of(flagger, MESSAGES[7]) if "role" in e}
    assert roles == {("anticoagulants", "other_person"), ("pregnancy", "negated")}


def test_the_second_net_only_adds_possible_mentions(flagger):
    assert flagger.net is not None
    for text in MESSAGES:
        for entity in entities_of(flagger, text):
            if entity.get("role") == POSSIBLE:
                assert entity["entity"] == "safety_mention"
                assert entity["kind"] in ("contraindication", "red_flag")
                assert 0 < entity["confidence_entity"] <= 1


def test_a_possible_flag_for_a_category_the_lexicon_did_not_name(flagger):
    flagger.net.threshold, threshold = 0.0, flagger.net.threshold
    try:
        entities = entities_of(flagger, "  I take warfarin  ")
    finally:
        flagger.net.threshold = threshold
    possible = [e for e in entities if e.get("role") == POSSIBLE]
    assert possible and "anticoagulants" not in {e["value"] for e in possible}
    assert all(e["text"] == "I take warfarin" and e["start"] == 2 for e in possible)


def test_the_second_net_is_off_unless_asked_for():
    flagger = SafetyFlagger({"lexicon_dir": str(SAFETY)})
    assert flagger.net is None
    assert [e["value"] for e in entities_of(flagger, "I take Eliquis")] == ["anticoagulants"]


def test_empty_and_blank_messages_get_no_entities(flagger):
    for text in ("", "   ", "\u200b\u200b"):
        assert entities_of(flagger, text) == []
