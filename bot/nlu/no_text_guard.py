"""Rasa NLU component: a message with no letters or digits goes to the fallback.

DIET must pick some intent for "", "   " or "😀😀"; without this guard they come out as
`affirm` with high confidence and the bot answers "Great!" to nothing.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_component import RuleComponent, send_to_fallback


def has_words(text: str) -> bool:
    """True when the text has at least one letter or digit, in any script."""
    return any(ch.isalnum() for ch in text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NoTextGuard(RuleComponent):
    """Overrides the intent with nlu_fallback when a message has no words at all."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace the intent of wordless messages."""
        for message in messages:
            if not has_words(message.get(TEXT) or ""):
                send_to_fallback(message)
        return messages
