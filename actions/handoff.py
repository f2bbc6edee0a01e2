"""Passing the patient to clinic staff, bookings, and the fallback that offers a person."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import Action, Tracker
from rasa_sdk.types import DomainDict

from actions.turn import channel_of, entity_value, message_id_of
from bot.content import current_content
from bot.nlu.entities import LANGUAGE_ENTITY
from bot.store.db import current_sessions
from bot.store.escalations import Flag, record_flag
from bot.store.retry import committed

# After this many misunderstood messages in a row the conversation goes to staff.
FALLBACKS_BEFORE_ESCALATION = 2


async def escalate(tracker: Tracker, kind: str, severity: str, **fields: Any) -> bool:
    """Record an escalation for the latest message; True once it committed.

    A failed write is retried; if it still fails the caller must not say "flagged" or "passed
    on" (the failure is logged and shown on the action server's /status).
    """
    flag = Flag(
        conversation_id=tracker.sender_id,
        channel=channel_of(tracker),
        kind=kind,
        severity=severity,
        message_id=message_id_of(tracker),
        text=tracker.latest_message.get("text") or "",
        **fields,
    )
    sessions = current_sessions()
    recorded = await asyncio.to_thread(
        committed, lambda: record_flag(sessions, flag), f"recording a {kind} escalation"
    )
    return recorded is not None


class ActionRequestHuman(Action):
    """The patient asked for a person: open an escalation and tell them what happens next."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Record the request and give the clinic's phone and hours."""
        passed_on = await escalate(tracker, kind="human_requested", severity="normal")
        response = "utter_handoff" if passed_on else "utter_handoff_unrecorded"
        dispatcher.utter_message(response=response, **current_content().clinic.template_values())
        return [SlotSet("fallback_count", 0)]


class ActionBookAppointment(Action):
    """How to book: the clinic's booking link if it has one, and its phone."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_book_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Point the patient at the booking link or phone."""
        clinic = current_content().clinic
        response = "utter_book" if clinic.booking_url else "utter_book_by_phone"
        dispatcher.utter_message(response=response, **clinic.template_values())
        return []


class ActionFallback(Action):
    """Low confidence: say what the bot can help with; the second time, hand over to staff."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Offer topics and a person; escalate when the bot failed twice in a row."""
        content = current_content()
        language = entity_value(tracker, LANGUAGE_ENTITY)
        if language:
            # Understood, just not in a language the bot answers in: say so, with the phone.
            for text in content.languages.reply(language, content.clinic):
                dispatcher.utter_message(text=text)
            return [SlotSet("fallback_count", 0)]
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        if count >= FALLBACKS_BEFORE_ESCALATION:
            # The reply offers a person and gives the phone; it promises nothing about the write.
            await escalate(tracker, kind="bot_failed", severity="normal")
            dispatcher.utter_message(
                response="utter_fallback_again", **current_content().clinic.template_values()
            )
        else:
            dispatcher.utter_message(response="utter_fallback")
        return [SlotSet("fallback_count", count)]
