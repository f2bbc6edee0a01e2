"""The one action that answers every patient turn, in a fixed order, without contradictions.

Order of a reply: urgent-care advice (red flags) → what was understood about a flag → the
answers to the patient's questions → what the bot does next (booking, a person, small talk)
→ the callback offer or its next question. The bot never gives a booking link in a turn or
conversation where it asked the patient not to book, and never says "flagged" or "will call"
unless the write committed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import Action, Tracker
from rasa_sdk.types import DomainDict

from actions.answers import Answer, choose, point_of, topics_in
from actions.callback import (
    STEPS,
    Details,
    asks_for_a_call,
    message_parts,
    read_details,
    says_yes,
    wants_to_stop,
)
from actions.conversation import DETAIL_ENTITY, State, Turn
from actions.recording import Recorder
from actions.words import asks_anything, first_phrase, is_question, starts_like_a_question, words
from bot.content import Content, current_content
from bot.content.knowledge import Entry
from bot.nlu.entities import RED_FLAG
from bot.store.models import SEVERITIES

# After this many misunderstood messages in a row the conversation goes to staff.
FALLBACKS_BEFORE_ESCALATION = 2
FALLBACK = "nlu_fallback"
SMALL_TALK = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_thank",
    "bot_challenge": "utter_bot_challenge",
    "out_of_scope": "utter_out_of_scope",
}
# Small talk the safety reply stands in for when the message raised a flag.
FLAG_ANSWERS = frozenset({"greet", "out_of_scope"})
# Topics the safety reply already covers when a message raises a flag.
COVERED_BY_SAFETY = frozenset({"ask_contraindications", "ask_side_effects"})
# Aftercare rules apply to any injection treatment, so they are worth giving when a patient
# names another one; prices, sessions and results are not.
GENERAL_RULES = frozenset(
    {"ask_wash_hair", "ask_exercise", "ask_coffee_alcohol_smoking", "ask_aftercare", "ask_pain"}
)
COVERED_TREATMENTS = frozenset({"mesotherapy"})
# Intents that are not questions: a message classified as one is no follow-up to the topic.
NOT_QUESTIONS = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge"})
# Intents the bot can still act on while it collects callback details.
BETWEEN_DETAILS = frozenset({"book_appointment", "request_human", "out_of_scope"})


def detail_payload(intent: str) -> str:
    """Button payload that asks for the details of an FAQ entry."""
    return "/" + intent + json.dumps({DETAIL_ENTITY: "more"}, separators=(",", ":"))


def join_phrases(phrases: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    unique = list(dict.fromkeys(phrases))
    return unique[0] if len(unique) == 1 else f"{', '.join(unique[:-1])} and {unique[-1]}"


def most_serious(severities: list[str]) -> str:
    """The most serious of the severities the data gave the flagged categories."""
    return min(severities, key=SEVERITIES.index)


@dataclass
class Say:
    """One bot message: a response of domain.yml with its values, or text from a data file."""

    response: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    text: str | None = None


class Responder:
    """Works out one turn's reply; `run` fills `said` and changes `state`."""

    def __init__(self, turn: Turn, state: State, content: Content, recorder: Recorder) -> None:
        self.turn = turn
        self.state = state
        self.content = content
        self.recorder = recorder
        self.said: list[Say] = []
        self.clinic = content.clinic.template_values()
        self.tokens = words(turn.text)
        self.dialogue = content.dialogue
        self._recorded_flag = False

    # -- saying things -------------------------------------------------------------------

    def say(self, response: str, **values: Any) -> None:
        """A response from domain.yml, with the clinic's details available to it."""
        self.said.append(Say(response, {**self.clinic, **values}))

    def say_text(self, text: str) -> None:
        """Text from a data file (a reply in the patient's language)."""
        self.said.append(Say(text=text))

    def phrase(self, name: str) -> bool:
        """The message contains one of the dialogue phrases of that list."""
        return bool(first_phrase(self.tokens, getattr(self.dialogue, name)))

    # -- the turn ------------------------------------------------------------------------

    async def run(self) -> None:
        """Reply to the latest message."""
        offered_before = self.state.callback_offered
        self.state.callback_offered = False
        await self.safety()
        if self.turn.language:
            self.other_language()
        elif self.state.callback_step:
            await self.continue_callback()
        elif self.accepts_callback(offered_before):
            await self.start_callback()
        elif self.declines_callback(offered_before):
            self.decline_callback()
        elif self.state.urgent and not self.turn.flagged and self.phrase("is_it_normal"):
            self.say("utter_red_flag_not_normal")
        elif self.phrase("asks_number"):
            self.say("utter_phone")
        elif self.phrase("off_topic") and not self.turn.flagged:
            self.say("utter_out_of_scope")
        elif not self.answer_questions():
            await self.reply_to_intent()
        self.offer_callback()

    # -- safety --------------------------------------------------------------------------

    async def safety(self) -> None:
        """Urgent-care advice first, record the escalation, then say what was understood."""
        turn, safety = self.turn, self.content.safety
        unspecified = safety.unspecified.get(turn.intent)
        if turn.flagged:
            kind = RED_FLAG if turn.red else "contraindication"
            categories = self.flagged_categories()
            severity = most_serious([safety.severity.get(c, "high") for c in categories])
        elif unspecified and self.is_unspecified(unspecified.kind):
            kind, categories, severity = (
                unspecified.kind,
                [unspecified.category],
                unspecified.severity,
            )
        else:
            if turn.possible:
                await self.recorder.escalate(
                    "possible_flag",
                    "normal",
                    list(dict.fromkeys(e["value"] for e in turn.possible)),
                    turn.possible,
                    turn.others,
                )
            return
        if kind == RED_FLAG:
            self.say("utter_safety_urgent")
            self.state.urgent = True
        self.state.caution = True
        recorded = await self.recorder.escalate(
            kind, severity, categories, turn.red + turn.contra, turn.others
        )
        self._recorded_flag = recorded
        suffix = "" if recorded else "_unrecorded"
        name_of = safety.name_of
        if turn.red:
            understood = join_phrases([name_of(e["value"]) for e in turn.red])
            self.say("utter_safety_red_flag" + suffix, understood=understood)
        if turn.contra:
            understood = join_phrases([name_of(e["value"]) for e in turn.contra])
            self.say("utter_safety_contraindication" + suffix, understood=understood)
            self.state.topic, self.state.last_answer = "ask_contraindications", None
        if not turn.flagged:
            response = (
                "utter_safety_complication_unspecified"
                if kind == RED_FLAG
                else "utter_safety_condition_unspecified"
            )
            self.say(response + suffix)

    def flagged_categories(self) -> list[str]:
        """The categories this message raised, in the order it named them."""
        return list(dict.fromkeys(e["value"] for e in self.turn.red + self.turn.contra))

    def is_unspecified(self, kind: str) -> bool:
        """The classifier heard a disclosure or a complication the lexicon did not name.

        Not when every mention was negated or about someone else, not for contact details,
        and a complication only after a session ("hair loss since my baby" is not one).
        """
        if self.turn.others or self.details_only():
            return False
        asks_faq = any(first_phrase(self.tokens, e.cues) for e in self.content.knowledge.values())
        if is_question(self.turn.text) and asks_faq:
            return False  # "can i put a hat on?" is a question, not a disclosure
        if kind == RED_FLAG:
            return self.phrase("after_treatment")
        return True

    def details_only(self) -> bool:
        """The message is contact details (a phone number, a name), not a health matter."""
        found = read_details(self.turn.text, self.state.callback_step, self.dialogue)
        return bool(found.phone) and len(self.tokens) <= 8

    # -- other languages -----------------------------------------------------------------

    def other_language(self) -> None:
        """Say, in the patient's language and in English, that the bot answers in English."""
        for text in self.content.languages.reply(self.turn.language or "", self.content.clinic):
            self.say_text(text)
        self.state.fallback_count = 0

    # -- the callback --------------------------------------------------------------------

    def accepts_callback(self, offered: bool) -> bool:
        """Yes to an offer, a call asked for in any words, or a number sent after a flag."""
        if self.state.callback_done and not asks_for_a_call(self.turn.text, self.dialogue):
            return False
        if asks_for_a_call(self.turn.text, self.dialogue):
            return True
        if offered and (self.turn.intent == "affirm" or says_yes(self.turn.text, self.dialogue)):
            return not self.phrase("stop")
        return self.details_only() and (
            offered or self.state.caution or self.state.callback_phone is not None
        )

    def declines_callback(self, offered: bool) -> bool:
        """No to an offer, or going to get help elsewhere after a red flag."""
        if is_question(self.turn.text) and not self.phrase("stop"):
            return False
        refuses = self.turn.intent == "deny" or self.phrase("no") or self.phrase("stop")
        if offered and (refuses or self.phrase("going_elsewhere")):
            return True
        return self.state.urgent and self.phrase("going_elsewhere") and not self.state.callback_done

    def decline_callback(self) -> None:
        """No callback: the urgent advice again after a red flag, else the clinic's phone."""
        self.say(
            "utter_callback_declined_urgent" if self.state.urgent else "utter_callback_declined"
        )
        self.state.callback_done = True
        self.clear_details()

    def clear_details(self) -> None:
        """Forget the callback details and step."""
        self.state.callback_step = None
        self.state.callback_name = self.state.callback_phone = self.state.callback_time = None

    async def start_callback(self) -> None:
        """Start collecting details, taking any the message already gives."""
        if not (self.state.caution or self._recorded_flag):
            # A call asked for without any flag: staff still need an escalation to act on.
            await self.recorder.escalate("human_requested", "normal")
        self.state.callback_step = "name"
        await self.collect(read_details(self.turn.text, None, self.dialogue))

    async def continue_callback(self) -> None:
        """One answer while the details are collected: a detail, a question, or a way out."""
        state = self.state
        details = read_details(
            self.turn.text,
            state.callback_step,
            self.dialogue,
            state.callback_name is not None,
            not_a_time=self.asks_about_a_topic,
        )
        if not details.phone and wants_to_stop(self.turn.text, self.dialogue):
            self.decline_callback()
            return
        answerable = self.turn.intent not in ("affirm", "deny") and not self.turn.flagged
        if not details.any and answerable and self.answer_questions():
            self.ask_next()  # the question answered, the form goes on
            return
        if details.any and answerable and self.asks_about_a_topic_in(self.turn.text):
            # "tonight, and can I wash my hair before then?": the time kept, the question
            # answered, then the form goes on.
            self.answer_questions()
        # "call me maybe" while asked for a number is this callback, not a new request.
        calling = asks_for_a_call(self.turn.text, self.dialogue)
        if (
            not details.any
            and not calling
            and self.turn.intent in BETWEEN_DETAILS
            and self.turn.confidence > 0.6
        ):
            await self.reply_to_intent()
            self.ask_next()
            return
        await self.collect(details)

    def asks_about_a_topic(self, part: str) -> bool:
        """A part of a message that asks about an FAQ topic, not about the call: "can I wash my
        hair tonight" (yes), "can you ring after the gym tonight" and "after the gym?" (no)."""
        tokens = words(part)
        return (
            starts_like_a_question(part)
            and not asks_for_a_call(part, self.dialogue)
            and not first_phrase(tokens, self.dialogue.call_words)
            and bool(topics_in(tokens, self.content.knowledge))
        )

    def asks_about_a_topic_in(self, text: str) -> bool:
        """Some part of the message asks about an FAQ topic."""
        return any(self.asks_about_a_topic(part) for part in message_parts(text))

    async def collect(self, details: Details) -> None:
        """Keep the details given, then ask for the next one or save them all."""
        state = self.state
        state.callback_name = details.name or state.callback_name
        state.callback_phone = details.phone or state.callback_phone
        state.callback_time = details.time or state.callback_time
        if state.callback_step == "phone" and (details.bad_phone or not details.any):
            self.say("utter_callback_invalid_phone")
        elif (
            not details.any
            and state.callback_step == "name"
            and self.turn.text.strip()
            # "Yes, call me back" pressed, or typed: the answer to the offer, not a bad name.
            and not self.turn.button
            and not says_yes(self.turn.text, self.dialogue)
        ):
            self.say("utter_callback_invalid_name")
        missing = [step for step in STEPS if not getattr(state, f"callback_{step}")]
        if missing:
            state.callback_step = missing[0]
            self.ask_next()
            return
        saved = await self.recorder.save_callback(
            state.callback_name or "", state.callback_phone or "", state.callback_time or ""
        )
        if saved:
            self.say(
                "utter_callback_saved",
                callback_name=state.callback_name,
                callback_phone=state.callback_phone,
                callback_time=state.callback_time,
            )
        else:
            if state.urgent:
                self.say("utter_safety_urgent")
            self.say("utter_callback_not_saved")
        state.callback_done = True
        state.callback_step = None

    def ask_next(self) -> None:
        """Ask for the detail the callback still needs."""
        self.say(f"utter_ask_callback_{self.state.callback_step}")

    def offer_callback(self) -> None:
        """After a flag that was recorded, once: would they like a clinician to call?"""
        state = self.state
        if state.callback_step or state.callback_done or not self._recorded_flag:
            return
        self.say("utter_safety_offer_callback")
        state.callback_offered = True

    # -- questions -----------------------------------------------------------------------

    def answer_questions(self) -> bool:
        """Answer the FAQ questions in the message; False when it asked none."""
        turn, state, knowledge = self.turn, self.state, self.content.knowledge
        if turn.wants_details and turn.intent in knowledge:
            self.give([Answer(knowledge[turn.intent], "details")], buttons=False)
            return True
        asks = asks_anything(turn.text)
        if turn.red and not asks:
            # A complication told, not asked about ("pus where the needles went in"): the
            # urgent advice is the reply, whatever topic the model or the words suggest.
            return False
        entry = knowledge.get(turn.intent)
        confident = entry is not None and not self.asks_if_suitable(entry)
        chatting = turn.intent in NOT_QUESTIONS and turn.confidence >= 0.7
        # A condition told without a question asks for no answer its topic words suggest.
        use_cues = turn.intent != "out_of_scope" and not chatting and (asks or not turn.flagged)
        leave_out = (
            COVERED_BY_SAFETY | self.content.safety.answers_replaced(self.flagged_categories())
            if turn.flagged
            else frozenset()
        )
        answers = choose(
            turn.text,
            turn.intent if confident else None,
            knowledge,
            None if chatting else state.topic,
            state.last_answer,
            use_cues,
            leave_out,
        )
        unspecified = self.content.safety.unspecified.get(turn.intent)
        if not answers and unspecified and turn.others and not turn.flagged:
            # Only negated, hypothetical or third-party mentions: the general question.
            answers = [Answer(knowledge[unspecified.general_answer])]
        if not answers:
            return bool(turn.flagged and turn.intent in knowledge)
        other = self.other_treatment()
        if other is not None:
            return self.about_other_treatment(other, answers)
        self.give(answers)
        return True

    def asks_if_suitable(self, entry: Entry) -> bool:
        """A condition told with "is it ok?" and no word of the classified topic (`entry`)
        outside the condition's own words: the patient asks whether treatment suits them, which
        the safety reply answers. (The classifier's topic came from the condition's words:
        "heavy with my second" read as exercise.)"""
        if not (
            self.turn.flagged
            and self.phrase("asks_if_suitable")
            and not self.phrase("asks_about_doing")
        ):
            return False
        text = self.turn.text
        for mention in self.turn.red + self.turn.contra:
            start, end = mention.get("start"), mention.get("end")
            if isinstance(start, int) and isinstance(end, int):
                text = text[:start] + " " * (end - start) + text[end:]
        rest = words(text)
        named = first_phrase(rest, entry.cues) or point_of(entry, rest)
        return not named

    def other_treatment(self) -> str | None:
        """The words for another treatment the question is about (not mesotherapy too)."""
        if self.turn.intent == "ask_prp_difference" or self.phrase("comparing"):
            return None  # comparing with mesotherapy is what ask_prp_difference answers
        named = [(value, text) for value, text in self.turn.treatments]
        if any(value in COVERED_TREATMENTS for value, _ in named):
            return None
        return named[0][1] if named else None

    def about_other_treatment(self, treatment: str, answers: list[Answer]) -> bool:
        """Honest: the notes are about mesotherapy; its aftercare rule where that is useful."""
        general = [a for a in answers if a.entry.intent in GENERAL_RULES]
        if general:
            self.say("utter_other_treatment_mesotherapy", treatment=treatment)
            self.give(general)
        self.say("utter_other_treatment", treatment=treatment)
        return True

    def give(self, answers: list[Answer], buttons: bool = True) -> None:
        """The disclaimer once per conversation, then each answer; the first gets its button."""
        state = self.state
        if not state.disclaimer_shown:
            self.say("utter_disclaimer")
            state.disclaimer_shown = True
        for index, answer in enumerate(answers):
            text = answer.text(self.clinic)
            if index == 0 and buttons and answer.point != "details":
                payload = detail_payload(answer.entry.intent)
                self.said.append(
                    Say("utter_faq_answer", {"answer": text, "detail_payload": payload})
                )
            else:
                self.said.append(Say("utter_faq_details", {"details": text}))
        state.topic = answers[-1].entry.intent if len(answers) > 1 else answers[0].entry.intent
        state.last_answer = answers[0].key
        state.fallback_count = 0

    # -- everything else -----------------------------------------------------------------

    async def reply_to_intent(self) -> None:
        """Booking, a person, small talk, the clinic's number, or the fallback."""
        intent, state = self.turn.intent, self.state
        if self.phrase("asks_language"):
            self.say_text(self.content.languages.reply_en.format(**self.clinic))
        elif intent == "book_appointment" or (self.turn.flagged and self.phrase("asks_booking")):
            self.book()
        elif intent == "request_human":
            passed_on = await self.recorder.escalate("human_requested", "normal")
            self.say("utter_handoff" if passed_on else "utter_handoff_unrecorded")
        elif intent == "affirm":
            self.say("utter_glad")
        elif intent == "deny":
            self.say("utter_anything_else")
        elif intent in SMALL_TALK:
            # After a flag, the safety reply is the answer: no "hello" before it, and no
            # "I can only help with mesotherapy" after a complication told in other words.
            if not (self.turn.flagged and intent in FLAG_ANSWERS):
                self.say(SMALL_TALK[intent])
        elif self.said:
            pass  # the safety reply was the answer
        elif self.phrase("acknowledgements") and not is_question(self.turn.text):
            self.say("utter_anything_else")
        else:
            await self.fallback()
            return
        state.fallback_count = 0

    def book(self) -> None:
        """The booking link, unless the patient was asked not to book until a review."""
        if self.state.caution:
            self.say("utter_book_needs_review")
        elif self.content.clinic.booking_url:
            self.say("utter_book")
        else:
            self.say("utter_book_by_phone")

    async def fallback(self) -> None:
        """Say what the bot can help with; the second time in a row, hand over to staff."""
        count = int(self.state.fallback_count or 0) + 1
        if count >= FALLBACKS_BEFORE_ESCALATION:
            # The reply offers a person and gives the phone; it promises nothing about the write.
            await self.recorder.escalate("bot_failed", "normal")
            self.say("utter_fallback_again")
        else:
            self.say("utter_fallback")
        self.state.fallback_count = count


class ActionRespond(Action):
    """Answers every patient turn (rules route every intent here)."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_respond"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Work out the reply, say it, and keep the conversation's state in its slots."""
        turn, state = Turn.of(tracker), State.of(tracker)
        before = state.as_slots()
        responder = Responder(turn, state, current_content(), Recorder(tracker.sender_id, turn))
        await responder.run()
        for message in responder.said:
            if message.text is not None:
                dispatcher.utter_message(text=message.text)
            else:
                dispatcher.utter_message(response=message.response, **message.values)
        return [
            SlotSet(name, value)
            for name, value in state.as_slots().items()
            if value != before[name]
        ]
