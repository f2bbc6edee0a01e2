"""The vocabulary guard: made-up words go to the fallback; typing slips and real questions do not.

The end-to-end reply to made-up words (the fallback, not an answer) is in tests/test_e2e.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.vocabulary_guard import Vocabulary, VocabularyGuard, training_words, words
from bot.settings import ROOT

NLU = ROOT / "data" / "nlu"
MADE_UP = ["blorp snargle wibble", "asdfgh qwerty", "Zorblax?", "flurm glorp!!"]


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.of(training_words(load_data(str(NLU))))


def test_words_are_folded_and_letters_only():
    assert words("Can I WASH my [hair](x) 2day?? ｗａｓｈ") == [
        "can",
        "wash",
        "my",
        "hair",
        "day",
        "wash",
    ]
    assert words("12:30 +44 7700 900123 🙂") == []


@pytest.mark.parametrize("text", MADE_UP)
def test_made_up_words_are_not_understood(vocabulary, text):
    assert vocabulary.understands_nothing_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "shampo?",  # a letter dropped
        "excercise",  # a letter added
        "can i wosh my hiar",  # a letter changed, two swapped
        "HOW MUCH",
        "Eliquis",  # a lookup-free drug name: one known word is enough, and it is in the data
        "hi",
        "tomorrow morning",
    ],
)
def test_typing_slips_and_plain_words_are_understood(vocabulary, text):
    assert not vocabulary.understands_nothing_of(text)


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "07700 900123", "38.5", "a"])
def test_messages_without_words_are_left_to_the_other_guards(vocabulary, text):
    assert not vocabulary.understands_nothing_of(text)


def test_no_real_question_or_held_out_example_is_sent_to_the_fallback(vocabulary):
    rows = yaml.safe_load((ROOT / "tests" / "nlu" / "real_questions.yml").read_text())
    questions = [row["text"] for row in rows["questions"]]
    held_out = [e.get(TEXT) for e in load_data(str(ROOT / "tests/nlu/heldout.yml")).intent_examples]
    caught = sum(vocabulary.understands_nothing_of(text) for text in [*questions, *held_out])
    # Counts only: the test split's texts are never printed.
    assert (len(questions) >= 600, len(held_out) >= 100, caught) == (True, True, 0)


def test_the_vocabulary_is_trained_into_the_model_and_read_back(tmp_path: Path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("vocabulary_guard")
    context = ExecutionContext(GraphSchema({}), "test")
    data = TrainingData([Message({TEXT: "can I wash my hair", INTENT: "ask_wash_hair"})])
    guard = VocabularyGuard.create({}, storage, resource, context)
    assert guard.process([Message({TEXT: "blorp"})])[0].get(INTENT) is None  # untrained: off
    guard.train(data)
    loaded = VocabularyGuard.load({}, storage, resource, context)
    made_up, known = loaded.process([Message({TEXT: "blorp snargle"}), Message({TEXT: "wash?"})])
    assert made_up.get(INTENT)["name"] == DEFAULT_NLU_FALLBACK_INTENT_NAME
    assert known.get(INTENT) is None
