"""Rasa NLU component: a message with no letters or digits goes to the fallback.

DIET must pick some intent for "", "   " or "😀😀"; without this guard they come out as
`affirm` with high confidence and the bot answers "Great!" to nothing.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


def has_words(text: str) -> bool:
    """True when the text has at least one letter or digit, in any script."""
    return any(ch.isalnum() for ch in text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NoTextGuard(GraphComponent):
    """Overrides the intent with nlu_fallback when a message has no words at all."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NoTextGuard:
        """No state to build."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace the intent of wordless messages."""
        for message in messages:
            if has_words(message.get(TEXT) or ""):
                continue
            fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
            message.set(INTENT, fallback, add_to_output=True)
            ranking = message.get(INTENT_RANKING_KEY) or []
            message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages
