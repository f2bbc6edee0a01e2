"""Text as every database stores it: no NUL, no lone surrogates (PostgreSQL rejects both)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

REPLACEMENT = "\ufffd"
# A Python str holds a valid pair as one character, so any surrogate left is unpaired.
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """The text with NUL and unpaired surrogates replaced by U+FFFD, everything else kept."""
    if "\x00" in text:
        text = text.replace("\x00", REPLACEMENT)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _SURROGATE.sub(REPLACEMENT, text)
    return text


def storable_json(value: Any) -> Any:
    """The same for every string inside a JSON value."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {storable(str(k)): storable_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable_json(v) for v in value]
    return value


def pseudonym(identifier: object) -> str:
    """A stable short stand-in for a conversation or chat id in logs (never the id itself)."""
    return "c-" + hashlib.sha256(str(identifier).encode()).hexdigest()[:10]
