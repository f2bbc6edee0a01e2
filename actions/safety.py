"""Runs after every patient message: answers contraindications and red flags safely."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import Action, Tracker
from rasa_sdk.types import DomainDict

from actions.faq import utter_answer
from actions.handoff import escalate
from actions.turn import intent_of
from bot.content import current_content
from bot.nlu.entities import CONTRAINDICATION, MENTION_ENTITY, POSSIBLE_ROLE, RED_FLAG
from bot.store.models import SEVERITIES

ANSWERING_AN_OFFER = ("affirm", "deny")
POSSIBLE_FLAG = "possible_flag"


def join_phrases(phrases: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    unique = list(dict.fromkeys(phrases))
    return unique[0] if len(unique) == 1 else f"{', '.join(unique[:-1])} and {unique[-1]}"


def most_serious(severities: list[str]) -> str:
    """The most serious of the severities the data gave the flagged categories."""
    return min(severities, key=SEVERITIES.index)


def say(dispatcher: CollectingDispatcher, response: str, recorded: bool, **values: Any) -> None:
    """A safety reply: the version that says "flagged" only when the escalation committed."""
    values = {**current_content().clinic.template_values(), **values}
    dispatcher.utter_message(response=response if recorded else f"{response}_unrecorded", **values)


def _matched(entity: dict[str, Any]) -> dict[str, Any]:
    keys = ("entity", "value", "start", "end", "text", "role", "cue")
    return {key: entity[key] for key in keys if entity.get(key) is not None}


class ActionCheckSafety(Action):
    """Safety reply, escalation and callback offer for flagged messages; silent otherwise."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_check_safety"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Look at the latest message's safety entities and act on them."""
        content = current_content()
        intent = intent_of(tracker) or ""
        entities = tracker.latest_message.get("entities") or []
        red = [e for e in entities if e.get("entity") == RED_FLAG]
        contra = [e for e in entities if e.get("entity") == CONTRAINDICATION]
        mentions = [e for e in entities if e.get("entity") == MENTION_ENTITY]
        possible = [_matched(e) for e in mentions if e.get("role") == POSSIBLE_ROLE]
        others = [_matched(e) for e in mentions if e.get("role") != POSSIBLE_ROLE]
        unspecified = content.safety.unspecified.get(intent)
        events: list[EventType] = []
        if tracker.get_slot("callback_offered") and intent not in ANSWERING_AN_OFFER:
            events.append(SlotSet("callback_offered", False))

        if red or contra:
            kind = RED_FLAG if red else CONTRAINDICATION
            categories = list(dict.fromkeys(e["value"] for e in red + contra))
            severity = most_serious([content.safety.severity[c] for c in categories])
        elif possible and not unspecified:
            # Only the learned net heard something: staff review it; the patient's question
            # is answered as usual and nothing is promised.
            await escalate(
                tracker,
                kind=POSSIBLE_FLAG,
                severity="normal",
                categories=list(dict.fromkeys(e["value"] for e in possible)),
                matched=possible,
                other_mentions=others,
            )
            return events
        elif unspecified and others:
            # Only negated, hypothetical or third-party mentions: answer the general question.
            utter_answer(dispatcher, content.knowledge[unspecified.general_answer])
            return events
        elif unspecified:
            kind, categories = unspecified.kind, [unspecified.category]
            severity = unspecified.severity
        else:
            return events
        if kind == RED_FLAG:
            self._urgent(dispatcher)  # first, before anything can go wrong
        recorded = await escalate(
            tracker,
            kind=kind,
            severity=severity,
            categories=categories,
            matched=[_matched(e) for e in red + contra],
            other_mentions=others,
        )
        if red or contra:
            self._explain(dispatcher, red, contra, recorded)
        else:
            response = (
                "utter_safety_complication_unspecified"
                if kind == RED_FLAG
                else "utter_safety_condition_unspecified"
            )
            say(dispatcher, response, recorded)
        if recorded and not tracker.get_slot("callback_phone"):
            # After an FAQ question the answer comes next; the FAQ action makes the offer after
            # it, so the patient's question is answered before we ask ours.
            if intent not in content.knowledge:
                dispatcher.utter_message(response="utter_safety_offer_callback")
            events = [SlotSet("callback_offered", True)]
        return events

    @staticmethod
    def _urgent(dispatcher: CollectingDispatcher) -> None:
        values = current_content().clinic.template_values()
        dispatcher.utter_message(response="utter_safety_urgent", **values)

    @staticmethod
    def _explain(
        dispatcher: CollectingDispatcher,
        red: list[dict[str, Any]],
        contra: list[dict[str, Any]],
        recorded: bool,
    ) -> None:
        """What was understood about each flag, and whether the clinic team has it."""
        name_of = current_content().safety.name_of
        if red:
            phrases = [name_of(e["value"]) for e in red]
            say(dispatcher, "utter_safety_red_flag", recorded, understood=join_phrases(phrases))
        if contra:
            phrases = [name_of(e["value"]) for e in contra]
            say(
                dispatcher,
                "utter_safety_contraindication",
                recorded,
                understood=join_phrases(phrases),
            )


class ActionDeclineCallback(Action):
    """The patient does not want a callback (declined or skipped the form)."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_decline_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Reassure the patient that staff still review, and close the offer."""
        values = current_content().clinic.template_values()
        dispatcher.utter_message(response="utter_callback_declined", **values)
        return [
            SlotSet("callback_offered", False),
            SlotSet("callback_name", None),
            SlotSet("callback_phone", None),
            SlotSet("callback_time", None),
        ]
