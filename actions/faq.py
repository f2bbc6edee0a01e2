"""Answers every FAQ intent from the knowledge base."""

from __future__ import annotations

import json

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import Action, Tracker
from rasa_sdk.types import DomainDict

from actions.turn import intent_of
from bot.content import Entry, current_content

DETAIL_ENTITY = "faq_detail"


def detail_payload(intent: str) -> str:
    """Button payload that asks for the details of an FAQ entry."""
    return "/" + intent + json.dumps({DETAIL_ENTITY: "more"}, separators=(",", ":"))


def utter_answer(dispatcher: CollectingDispatcher, entry: Entry) -> None:
    """The entry's short answer, with the clinic's values, and a "Tell me more" button."""
    answer = entry.render(current_content().clinic.template_values())
    dispatcher.utter_message(
        response="utter_faq_answer", answer=answer, detail_payload=detail_payload(entry.intent)
    )


def wants_details(tracker: Tracker) -> bool:
    """True when the patient pressed "Tell me more"."""
    entities = tracker.latest_message.get("entities") or []
    return any(entity.get("entity") == DETAIL_ENTITY for entity in entities)


class ActionAnswerFaq(Action):
    """The documented answer for the latest FAQ intent, or its details on "Tell me more"."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Disclaimer once per conversation, the answer (or details), a pending callback offer."""
        intent = intent_of(tracker)
        entry = current_content().knowledge.get(intent or "")
        if entry is None:
            dispatcher.utter_message(response="utter_fallback")
            return []
        events: list[EventType] = [SlotSet("fallback_count", 0)]
        if not tracker.get_slot("disclaimer_shown"):
            dispatcher.utter_message(response="utter_disclaimer")
            events.append(SlotSet("disclaimer_shown", True))
        if wants_details(tracker):
            dispatcher.utter_message(response="utter_faq_details", details=entry.details)
        else:
            utter_answer(dispatcher, entry)
        if tracker.get_slot("callback_offered"):
            # Set by action_check_safety in this very turn (it clears it on every other turn).
            dispatcher.utter_message(response="utter_safety_offer_callback")
        return events
