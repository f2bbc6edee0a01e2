"""Rasa NLU component: a message with no word the training data knows goes to the fallback.

DIET must give made-up words some intent, and sometimes it gives one confidently: "blorp snargle
wibble" came out as `ask_cost` at 0.67 and got the price answer. A message in which not one word
is a word of the training data, or one typing slip away from one ("shampo", "excercise"), cannot
have been understood, so it gets the fallback: what the bot can help with, and a person. The
vocabulary is learned from the training examples, lookup tables and synonyms when the model is
trained, and kept in the model. The safety component has already run: a flag in such a message
still gets the safety reply.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.rule_component import send_to_fallback
from bot.nlu.spelling import MIN_SLIP_LENGTH, deletes
from bot.nlu.stored_component import StoredComponent

_WORD = re.compile(r"[^\W\d_]{2,}")
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)")  # "[PRP](treatment)" -> "PRP"
_FILE = "vocabulary.json"


def words(text: str) -> list[str]:
    """The words of a text (letters only, two or more), folded the same way as the vocabulary."""
    folded = unicodedata.normalize("NFKC", _ANNOTATION.sub(r"\1", text)).casefold()
    return _WORD.findall(folded)


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """The words of the training data, and each with one letter left out (for typing slips)."""

    known: frozenset[str]
    slips: frozenset[str]

    @classmethod
    def of(cls, known: Iterable[str]) -> Vocabulary:
        """Build the vocabulary from its words."""
        exact = frozenset(known)
        # Two words are one edit apart (a letter added, dropped, changed or two swapped) when
        # one is the other, or one with a letter dropped equals the other or the other with a
        # letter dropped (the symmetric-delete test).
        slips = {gap for word in exact if len(word) >= MIN_SLIP_LENGTH for gap in deletes(word)}
        return cls(exact, frozenset(slips | {w for w in exact if len(w) >= MIN_SLIP_LENGTH - 1}))

    def knows(self, word: str) -> bool:
        """True for a word of the training data or one typing slip away from one."""
        if word in self.known:
            return True
        if len(word) < MIN_SLIP_LENGTH:
            return False
        return word in self.slips or any(gap in self.slips for gap in deletes(word))

    def understands_nothing_of(self, text: str) -> bool:
        """True when the text has words and none of them is known."""
        found = words(text)
        return bool(found) and not any(self.knows(word) for word in found)


def training_words(training_data: TrainingData) -> set[str]:
    """Every word of the examples, lookup tables and synonyms the model is trained on."""
    texts = [example.get(TEXT) or "" for example in training_data.training_examples]
    for table in training_data.lookup_tables:
        texts.extend(str(element) for element in table.get("elements") or [])
    for synonym, value in training_data.entity_synonyms.items():
        texts.extend((str(synonym), str(value)))
    return {word for text in texts for word in words(text)}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class VocabularyGuard(StoredComponent[Vocabulary]):
    """Sends messages in which no word is a training-data word to the fallback."""

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the vocabulary and keep it in the model."""
        return self.keep(Vocabulary.of(training_words(training_data)))

    @classmethod
    def read_state(cls, directory: Path) -> Vocabulary:
        """The vocabulary the model was trained with."""
        return Vocabulary.of(json.loads((directory / _FILE).read_text(encoding="utf-8")))

    def write_state(self, directory: Path, state: Vocabulary) -> None:
        """The known words, sorted (the slips are rebuilt when the model is loaded)."""
        (directory / _FILE).write_text(json.dumps(sorted(state.known)), encoding="utf-8")

    def process(self, messages: list[Message]) -> list[Message]:
        """Send messages with no known word to the fallback."""
        if self.state is None:
            return messages
        for message in messages:
            if self.state.understands_nothing_of(message.get(TEXT) or ""):
                send_to_fallback(message)
        return messages
