"""The knowledge base: complete, traceable to the source, and consistent with its facts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.content import load_content
from bot.content.clinic import ClinicConfigError, load_clinic, parse_clinic
from bot.content.knowledge import KnowledgeError, faq_intents, load_knowledge, parse_entry
from bot.settings import ROOT, Settings

KNOWLEDGE = ROOT / "data" / "knowledge"
SOURCES = KNOWLEDGE / "sources"
SHARED_SOURCE = ROOT.parent / "shared" / "sources" / "hair-mesotherapy-article.txt"
# The one list of FAQ intents: one knowledge-base entry each.
FAQ_INTENTS = faq_intents(KNOWLEDGE)
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "fifth": 5, "six": 6, "seven": 7,
    "eight": 8, "half an hour": 30,
}  # fmt: skip


def normalise(text: str) -> str:
    return " ".join(text.split())


def numbers_in(text: str) -> set[float]:
    found = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)}
    lowered = text.lower()
    # "one of the least painful" is not a count.
    found |= {
        float(v) for word, v in NUMBER_WORDS.items() if re.search(rf"\b{word}\b(?! of)", lowered)
    }
    return found


def fact_numbers(facts: object) -> set[float]:
    if isinstance(facts, bool):
        return set()
    if isinstance(facts, int | float):
        return {float(facts)}
    if isinstance(facts, dict):
        return set().union(*(fact_numbers(v) for v in facts.values())) if facts else set()
    if isinstance(facts, list):
        return set().union(*(fact_numbers(v) for v in facts)) if facts else set()
    return numbers_in(str(facts))


def derive(expression: str, facts: dict) -> float:
    """ "a * b" over two numeric facts: the only arithmetic a derived fact may use."""
    left, operator, right = expression.split()
    assert operator == "*", expression
    return float(facts[left]) * float(facts[right])


@pytest.fixture(scope="module")
def entries():
    return load_knowledge(KNOWLEDGE)


def rule_intents() -> set[str]:
    """Intents whose rules answer with action_respond (data/rules/)."""
    found: set[str] = set()
    for path in (ROOT / "data" / "rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text()).get("rules", []):
            steps = rule["steps"]
            if {"action": "action_respond"} not in steps:
                continue
            for step in steps:
                found.update(option["intent"] for option in step.get("or", []))
                if "intent" in step:
                    found.add(step["intent"])
    return found


def test_every_faq_intent_has_exactly_one_entry():
    assert len(FAQ_INTENTS) == 13


def test_every_intent_of_the_domain_is_answered_by_a_rule():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert rule_intents() == set(domain["intents"]) | {"nlu_fallback"}
    assert rule_intents() >= FAQ_INTENTS


def test_bundled_source_is_the_shared_source():
    if not SHARED_SOURCE.exists():
        pytest.skip("../shared/sources is not beside this checkout")
    assert (SOURCES / SHARED_SOURCE.name).read_bytes() == SHARED_SOURCE.read_bytes()


@pytest.mark.parametrize("intent", sorted(FAQ_INTENTS))
def test_every_quoted_passage_occurs_in_the_source(entries, intent):
    entry = entries[intent]
    source = normalise((SOURCES / entry.document).read_text(encoding="utf-8"))
    assert entry.passages, f"{intent} quotes no passage"
    for passage in entry.passages:
        assert passage in source, f"{intent}: not in {entry.document}: {passage!r}"


@pytest.mark.parametrize("intent", sorted(FAQ_INTENTS))
def test_numbers_in_answers_agree_with_the_facts(entries, intent):
    entry = entries[intent]
    facts = fact_numbers(entry.facts)
    derived = {float(derive(expression, entry.facts)) for expression in entry.derived.values()}
    said = numbers_in(entry.answer) | numbers_in(entry.details)
    for followup in entry.followups:
        said |= numbers_in(followup.answer)
    assert said <= facts | derived, (
        f"{intent}: numbers {sorted(said - facts - derived)} are not facts"
    )
    assert facts <= said, f"{intent}: facts {sorted(facts - said)} are never told to the patient"
    quoted = set().union(*(numbers_in(p) for p in entry.passages))
    assert facts <= quoted, f"{intent}: facts {sorted(facts - quoted)} are not in its passages"


@pytest.mark.parametrize("intent", sorted(FAQ_INTENTS))
def test_answers_are_short(entries, intent):
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", entries[intent].answer) if s]
    assert 1 <= len(sentences) <= 4
    assert len(entries[intent].answer) <= 400


def test_key_rules_of_the_source_are_in_the_facts(entries):
    assert entries["ask_wash_hair"].facts["wash_hair_after_hours"] == 24
    assert entries["ask_exercise"].facts["avoid_vigorous_exercise_hours"] == 48
    assert set(entries["ask_coffee_alcohol_smoking"].facts["avoid"]) == {
        "coffee",
        "alcohol",
        "smoking",
    }
    cost = entries["ask_cost"].facts
    assert (cost["session_price_usd_min"], cost["session_price_usd_max"]) == (250, 600)
    assert cost["insurance_usually_covers"] is False
    sessions = entries["ask_sessions"].facts
    assert (sessions["sessions"], sessions["session_minutes"], sessions["course_months"]) == (
        8,
        30,
        4,
    )
    assert sessions["results_visible_after_session"] == 5
    assert entries["ask_results"].facts["permanent"] is False


def test_cost_uses_the_clinic_price_only_when_it_is_set(entries):
    cost = entries["ask_cost"]
    general = cost.render({"clinic_name": "Demo"})
    assert "$250" in general and "$600" in general
    own = cost.render({"clinic_name": "Hair Studio", "price_per_session": "EUR 300"})
    assert "Hair Studio" in own and "EUR 300" in own and "$250" not in own


def test_no_answer_text_in_python():
    for path in (ROOT / "actions").glob("*.py"):
        source = path.read_text()
        for phrase in ("24 hours", "48 hours", "$250", "insurance", "pregnant"):
            assert phrase not in source, f"{path.name} contains clinical text {phrase!r}"


def test_malformed_entry_is_rejected_with_its_file_name():
    with pytest.raises(KnowledgeError, match=r"broken\.yml"):
        parse_entry({"intent": "ask_cost"}, "broken.yml")


def test_duplicate_intent_is_rejected(tmp_path: Path):
    entry = (KNOWLEDGE / "cost.yml").read_text()
    (tmp_path / "a.yml").write_text(entry)
    (tmp_path / "b.yml").write_text(entry)
    with pytest.raises(KnowledgeError, match="second entry"):
        load_knowledge(tmp_path)


def test_a_safety_file_naming_an_unknown_answer_is_rejected(tmp_path: Path):
    safety = ROOT / "data" / "safety"
    for path in safety.glob("*.yml"):
        (tmp_path / path.name).write_text(path.read_text())
    red_flags = tmp_path / "red_flags.yml"
    red_flags.write_text(red_flags.read_text().replace("[ask_pain]", "[ask_pains]"))
    settings = Settings.from_env({"MESOBOT_SAFETY_DIR": str(tmp_path)})
    with pytest.raises(ValueError, match="ask_pains"):
        load_content(settings)


def test_clinic_file_loads_and_leaves_unset_price_out():
    clinic = load_clinic(ROOT / "clinic.yml")
    values = clinic.template_values()
    assert {"clinic_name", "phone", "hours", "urgent_care_advice"} <= values.keys()
    assert clinic.price_per_session is None and "price_per_session" not in values


def test_clinic_file_with_missing_fields_is_rejected():
    with pytest.raises(ClinicConfigError, match="phone"):
        parse_clinic({"name": "X", "hours": "9-5", "urgent_care_advice": "call"})
    with pytest.raises(ClinicConfigError):
        parse_clinic(["not", "a", "mapping"])


@pytest.mark.parametrize("intent", sorted(FAQ_INTENTS))
def test_every_entry_has_cues_and_followups_with_distinct_keys(entries, intent):
    entry = entries[intent]
    assert entry.cues, f"{intent} has no cues"
    keys = [followup.key for followup in entry.followups]
    assert keys and len(keys) == len(set(keys))
    for followup in entry.followups:
        assert followup.asks and followup.answer
