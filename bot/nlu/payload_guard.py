"""Rasa NLU component: patient text is data, never an intent payload.

Rasa reads a message starting with "/" as `/intent{"entity": "value"}` and skips the
classifier and the safety entities (its RegexMessageHandler runs after every component and
replaces them). Only button presses the gateway issued and checked may do that: the gateway
channel marks them with `metadata.source == "button"`. Any other such text gets an invisible
word joiner in front, so Rasa reads it as the words it is.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.entities import BUTTON_SOURCE
from bot.nlu.rule_component import RuleComponent

PAYLOAD_PREFIX = "/"
# U+2060 WORD JOINER: not whitespace, so Rasa's strip() keeps it, and invisible.
NEUTRAL_PREFIX = "\u2060"


def looks_like_payload(text: str) -> bool:
    """True when Rasa would read the text as an intent payload."""
    return text.strip().startswith(PAYLOAD_PREFIX)


def from_button(metadata: object) -> bool:
    """True when the gateway marked the message as a button it issued."""
    return isinstance(metadata, dict) and metadata.get("source") == BUTTON_SOURCE


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PayloadGuard(RuleComponent):
    """Neutralises payload syntax in anything but a gateway-issued button press."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Keep Rasa from unpacking payload syntax the patient typed."""
        for message in messages:
            text = message.get(TEXT) or ""
            if looks_like_payload(text) and not from_button(message.get(METADATA)):
                message.set(TEXT, NEUTRAL_PREFIX + text)
        return messages
