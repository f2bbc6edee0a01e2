"""A turn of the conversation, and the state the conversation carries from turn to turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk.interfaces import Tracker

from actions.turn import channel_of, message_id_of
from bot.nlu.entities import (
    BUTTON_SOURCE,
    CONTRAINDICATION,
    LANGUAGE_ENTITY,
    MENTION_ENTITY,
    POSSIBLE_ROLE,
    RED_FLAG,
)

DETAIL_ENTITY = "faq_detail"
TREATMENT_ENTITY = "treatment"


def _matched(entity: dict[str, Any]) -> dict[str, Any]:
    keys = ("entity", "value", "start", "end", "text", "role", "cue")
    return {key: entity[key] for key in keys if entity.get(key) is not None}


@dataclass(frozen=True)
class Turn:
    """What the patient's latest message says, as NLU read it."""

    text: str
    intent: str
    confidence: float
    red: list[dict[str, Any]] = field(default_factory=list)
    contra: list[dict[str, Any]] = field(default_factory=list)
    others: list[dict[str, Any]] = field(default_factory=list)
    possible: list[dict[str, Any]] = field(default_factory=list)
    treatments: list[tuple[str, str]] = field(default_factory=list)
    language: str | None = None
    wants_details: bool = False
    button: bool = False
    message_id: str = ""
    channel: str = ""

    @property
    def flagged(self) -> bool:
        """A contraindication or red flag the patient states about themselves."""
        return bool(self.red or self.contra)

    @classmethod
    def of(cls, tracker: Tracker) -> Turn:
        """The latest message of the tracker."""
        latest = tracker.latest_message or {}
        intent = latest.get("intent") or {}
        entities = latest.get("entities") or []
        metadata = latest.get("metadata") or {}

        def kind(name: str) -> list[dict[str, Any]]:
            return [_matched(e) for e in entities if e.get("entity") == name]

        mentions = [e for e in entities if e.get("entity") == MENTION_ENTITY]
        return cls(
            text=str(latest.get("text") or ""),
            intent=str(intent.get("name") or ""),
            confidence=float(intent.get("confidence") or 0.0),
            red=kind(RED_FLAG),
            contra=kind(CONTRAINDICATION),
            others=[_matched(e) for e in mentions if e.get("role") != POSSIBLE_ROLE],
            possible=[_matched(e) for e in mentions if e.get("role") == POSSIBLE_ROLE],
            treatments=[
                (str(e.get("value")), str(e.get("text") or e.get("value")))
                for e in entities
                if e.get("entity") == TREATMENT_ENTITY and e.get("value")
            ],
            language=next(
                (str(e["value"]) for e in entities if e.get("entity") == LANGUAGE_ENTITY), None
            ),
            wants_details=any(e.get("entity") == DETAIL_ENTITY for e in entities),
            button=isinstance(metadata, dict) and metadata.get("source") == BUTTON_SOURCE,
            message_id=message_id_of(tracker),
            channel=channel_of(tracker),
        )


@dataclass
class State:
    """The slots action_respond keeps (see domain.yml); changed ones are set again."""

    topic: str | None = None
    last_answer: str | None = None
    urgent: bool = False
    caution: bool = False
    callback_offered: bool = False
    callback_step: str | None = None
    callback_name: str | None = None
    callback_phone: str | None = None
    callback_time: str | None = None
    callback_done: bool = False
    disclaimer_shown: bool = False
    fallback_count: float = 0.0

    @classmethod
    def of(cls, tracker: Tracker) -> State:
        """The slots of the tracker."""
        state = cls()
        for name in cls.__dataclass_fields__:
            value = tracker.get_slot(name)
            if value is not None:
                setattr(state, name, value)
        return state

    def as_slots(self) -> dict[str, Any]:
        """Every slot with its value."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}
