"""Pure checks for the callback form's answers."""

from __future__ import annotations

import re

MAX_NAME = 80
MAX_NAME_WORDS = 6
MAX_TIME = 120
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")


def clean_name(text: str) -> str | None:
    """A name: 1-80 characters, a letter, at most six words, not a question; else None."""
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME or not any(ch.isalpha() for ch in name):
        return None
    if "?" in name or len(name.split()) > MAX_NAME_WORDS:
        return None  # a question typed while the form waits for a name
    return name


def clean_phone(text: str) -> str | None:
    """A phone number as +digits / digits (7 to 15 digits, E.164 length), or None."""
    raw = text.strip()
    if not _PHONE_CHARS.match(raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if not 7 <= len(digits) <= 15:
        return None
    return ("+" if raw.startswith("+") else "") + digits


def clean_time(text: str) -> str | None:
    """A short free-text time preference, or None."""
    when = " ".join(text.split())
    return when if 0 < len(when) <= MAX_TIME else None
