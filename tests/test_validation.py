"""The callback form's checks."""

from __future__ import annotations

import pytest

from actions.validation import clean_name, clean_phone, clean_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Anna   Smith ", "Anna Smith"),
        ("José María", "José María"),
        ("", None),
        ("12345", None),
        ("x" * 81, None),
        ("how do I book an appointment?", None),
        ("I would like you to call me please tomorrow", None),
    ],
)
def test_names(text, expected):
    assert clean_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1 555 123 4567", "+15551234567"),
        ("(020) 7946-0958", "02079460958"),
        ("12", None),
        ("call me maybe", None),
        ("+1234567890123456", None),
        ("555-CALL-NOW", None),
    ],
)
def test_phones(text, expected):
    assert clean_phone(text) == expected


def test_times():
    assert clean_time("  weekday   mornings ") == "weekday mornings"
    assert clean_time("") is None
    assert clean_time("x" * 121) is None
