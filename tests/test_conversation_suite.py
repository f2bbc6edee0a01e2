"""The patient conversation suite (tests/conversations/*.yml) is well formed; no bot needed."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from bot.settings import ROOT
from tests.conversations.replay import (
    KNOWN_CHECKS,
    BotMessage,
    Escalation,
    check_db,
    check_flags,
    check_text,
    load_suite,
    suite_files,
    suite_problems,
)

MIN_CONVERSATIONS = 45
MIN_TURNS = 150


def test_every_suite_file_is_well_formed():
    files = suite_files()
    assert files, "no conversation files found"
    problems = []
    for path in files:
        problems += suite_problems(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    assert problems == []


def test_every_turn_has_a_patient_message_and_only_known_checks():
    for conversation in load_suite():
        for turn in conversation.turns:
            assert turn.patient.strip(), conversation.name
            assert set(turn.expect) <= KNOWN_CHECKS, conversation.name


def test_suite_is_big_enough_and_names_are_unique():
    conversations = load_suite()
    assert len(conversations) >= MIN_CONVERSATIONS
    assert sum(len(c.turns) for c in conversations) >= MIN_TURNS
    duplicates = [n for n, k in Counter(c.name for c in conversations).items() if k > 1]
    assert duplicates == []


def test_the_readme_gives_the_suite_size():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"holds {len(load_suite())} multi-turn conversations" in readme


def test_most_turns_check_something():
    turns = [turn for conversation in load_suite() for turn in conversation.turns]
    unchecked = [turn.patient for turn in turns if not turn.expect]
    assert len(unchecked) <= len(turns) // 10


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"conversations": [{"name": "x", "turns": [{"expect": {}}]}]}, "every turn has"),
        (
            {"conversations": [{"name": "x", "turns": [{"patient": "hi", "expect": {"sez": []}}]}]},
            "unknown check",
        ),
        (
            {
                "conversations": [
                    {"name": "x", "turns": [{"patient": "hi", "expect": {"escalation": "big"}}]}
                ]
            },
            "escalation must be",
        ),
        ({"conversations": []}, "non-empty"),
    ],
)
def test_schema_problems_are_reported(data, fragment):
    problems = suite_problems(data, "f.yml")
    assert any(fragment in problem for problem in problems), problems


def test_text_and_flag_checks():
    bot = [BotMessage("Please wait 24 hours.", ("Tell me more",)), BotMessage("Anything else?")]
    assert check_text({"says_any": ["24 HOURS"], "says_all": ["tell me more"]}, bot) == []
    assert check_text({"first_says_any": ["anything"]}, bot)
    assert check_text({"not_says": ["wait"]}, bot)
    assert check_flags({"not_repeat": True}, bot, [BotMessage("Anything  else?")])
    assert check_flags({"no_fallback": True}, [BotMessage("Sorry, I didn’t quite get that.")], [])


def test_database_checks_compare_phone_by_digits():
    rows = [Escalation("red_flag", "open", "Sarah", "+44 7700 900123", "asap")]
    wanted = {"name": "sarah", "phone_digits": ["447700900123"], "time_any": ["ASAP"]}
    assert check_db({"escalation": "red_flag", "callback_saved": wanted}, rows) == []
    assert check_db({"escalation": "none"}, rows)
    assert check_db({"callback_saved": False}, rows)
    assert check_db({"callback_saved": False, "escalation": "none"}, []) == []
