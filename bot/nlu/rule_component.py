"""What the rule-based NLU components share: nothing to train, and a way to the fallback."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class RuleComponent(GraphComponent):
    """A component built from rules alone: created as it is, leaves training data alone."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RuleComponent:
        """No state to build."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn."""
        return training_data


def send_to_fallback(message: Message) -> None:
    """Make the message's intent nlu_fallback, whatever the classifier thought."""
    fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
    message.set(INTENT, fallback, add_to_output=True)
    ranking = message.get(INTENT_RANKING_KEY) or []
    message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
