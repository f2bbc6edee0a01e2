"""The safety detector: measured on the labelled set, plus the contract and bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.lexicon import LexiconError, compile_term
from bot.nlu.detector import SafetyDetector
from bot.nlu.safety_flagger import mention_entity
from bot.settings import ROOT
from tests.conftest import REPORT
from tests.safety.metrics import MUST_NOT_FLAG, affirmed, load_labelled, report, score

MIN_RECALL = 0.97
MIN_PRECISION = 0.95
MAX_FALSE_FLAGS = 0.03
CONTRAINDICATIONS = {
    "allergy", "diabetes", "liver_disease", "kidney_disease", "heart_disease", "pregnancy",
    "breastfeeding", "anticoagulants", "scalp_infection_or_lesion",
}  # fmt: skip
RED_FLAGS = {
    "infection_signs",
    "fever",
    "allergic_reaction",
    "severe_pain",
    "hair_loss_after_treatment",
}


@pytest.fixture(scope="module")
def detector() -> SafetyDetector:
    return SafetyDetector(ROOT / "data" / "safety")


@pytest.fixture(scope="module")
def scored(detector):
    result = score(detector, load_labelled())
    REPORT.append(f"safety detector on {sum(result.group_sizes.values())} labelled messages:")
    REPORT.extend(report(result).splitlines())
    return result


def test_labelled_set_is_large_and_covers_every_category_and_group():
    rows = load_labelled()
    assert len(rows) >= 300
    flagged = {flag for row in rows for flag in row["flags"]}
    assert flagged >= CONTRAINDICATIONS | RED_FLAGS
    groups = {row["group"] for row in rows}
    assert {
        *MUST_NOT_FLAG,
        "misspelled",
        "brand",
        "faq_embedded",
        "multi",
        "red_flag",
        "ordinary",
    } <= groups


def test_recall_and_precision_per_category(scored):
    low = {
        c: (round(scored.recall(c), 3), round(scored.precision(c), 3))
        for c in scored.categories
        if scored.recall(c) < MIN_RECALL or scored.precision(c) < MIN_PRECISION
    }
    assert not low, f"below recall {MIN_RECALL} / precision {MIN_PRECISION}: {low}\n" + "\n".join(
        scored.errors
    )


@pytest.mark.parametrize("group", MUST_NOT_FLAG)
def test_false_flags_on_negated_hypothetical_and_third_party(scored, group):
    assert scored.false_flag_rate(group) <= MAX_FALSE_FLAGS, scored.false_flags.get(group)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I take Eliquis, how much is a session?", {"anticoagulants"}),
        ("my dad takes Eliquis", set()),
        ("I'm not pregnant and I take Eliquis", {"anticoagulants"}),
        ("stopped warfarin two years ago", set()),
        ("what if someone is diabetic?", set()),
        ("sugar is high, on insulin", {"diabetes"}),
        ("pregant and on warfrin", {"pregnancy", "anticoagulants"}),
        ("there's pus and I have a fever", {"infection_signs", "fever"}),
        ("a small bruise and mild itching", set()),
        ("I'm losing my hair, does it work?", set()),
        ("my hair is falling out in patches since the session", {"hair_loss_after_treatment"}),
        ("I get hives from lidocaine", {"allergy"}),
        ("I got hives from the injections", {"allergic_reaction"}),
    ],
)
def test_examples_from_the_contract(detector, text, expected):
    assert {m.category for m in affirmed(detector, text)} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Pain given as a score, or as agony, after a session.
        ("pain is 8/10 since the session", {"severe_pain"}),
        ("the pain's about 9 out of 10 after the injections", {"severe_pain"}),
        ("since the treatment the pain is a 9", {"severe_pain"}),
        ("in agony since the meso yesterday", {"severe_pain"}),
        ("a little sore after the session, 3/10 maybe", set()),
        ("I'd rate the clinic 9/10, lovely staff", set()),
        # Temperatures of 38 °C / 100.4 °F and over.
        ("temp is 38.6 since the session", {"fever"}),
        ("thermometer says 101.2F after the treatment", {"fever"}),
        ("my temp is 37.2, all fine", set()),
        ("it's 39 degrees outside today", set()),
        # General questions about symptoms are not reports.
        ("what are the signs of an infection?", set()),
        ("is it normal to have some swelling after?", set()),
        ("how do I know if it's infected?", set()),
        ("there's pus coming out, is that normal?", {"infection_signs"}),
        ("is it normal to have pus after my session?", {"infection_signs"}),
        # Spanish, with its own negation, third-party and hypothetical cues.
        ("estoy embarazada de 3 meses", {"pregnancy"}),
        ("todavía doy el pecho y tomo sintrom", {"breastfeeding", "anticoagulants"}),
        ("soy diabética tipo 1, me pongo insulina", {"diabetes"}),
        ("tengo 38,5 de fiebre y me sale pus desde la sesión", {"fever", "infection_signs"}),
        ("se me hincharon los labios después de la sesión", {"allergic_reaction"}),
        ("no estoy embarazada", set()),
        ("mi madre toma sintrom", set()),
        ("¿y si me quedo embarazada durante el tratamiento?", set()),
        # Idioms, brands and a statement that is not a question about the rule.
        ("bun in the oven, due in june", {"pregnancy"}),
        ("On warfarin 😬 is that a deal breaker?", {"anticoagulants"}),
        ("my mum's on warfarin and so am I", {"anticoagulants"}),
        ("trying to get pregnant next year", set()),
        # A negation before a list covers the list when it is an "or" list.
        ("I don't take any blood thinners or aspirin", set()),
        ("not on warfarin, xarelto or any other thinners", set()),
        ("no fever, pus and swelling since the session", {"infection_signs"}),
        # Hyphenated words are one word; an old episode is not a complication now.
        ("my sister-in-law is pregnant", set()),
        ("I had a fever with covid last year", set()),
        ("the pus has finally cleared up", set()),
    ],
)
def test_new_kinds_of_message(detector, text, expected):
    assert {m.category for m in affirmed(detector, text)} == expected


# Every tuning round of the lexicon read some messages and closed the kinds they showed; each
# kind keeps one probe sentence in our own wording (bench/SAFETY.md names each round).
PROBES = Path(__file__).parent / "safety" / "probes.yml"


def round_probes() -> list[Any]:
    rounds = yaml.safe_load(PROBES.read_text(encoding="utf-8"))
    return [
        pytest.param(probe["text"], set(probe["flags"]), id=f"{round_}: {probe['text']}")
        for round_, probes in rounds.items()
        for probe in probes
    ]


@pytest.mark.parametrize(("text", "expected"), round_probes())
def test_each_round_kinds_of_message(detector, text, expected):
    assert {m.category for m in affirmed(detector, text)} == expected


def test_non_affirmed_mentions_are_still_reported(detector):
    (mention,) = detector.detect("my mum takes warfarin")
    assert (mention.category, mention.status, mention.cue) == (
        "anticoagulants",
        "other_person",
        "my mum",
    )


def test_offsets_point_at_the_matched_words(detector):
    text = "Hi!! I'm on XARELTO 😅 and diabetic"
    for mention in detector.detect(text):
        assert text[mention.start : mention.end] == mention.text
    assert {m.text for m in detector.detect(text)} == {"XARELTO", "diabetic"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t",
        "?!.,;:" * 50,
        "Привет 你好 مرحبا pregnant",
        "x" * 10_000,
        "I'm on warfarin " * 700,
    ],
)
def test_bad_input_never_raises(detector, text):
    mentions = detector.detect(text)
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize(
    ("text", "category"),
    [("I have T2DM", "diabetes"), ("I WAS DIAGNOSED WITH T2DM", "diabetes"),
     ("I CANT HAVE PENICILLIN", "allergy"), ("On Warfarin", "anticoagulants")],
)  # fmt: skip
def test_capitals_split_into_the_tokens_of_the_lower_case(detector, text, category):
    # spaCy splits "t2dm" into "t2" + "dm" but keeps "T2DM" whole: a term written in lower
    # case must still match a message in capitals.
    assert [m.category for m in affirmed(detector, text)] == [category]
    for mention in detector.detect(text):
        assert text[mention.start : mention.end] == mention.text


def test_mixed_scripts_still_find_the_english_mention(detector):
    assert [m.category for m in affirmed(detector, "Привет, I'm pregnant 你好")] == ["pregnancy"]


def test_entity_contract_for_affirmed_and_other_mentions(detector):
    affirmed, negated = detector.detect("I take Eliquis but I'm not pregnant")
    entity = mention_entity(affirmed, "SafetyFlagger")
    assert {k: entity[k] for k in ("entity", "value", "start", "end", "extractor")} == {
        "entity": "contraindication",
        "value": "anticoagulants",
        "start": 7,
        "end": 14,
        "extractor": "SafetyFlagger",
    }
    other = mention_entity(negated, "SafetyFlagger")
    assert (other["entity"], other["value"], other["role"]) == (
        "safety_mention",
        "pregnancy",
        "negated",
    )


def test_red_flag_entity_name(detector):
    (mention,) = affirmed(detector, "my lips are swollen")
    assert mention_entity(mention, "SafetyFlagger")["entity"] == "red_flag"


def test_term_syntax():
    def tokenize(text: str) -> list[str]:
        return {"won't": ["will", "not"]}.get(text, [text])

    assert compile_term("a|b ? c", tokenize) == [
        [{"NORM": {"IN": ["a", "b"]}}, {"OP": "?"}, {"NORM": "c"}]
    ]
    assert compile_term("x won't|no", tokenize) == [
        [{"NORM": "x"}, {"NORM": "will"}, {"NORM": "not"}],
        [{"NORM": "x"}, {"NORM": "no"}],
    ]
    with pytest.raises(LexiconError):
        compile_term("? ?", tokenize)
    # A class name with a digit is a class; a brace that names none is an error, not text.
    classes = {"A1C": "^5[0-9]$"}
    assert compile_term("{A1C} mmol", tokenize, classes) == [
        [{"NORM": {"REGEX": "^5[0-9]$"}}, {"NORM": "mmol"}]
    ]
    for broken in ("{a1c} mmol", "{A1C mmol", "{NOPE} mmol"):
        with pytest.raises(LexiconError):
            compile_term(broken, tokenize, classes)


def test_a_broken_lexicon_is_rejected(tmp_path: Path):
    for name in ("contraindications.yml", "red_flags.yml", "context.yml"):
        (tmp_path / name).write_text((ROOT / "data" / "safety" / name).read_text())
    (tmp_path / "red_flags.yml").write_text("- not a mapping\n")
    with pytest.raises(LexiconError):
        SafetyDetector(tmp_path)
