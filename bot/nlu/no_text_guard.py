"""Rasa NLU component: a message with no letters or digits is emoji, punctuation or nothing.

DIET must pick some intent for "", "   " or "😀😀"; without this guard they come out as
`affirm` with high confidence and the bot answers "Great!" to nothing. Emoji that mean
something (👋 hello, 👍 yes, 🙏 thanks; data/dialogue.yml) get that intent; the rest goes to
the fallback.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.content import current_content
from bot.nlu.rule_component import RuleComponent, send_to_fallback

# Joiners and variation selectors that ride along with emoji.
_GLUE = {"\u200d", "\ufe0f", "\ufe0e"}


def has_words(text: str) -> bool:
    """True when the text has at least one letter or digit, in any script."""
    return any(ch.isalnum() for ch in text)


def emoji_intent(text: str, emoji: dict[str, tuple[str, ...]]) -> str | None:
    """The intent a message made only of one intent's emoji means, else None."""
    compact = "".join(ch for ch in text if not ch.isspace())
    if not compact:
        return None
    for intent, marks in emoji.items():
        rest = compact
        for mark in sorted(marks, key=len, reverse=True):
            rest = rest.replace(mark, "")
        if not rest.strip("".join(_GLUE)) and len(rest) < len(compact):
            return intent
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NoTextGuard(RuleComponent):
    """Overrides the intent of a message with no words: an emoji's meaning, or nlu_fallback."""

    def __init__(self, emoji: dict[str, tuple[str, ...]] | None = None) -> None:
        self.emoji = emoji or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NoTextGuard:
        """Read which emoji mean what."""
        return cls(current_content().dialogue.emoji)

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace the intent of wordless messages."""
        for message in messages:
            text = message.get(TEXT) or ""
            if has_words(text):
                continue
            intent = emoji_intent(text, self.emoji)
            if intent is None:
                send_to_fallback(message)
                continue
            meant = {"name": intent, "confidence": 1.0}
            message.set(INTENT, meant, add_to_output=True)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
            message.set(INTENT_RANKING_KEY, [meant, *ranking], add_to_output=True)
        return messages
