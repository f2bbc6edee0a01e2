"""bench/replies.py: a parse through action_respond gets the label of what the patient reads."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from bench.nlu_eval import Score, readme_block
from bench.replies import OTHER_TREATMENT, REPLY_LABELS, reply_labels
from bot.settings import ROOT, get_settings

PRP = {"entity": "treatment", "value": "prp", "text": "PRP"}
PUS = {"entity": "red_flag", "value": "infection_signs", "text": "pus"}


def parse(text: str, intent: str, *entities: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": list(entities),
    }


@pytest.fixture(autouse=True)
def fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_each_reply_gets_the_label_of_what_the_patient_reads():
    labels = reply_labels(
        [
            parse("can I wash my hair after the session?", "ask_wash_hair"),
            # The action's off-topic words correct the model's FAQ guess.
            parse("what causes hair loss in women?", "ask_side_effects"),
            parse("how much does PRP cost?", "ask_cost", PRP),
            parse("can I wash my hair after PRP?", "ask_wash_hair", PRP),
            parse("blorp", "nlu_fallback"),
            parse("there is pus where the needles went in", "report_complication", PUS),
            parse("how do I book a consultation?", "book_appointment"),
        ]
    )
    assert labels == [
        "ask_wash_hair",
        "out_of_scope",
        OTHER_TREATMENT,
        "ask_wash_hair",
        "nlu_fallback",
        "report_complication",
        "book_appointment",
    ]


def test_the_honest_other_treatment_reply_is_right_only_where_the_design_asks_for_it():
    score = Score()
    right = [
        {"text": "a", "intent": "ask_cost", "treatments": ["prp"]},
        {"text": "b", "intent": "out_of_scope", "off_topic": True},
    ]
    # The knowledge base answers these: saying "our notes are about mesotherapy" is a miss.
    wrong = [
        {"text": "c", "intent": "ask_cost"},
        {"text": "d", "intent": "ask_prp_difference", "treatments": ["prp"]},
        {"text": "e", "intent": "ask_results", "treatments": ["prp", "mesotherapy"]},
    ]
    for row in right + wrong:
        score.add(row, OTHER_TREATMENT, keep_text=False)
    assert (score.correct, score.off_topic_handled, score.other_treatment) == (2, 1, 5)


def test_every_reply_label_names_a_response_of_the_domain():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(REPLY_LABELS) <= set(domain["responses"])


def test_the_report_judges_off_topic_on_the_reply_too():
    results = json.loads((ROOT / "bench" / "results" / "nlu_eval.json").read_text())
    results.setdefault("commit", "abc1234")
    results.setdefault("commit_dirty", False)
    reply = copy.deepcopy(results["systems"]["mesobot"])
    reply["real"]["off_topic_handled"] = 0.912
    results["systems"]["mesobot_reply"] = reply
    block = readme_block(results)
    assert "| Off-topic handled, the reply | ≥ 0.90 | 0.912 |" in block
