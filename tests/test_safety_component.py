"""The Rasa component: entity offsets point at the original text, the second net, and the
learned status check."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.safety_flagger import POSSIBLE, SafetyFlagger
from bot.nlu.status_net import build_status_net, load_status_config
from bot.settings import ROOT
from tests.safety.metrics import UNREAD_BATCHES, load_labelled

SAFETY = ROOT / "data" / "safety"
CONTRACT = ("contraindication", "red_flag")
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


@pytest.fixture(scope="module")
def judged() -> SafetyFlagger:
    """The flagger with the learned status check, as config.yml runs it (second net aside)."""
    return SafetyFlagger({"lexicon_dir": str(SAFETY), "status_net": True})


@pytest.mark.parametrize(
    ("text", "category", "words"),
    [
        # Someone else's, in relations no third-party cue lists: the rules call them the patient's.
        ("our au pair is pregnant, can she still book", "pregnancy", "pregnant"),
        ("the lodger is on warfarin, is it safe for him to come in", "anticoagulants", "warfarin"),
    ],
)
def test_a_doubted_mention_goes_to_staff_as_possible_at_its_own_words(
    judged, text, category, words
):
    assert [m.affirmed for m in judged.detector.detect(text)] == [True]
    (entity,) = entities_of(judged, text)
    assert (entity["entity"], entity["role"], entity["value"]) == (
        "safety_mention",
        POSSIBLE,
        category,
    )
    assert entity["text"] == words == text[entity["start"] : entity["end"]]
    assert entity["confidence_entity"] < judged.status.config.demote_below


@pytest.mark.parametrize(
    "text",
    [
        "I'm diabetic and on warfarin",
        "i am pregnant, can i still have it",
        "Hi!! I'm on XARELTO 😅 and diabetic",
        "pain is 9/10 since the session and there's yellow gunk",
        # A doctor who said so, in Spanish: the blind unseen5 batch caught the check doubting
        # one such message before it had seen many Spanish rows.
        "mi médico dice que tengo hígado graso",
        "Mi cardióloga dice que tengo una arritmia, ¿es un problema?",
    ],
)
def test_plain_statements_keep_their_contract_entities(judged, text):
    rules = {m.category for m in judged.detector.detect(text) if m.affirmed}
    kept = {e["value"] for e in entities_of(judged, text) if e["entity"] in CONTRACT}
    assert rules and kept == rules


def test_the_status_check_never_drops_a_mention(judged):
    # Every rule-affirmed mention of the labelled set is either still a contract entity or a
    # possible flag at the same words: the check moves a mention to review, never away.
    for row in load_labelled():
        text = row["text"]
        spans = {(e["value"], e["start"], e["end"]) for e in entities_of(judged, text)}
        for mention in judged.detector.detect(text):
            assert (mention.category, mention.start, mention.end) in spans, text


def test_the_status_check_learns_from_read_batches_only():
    config = load_status_config(SAFETY)
    assert config.examples and all((ROOT / path).is_file() for path in config.examples)
    # The unread batches are the honest figures: they must never become training data.
    assert not any(
        f"/{batch}.yml" in f"/{path}" for batch in UNREAD_BATCHES for path in config.examples
    )


def test_without_its_labelled_rows_the_status_check_is_off(tmp_path):
    detector = SafetyFlagger({"lexicon_dir": str(SAFETY)}).detector
    assert build_status_net(detector, tmp_path) is None


def test_the_status_check_is_off_unless_asked_for():
    assert SafetyFlagger({"lexicon_dir": str(SAFETY)}).status is None


def test_a_status_check_without_rows_says_so_in_the_log(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr("bot.nlu.safety_flagger.labelled_rows_root", lambda: tmp_path)
    flagger = SafetyFlagger({"lexicon_dir": str(SAFETY), "status_net": True})
    assert flagger.status is None
    assert "status check off" in caplog.text
