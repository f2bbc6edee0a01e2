"""Runs after every patient message: answers contraindications and red flags safely."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.faq import utter_answer
from actions.handoff import escalate

CONTRAINDICATION = "contraindication"
RED_FLAG = "red_flag"
MENTION = "safety_mention"
# Used when the classifier hears a disclosure or complication the lexicon did not name.
UNSPECIFIED = {
    "disclose_condition": (CONTRAINDICATION, "unspecified_condition"),
    "report_complication": (RED_FLAG, "unspecified_complication"),
}
# What to answer when the only mentions are negated, hypothetical or about someone else.
GENERAL_ANSWER = {
    "disclose_condition": "ask_contraindications",
    "report_complication": "ask_side_effects",
}
ANSWERING_AN_OFFER = ("affirm", "deny")


def join_phrases(phrases: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    unique = list(dict.fromkeys(phrases))
    return unique[0] if len(unique) == 1 else f"{', '.join(unique[:-1])} and {unique[-1]}"


def _matched(entity: dict[str, Any]) -> dict[str, Any]:
    keys = ("entity", "value", "start", "end", "text", "role", "cue")
    return {key: entity[key] for key in keys if entity.get(key) is not None}


class ActionCheckSafety(Action):
    """Safety reply, escalation and callback offer for flagged messages; silent otherwise."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_check_safety"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Look at the latest message's safety entities and act on them."""
        intent = context.intent_of(tracker) or ""
        entities = tracker.latest_message.get("entities") or []
        red = [e for e in entities if e.get("entity") == RED_FLAG]
        contra = [e for e in entities if e.get("entity") == CONTRAINDICATION]
        others = [_matched(e) for e in entities if e.get("entity") == MENTION]
        events: list[EventType] = []
        if tracker.get_slot("callback_offered") and intent not in ANSWERING_AN_OFFER:
            events.append(SlotSet("callback_offered", False))

        if red or contra:
            kind = RED_FLAG if red else CONTRAINDICATION
            categories = list(dict.fromkeys(e["value"] for e in red + contra))
            self._explain(dispatcher, red, contra)
        elif intent in UNSPECIFIED and others:
            # Only negated, hypothetical or third-party mentions: answer the general question.
            utter_answer(dispatcher, context.knowledge()[GENERAL_ANSWER[intent]])
            return events
        elif intent in UNSPECIFIED:
            kind, category = UNSPECIFIED[intent]
            categories = [category]
            if kind == RED_FLAG:
                self._urgent(dispatcher)
                dispatcher.utter_message(response="utter_safety_complication_unspecified")
            else:
                dispatcher.utter_message(response="utter_safety_condition_unspecified")
        else:
            return events
        escalate(
            tracker,
            kind=kind,
            severity="urgent" if kind == RED_FLAG else "high",
            categories=categories,
            matched=[_matched(e) for e in red + contra],
            other_mentions=others,
        )
        if not tracker.get_slot("callback_phone"):
            # After an FAQ question the answer comes next; the FAQ action makes the offer after
            # it, so the patient's question is answered before we ask ours.
            if intent not in context.knowledge():
                dispatcher.utter_message(response="utter_safety_offer_callback")
            events = [SlotSet("callback_offered", True)]
        return events

    @staticmethod
    def _urgent(dispatcher: CollectingDispatcher) -> None:
        dispatcher.utter_message(
            response="utter_safety_urgent", **context.clinic().template_values()
        )

    @classmethod
    def _explain(
        cls,
        dispatcher: CollectingDispatcher,
        red: list[dict[str, Any]],
        contra: list[dict[str, Any]],
    ) -> None:
        """Urgent-care advice first for red flags, then what was understood about each."""
        names = context.understood()
        if red:
            cls._urgent(dispatcher)
            phrases = [names.get(e["value"], e["value"]) for e in red]
            dispatcher.utter_message(
                response="utter_safety_red_flag", understood=join_phrases(phrases)
            )
        if contra:
            phrases = [names.get(e["value"], e["value"]) for e in contra]
            dispatcher.utter_message(
                response="utter_safety_contraindication", understood=join_phrases(phrases)
            )


class ActionDeclineCallback(Action):
    """The patient does not want a callback (declined or skipped the form)."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_decline_callback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Reassure the patient that staff still review, and close the offer."""
        dispatcher.utter_message(
            response="utter_callback_declined", **context.clinic().template_values()
        )
        return [
            SlotSet("callback_offered", False),
            SlotSet("callback_name", None),
            SlotSet("callback_phone", None),
            SlotSet("callback_time", None),
        ]
