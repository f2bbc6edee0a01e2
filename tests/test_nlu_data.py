"""Training data shape: enough varied examples per FAQ intent, and a held-out set kept apart."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.settings import ROOT
from tests.test_knowledge import FAQ_INTENTS

MIN_FAQ_EXAMPLES = 30


def examples(path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for block in yaml.safe_load(path.read_text()).get("nlu", []):
        lines = [
            line.strip()[2:].strip() for line in block["examples"].splitlines() if line.strip()
        ]
        found.setdefault(block["intent"], []).extend(lines)
    return found


def normal(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


@pytest.fixture(scope="module")
def training() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for intent, lines in examples(path).items():
            merged.setdefault(intent, []).extend(lines)
    return merged


def test_every_domain_intent_has_training_examples(training):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert set(domain["intents"]) == set(training)


@pytest.mark.parametrize("intent", sorted(FAQ_INTENTS))
def test_faq_intents_have_enough_distinct_examples(training, intent):
    distinct = {normal(e) for e in training[intent]}
    assert len(distinct) >= MIN_FAQ_EXAMPLES


def test_no_example_is_trained_under_two_intents(training):
    seen: dict[str, str] = {}
    clashes = []
    for intent, lines in training.items():
        for line in lines:
            key = normal(line)
            if seen.setdefault(key, intent) != intent:
                clashes.append((line, seen[key], intent))
    assert not clashes


def test_held_out_examples_are_not_in_the_training_data(training):
    trained = {normal(e) for lines in training.values() for e in lines}
    held_out = examples(ROOT / "tests" / "nlu" / "heldout.yml")
    leaked = [e for lines in held_out.values() for e in lines if normal(e) in trained]
    assert not leaked


def test_data_files_are_named_by_topic_alike_in_every_folder():
    """rasa-demo's layout: a topic's rules and stories sit in files named like its NLU file."""
    topics = {path.stem for path in (ROOT / "data" / "nlu").glob("*.yml")}
    for folder in ("rules", "stories"):
        names = {path.stem for path in (ROOT / "data" / folder).glob("*.yml")}
        assert names <= topics, f"data/{folder}: {sorted(names - topics)} match no data/nlu file"
