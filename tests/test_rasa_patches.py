"""The validator built once gives Rasa's own verdicts on action server answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.ops import rasa_patches

RASA_OWN = RemoteAction._validate_action_result
CASES = [
    {
        "events": [{"event": "slot", "name": "topic", "value": "ask_cost"}],
        "responses": [{"response": "utter_greet"}],
    },
    {"events": [{"event": "slot", "name": 5}], "responses": []},
    {"events": "not a list"},
    {"events": [{"event": "followup"}]},
    {},
]


@pytest.fixture
def patched() -> Iterator[Callable[..., Any]]:
    rasa_patches.install()
    try:
        yield RemoteAction._validate_action_result
    finally:
        RemoteAction._validate_action_result = RASA_OWN  # type: ignore[method-assign]


def verdict(validate: Callable[..., Any], result: dict[str, Any]) -> str:
    try:
        validate(RemoteAction("action_respond", None), result)
    except ValidationError as error:
        return error.message
    return "valid"


@pytest.mark.parametrize("result", CASES)
def test_the_same_verdict_and_message_as_rasas_own(patched, result):
    assert patched is not RASA_OWN
    assert verdict(patched, result) == verdict(RASA_OWN, result)


def test_invalid_answers_are_still_refused(patched):
    assert verdict(patched, CASES[1]) != "valid"
    assert verdict(patched, CASES[0]) == "valid"
