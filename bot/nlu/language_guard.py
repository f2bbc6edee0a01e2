"""Rasa NLU component: a message in a language the assistant does not answer in.

The knowledge base is English only. DIET would still pick some English intent for "¿cuánto
cuesta?" and answer the wrong question, so a message that is clearly in another language goes
to the fallback with a `language` entity, and the fallback answers in that language that the
bot speaks English only, with the clinic's phone. The safety component has already run: a
Spanish "estoy embarazada" is still flagged.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.content import current_content
from bot.content.languages import Languages
from bot.nlu.entities import LANGUAGE_ENTITY
from bot.nlu.rule_component import RuleComponent, send_to_fallback

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def detect_language(text: str, languages: Languages, speaks: frozenset[str]) -> str | None:
    """The code of the language the message is in, when it is one the bot does not speak."""
    words = [word.lower() for word in _WORD.findall(text)]
    if not words:
        return None
    english = sum(word in languages.english_words for word in words)
    best, best_score = None, 0.0
    for code, language in languages.others.items():
        score = sum(word in language.words for word in words)
        score += 2 * sum(ch in language.marks for ch in text)
        if score > best_score:
            best, best_score = code, score
    if best is None or best in speaks or best_score <= english:
        return None
    # One foreign word is enough for a short message ("hola", "gracias"), not for a long one.
    return best if best_score >= 2 or len(words) <= 2 else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageGuard(RuleComponent):
    """Sends messages in a language the bot does not answer in to the fallback."""

    def __init__(self, languages: Languages, speaks: frozenset[str]) -> None:
        self.languages = languages
        self.speaks = speaks

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageGuard:
        """Read the languages and which of them the clinic's assistant answers in."""
        content = current_content()
        answers = {content.languages.answers_in} & set(content.clinic.languages)
        return cls(content.languages, frozenset(answers or {content.languages.answers_in}))

    def process(self, messages: list[Message]) -> list[Message]:
        """Mark foreign-language messages and send them to the fallback."""
        for message in messages:
            code = detect_language(message.get(TEXT) or "", self.languages, self.speaks)
            if code is None:
                continue
            send_to_fallback(message)
            entity = {"entity": LANGUAGE_ENTITY, "value": code, "extractor": "LanguageGuard"}
            message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
        return messages
