"""What a patient gets for a question: the model's parse run through action_respond's Responder.

The intent is what the model heard; the reply is what the patient reads. They differ where the
action corrects the model (cue words find the question, "what causes…" gets the honest
off-topic reply, a question about another treatment gets "our notes are about mesotherapy")
and where it overrides it (a flag raised). Each reply gets one label, scored like an intent:

  - the FAQ intent of the first answer given (its entry's intent);
  - `out_of_scope` for the honest "our notes don't cover that" reply;
  - `other_treatment` when the answer says the notes are about mesotherapy and gives no rule;
  - `nlu_fallback` for the fallback; `report_complication` or `disclose_condition` when a
    flag reply is all the patient got; `book_appointment` or `request_human` for those replies;
  - otherwise the response the turn gave, without its `utter_` (small talk).

Each question is a first turn of a new conversation; escalations go to a throwaway SQLite file.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from actions.respond import Say

FALLBACK = "nlu_fallback"
OTHER_TREATMENT = "other_treatment"
# Replies that are not answers, by the response that gives them: labelled with the intent
# they serve, so they score like the model's intent.
REPLY_LABELS = {
    "utter_out_of_scope": "out_of_scope",
    "utter_fallback": FALLBACK,
    "utter_fallback_again": FALLBACK,
    "utter_other_treatment": OTHER_TREATMENT,
    "utter_safety_red_flag": "report_complication",
    "utter_safety_red_flag_unrecorded": "report_complication",
    "utter_safety_complication_unspecified": "report_complication",
    "utter_safety_complication_unspecified_unrecorded": "report_complication",
    "utter_safety_contraindication": "disclose_condition",
    "utter_safety_contraindication_unrecorded": "disclose_condition",
    "utter_safety_condition_unspecified": "disclose_condition",
    "utter_safety_condition_unspecified_unrecorded": "disclose_condition",
    "utter_book": "book_appointment",
    "utter_book_by_phone": "book_appointment",
    "utter_book_needs_review": "book_appointment",
    "utter_handoff": "request_human",
    "utter_handoff_unrecorded": "request_human",
}

Parse = Callable[[list[str]], list[dict[str, Any]]]


def first_turn(parsed: dict[str, Any], number: int) -> dict[str, Any]:
    """A new conversation whose only message is this parse (the saved first-turn tracker)."""
    from tests.saved_trackers import FIRST_TURN, load, with_message

    tracker = with_message(load(FIRST_TURN), {**parsed, "message_id": f"q{number}", "metadata": {}})
    tracker["sender_id"] = f"bench-{number}"
    return tracker


def label_of(said: list[Say], first_answer: str | None) -> str:
    """One label for a turn's reply (see the module's docstring)."""
    if first_answer:
        return first_answer
    responses = [message.response for message in said if message.response]
    for response in responses:
        if response in REPLY_LABELS:
            return REPLY_LABELS[response]
    return responses[0].removeprefix("utter_") if responses else "nothing"


def reply_labels(parsed: list[dict[str, Any]]) -> list[str]:
    """The label of the reply each parse gets as the first message of a conversation."""
    from rasa_sdk.interfaces import Tracker
    from rasa_sdk.types import TrackerState

    from actions.conversation import State, Turn
    from actions.recording import Recorder
    from actions.respond import Responder
    from bot.content import load_content
    from bot.settings import ROOT, Settings, get_settings
    from bot.store.db import session_factory
    from bot.store.migrate import upgrade

    # The repo's own content, as the bench's other systems use it (no MESOBOT_* from the shell).
    content = load_content(Settings.from_env({}, root=ROOT))
    with tempfile.TemporaryDirectory(prefix="replies_") as folder:
        url = f"sqlite:///{Path(folder) / 'replies.db'}"
        # The Recorder writes through the process's settings: point them at the throwaway file.
        previous = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        try:
            upgrade(url)

            async def run() -> list[str]:
                labels = []
                for number, parse in enumerate(parsed):
                    state_dict = cast(TrackerState, first_turn(parse, number))
                    tracker = Tracker.from_dict(state_dict)
                    turn, state = Turn.of(tracker), State.of(tracker)
                    responder = Responder(turn, state, content, Recorder(tracker.sender_id, turn))
                    await responder.run()
                    first = state.last_answer.split(":")[0] if state.last_answer else None
                    labels.append(label_of(responder.said, first))
                return labels

            return asyncio.run(run())
        finally:
            session_factory(url).kw["bind"].dispose()
            session_factory.cache_clear()
            if previous is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = previous
            get_settings.cache_clear()
