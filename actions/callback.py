"""The callback form: validates name, phone and best time, then stores them."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.interfaces import Action, Tracker
from rasa_sdk.types import DomainDict

from actions.turn import channel_of, had_red_flag
from actions.validation import clean_name, clean_phone, clean_time
from bot.content import current_content
from bot.store.db import current_sessions
from bot.store.escalations import save_callback
from bot.store.retry import committed


class ValidateCallbackForm(FormValidationAction):
    """Rejects answers that cannot be a name, a phone number or a time, and asks again."""

    def name(self) -> str:
        """Validation action for callback_form."""
        return "validate_callback_form"

    def validate_callback_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep a plausible name."""
        name = clean_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(response="utter_callback_invalid_name")
        return {"callback_name": name}

    def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep a phone number of 7-15 digits."""
        phone = clean_phone(str(value or ""))
        if phone is None:
            dispatcher.utter_message(response="utter_callback_invalid_phone")
        return {"callback_phone": phone}

    def validate_callback_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep a short time preference."""
        when = clean_time(str(value or ""))
        if when is None:
            dispatcher.utter_message(response="utter_callback_invalid_time")
        return {"callback_time": when}


class ActionSaveCallback(Action):
    """Stores the callback details on the conversation's escalation and confirms them."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_save_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Save, then read the details back to the patient."""
        # The form only completes with all three validated, so none is empty here.
        name = str(tracker.get_slot("callback_name") or "")
        phone = str(tracker.get_slot("callback_phone") or "")
        when = str(tracker.get_slot("callback_time") or "")
        sessions, conversation, channel = current_sessions(), tracker.sender_id, channel_of(tracker)
        saved = await asyncio.to_thread(
            committed,
            lambda: save_callback(sessions, conversation, channel, name, phone, when),
            "saving callback details",
        )
        values = current_content().clinic.template_values()
        if saved is None:
            # Nobody will call: say so, and how to reach the clinic (urgently after a red flag).
            if had_red_flag(tracker):
                dispatcher.utter_message(response="utter_safety_urgent", **values)
            dispatcher.utter_message(response="utter_callback_not_saved", **values)
            return [SlotSet("callback_offered", False)]
        dispatcher.utter_message(
            response="utter_callback_saved",
            callback_name=name,
            callback_phone=phone,
            callback_time=when,
            **values,
        )
        return [SlotSet("callback_offered", False)]
