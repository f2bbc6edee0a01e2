"""Rasa NLU component: adds safety entities to every parsed message.

Affirmed mentions become `contraindication` / `red_flag` entities (the contract in DESIGN.md);
negated, hypothetical and third-party ones become `safety_mention` entities whose role says
why they did not count, so staff can still see them. When the second net is on, a category it
finds likely that the lexicon did not name at all becomes a `safety_mention` with role
"possible" covering the message (bot/nlu/safety_net.py). When the status net is on, a mention the
rules call affirmed that it finds unlikely to be the patient's own is reported as "possible" too,
at its own words (bot/nlu/status_net.py).
"""

from __future__ import annotations

import logging
from dataclasses import replace
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

from bot.content.lexicon import default_lexicon_dir, default_net_examples, labelled_rows_root
from bot.nlu.detector import Mention, SafetyDetector
from bot.nlu.entities import MENTION_ENTITY, POSSIBLE_ROLE
from bot.nlu.safety_net import SafetyNet, build_net
from bot.nlu.status_net import StatusNet, build_status_net

POSSIBLE = POSSIBLE_ROLE
log = logging.getLogger(__name__)


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


def doubted_entity(mention: Mention, probability: float, extractor: str) -> dict[str, Any]:
    """The Rasa entity dict for an affirmed mention the status net doubts: a possible flag at
    the mention's own words, its confidence the probability that it is the patient's own."""
    return {
        **mention_entity(replace(mention, status=POSSIBLE), extractor),
        "confidence_entity": round(probability, 3),
    }


def possible_entity(
    detector: SafetyDetector, text: str, category: str, probability: float, extractor: str
) -> dict[str, Any]:
    """The Rasa entity dict for a category only the second net found (the whole message)."""
    spec = detector.lexicon.categories[category]
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return {
        "entity": MENTION_ENTITY,
        "role": POSSIBLE,
        "value": category,
        "kind": spec.kind,
        "start": start,
        "end": end,
        "text": text[start:end],
        "severity": spec.severity,
        "confidence_entity": round(probability, 3),
        "extractor": extractor,
    }


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class SafetyFlagger(GraphComponent, EntityExtractorMixin):
    """Flags contraindications and red flags with the rule-based SafetyDetector."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`lexicon_dir`: folder of the lexicon; empty means the setting MESOBOT_SAFETY_DIR.
        `second_net`: also report "possible" flags from the learned net (off until the safety
        action treats them apart from negated and third-party mentions); `net_examples`: the
        files it learns from besides the lexicon (empty: labelled safety set and NLU data).
        `status_net`: let the learned status check demote doubtful affirmed mentions to
        "possible" (its training rows are listed in net.yml)."""
        return {
            "lexicon_dir": None,
            "second_net": False,
            "net_examples": None,
            "status_net": False,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        lexicon_dir = config.get("lexicon_dir")
        self.detector = SafetyDetector(Path(lexicon_dir) if lexicon_dir else default_lexicon_dir())
        self.net: SafetyNet | None = None
        if config.get("second_net", False):
            examples = config.get("net_examples")
            files = [Path(p) for p in examples] if examples is not None else default_net_examples()
            self.net = build_net(self.detector, files)
        self.status: StatusNet | None = None
        if config.get("status_net", False):
            self.status = build_status_net(self.detector, labelled_rows_root())
            if self.status is None:
                log.warning("status check off: none of its labelled rows (data/safety/net.yml)")

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyFlagger:
        """Build the detector from the lexicon and train the second net (when the model loads)."""
        return cls({**cls.get_default_config(), **config})

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are left as they are: the component learns nothing from them."""
        return training_data

    def entities(self, text: str) -> list[dict[str, Any]]:
        """The safety entities of one message."""
        name = self.__class__.__name__
        mentions = self.detector.detect(text)
        doubted = self.status.doubted(text, mentions) if self.status is not None else {}
        found = [
            doubted_entity(m, doubted[i], name) if i in doubted else mention_entity(m, name)
            for i, m in enumerate(mentions)
        ]
        if self.net is not None and text.strip():
            named = {m.category for m in mentions}
            found += [
                possible_entity(self.detector, text, category, p, name)
                for category, p in self.net.possible(text, named)
            ]
        return found

    def process(self, messages: list[Message]) -> list[Message]:
        """Append safety entities to each message."""
        for message in messages:
            found = self.entities(message.get(TEXT) or "")
            if found:
                message.set(ENTITIES, [*message.get(ENTITIES, []), *found], add_to_output=True)
        return messages
