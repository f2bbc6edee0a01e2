"""Rasa NLU component: adds safety entities to every parsed message.

Affirmed mentions become `contraindication` / `red_flag` entities (the contract in DESIGN.md);
negated, hypothetical and third-party ones become `safety_mention` entities whose role says
why they did not count, so staff can still see them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.content.lexicon import default_lexicon_dir
from bot.nlu.detector import Mention, SafetyDetector
from bot.nlu.entities import MENTION_ENTITY


def mention_entity(mention: Mention, extractor: str) -> dict[str, Any]:
    """The Rasa entity dict for one mention."""
    entity: dict[str, Any] = {
        "entity": mention.kind if mention.affirmed else MENTION_ENTITY,
        "value": mention.category,
        "start": mention.start,
        "end": mention.end,
        "text": mention.text,
        "severity": mention.severity,
        "confidence_entity": 1.0,
        "extractor": extractor,
    }
    if not mention.affirmed:
        entity["role"] = mention.status
        entity["kind"] = mention.kind
        entity["cue"] = mention.cue
    return entity


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class SafetyFlagger(GraphComponent, EntityExtractorMixin):
    """Flags contraindications and red flags with the rule-based SafetyDetector."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`lexicon_dir`: folder of the lexicon; empty means the setting MESOBOT_SAFETY_DIR."""
        return {"lexicon_dir": None}

    def __init__(self, config: dict[str, Any]) -> None:
        lexicon_dir = config.get("lexicon_dir")
        self.detector = SafetyDetector(Path(lexicon_dir) if lexicon_dir else default_lexicon_dir())

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyFlagger:
        """Build the detector from the lexicon (runs when the model loads)."""
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are left as they are: the component learns nothing."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Append safety entities to each message."""
        for message in messages:
            text = message.get(TEXT) or ""
            found = [mention_entity(m, self.__class__.__name__) for m in self.detector.detect(text)]
            if found:
                message.set(ENTITIES, [*message.get(ENTITIES, []), *found], add_to_output=True)
        return messages
