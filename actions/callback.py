"""Reading callback details out of what a patient writes: a name, a phone number, a time.

Pure functions: a message may carry one of them ("Sarah"), several ("yes, Sarah, 07700 900123,
after 5pm"), or none ("wait, how much is it?").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from actions.validation import clean_name, clean_phone, clean_time
from actions.words import first_phrase, fold, has_phrase, is_question, words
from bot.content.dialogue import Dialogue

STEPS = ("name", "phone", "time")
_PHONE = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")
# Where a part of a message ends: a comma or semicolon, a line, "?" or "!", a full stop before
# a space (not the one in "6.30"), "and".
_PARTS = re.compile(r"[,;\n?!]|\.\s|\band\b")
_NAME_INTRO = re.compile(
    r"\b(?:my name is|my name's|my names|name is|names|this is|it's|its|i'm|im|i am)\s+"
    r"([a-z][a-z'\-]+(?:\s+[a-z][a-z'\-]+)?)",
    re.IGNORECASE,
)


# Words that end a name introduced with "my name is …" ("my name is Jess and my number …").
_JOINING = {"and", "my", "number", "phone", "is", "at", "on", "from", "here", "please", "thanks"}


@dataclass(frozen=True)
class Details:
    """What one message gave: any of the three, and whether it looked like an attempt."""

    name: str | None = None
    phone: str | None = None
    time: str | None = None
    bad_phone: bool = False

    @property
    def any(self) -> bool:
        """True when the message gave at least one detail."""
        return bool(self.name or self.phone or self.time)


def find_phone(text: str) -> tuple[str | None, bool]:
    """(the phone number in the text, True if digits were there but not a valid number)."""
    for match in _PHONE.finditer(text):
        phone = clean_phone(match.group(0))
        if phone:
            return phone, False
    digits = sum(ch.isdigit() for ch in text)
    return None, digits >= 5


def _is_time(part: str, dialogue: Dialogue) -> bool:
    tokens = words(part)
    return bool(first_phrase(tokens, dialogue.times)) or bool(
        re.search(r"\b\d{1,2}\s*(?:am|pm|:\d\d)\b|\bafter \d|\bbefore \d", fold(part))
    )


def _is_reply_word(part: str, dialogue: Dialogue) -> bool:
    tokens = words(part)
    joined = " ".join(tokens)
    return any(joined == " ".join(words(p)) for p in (*dialogue.yes, *dialogue.no, *dialogue.stop))


def _could_be_name(candidate: str, dialogue: Dialogue) -> bool:
    tokens = words(candidate)
    return bool(tokens) and not any(token in dialogue.not_in_names for token in tokens)


def message_parts(text: str) -> list[str]:
    """The message cut where a detail or a question may end ("Sarah, 07…, after 5pm")."""
    return [p.strip() for p in _PARTS.split(text) if p.strip()]


def read_details(
    text: str,
    step: str | None,
    dialogue: Dialogue,
    have_name: bool = False,
    not_a_time: Callable[[str], bool] | None = None,
) -> Details:
    """The details a message gives, knowing which one was asked for (`step`).

    `not_a_time` tells a part that names a time but is something else ("can I wash my hair
    tonight?" asks about aftercare).
    """
    phone, bad_phone = find_phone(text)
    without_phone = _PHONE.sub(" ", text)
    parts = message_parts(without_phone)
    when = next(
        (p for p in parts if _is_time(p, dialogue) and not (not_a_time and not_a_time(p))), None
    )
    name = None
    introduced = _NAME_INTRO.search(without_phone)
    if (
        introduced
        and not have_name
        and introduced.group(1).split()[0].lower() not in dialogue.not_names
    ):
        kept = [w for w in introduced.group(1).split() if w.lower() not in _JOINING]
        if _could_be_name(" ".join(kept), dialogue):
            name = clean_name(" ".join(kept))
    if name is None and not have_name and not is_question(text):
        for part in parts:
            candidate = re.sub(r"^(?:yes|yeah|ok|okay|sure|it's|its)\b[\s,]*", "", part, flags=re.I)
            if (
                candidate
                and candidate != when
                and not _is_time(candidate, dialogue)
                and not _is_reply_word(candidate, dialogue)
                and not is_question(candidate)
                and len(words(candidate)) <= 4
                and (step == "name" or len(parts) > 1)
                and not any(ch.isdigit() for ch in candidate)
                and _could_be_name(candidate, dialogue)
            ):
                name = clean_name(candidate.strip(" .!"))
                if name:
                    break
    plain_answer = not phone and not name and not is_question(text)
    if step == "time" and when is None and plain_answer and not _is_reply_word(text, dialogue):
        when = clean_time(text)
    return Details(
        name=name,
        phone=phone,
        time=clean_time(when) if when else None,
        bad_phone=bad_phone and phone is None,
    )


def wants_to_stop(text: str, dialogue: Dialogue) -> bool:
    """ "stop", "forget it", "actually no, forget it", "no thanks"."""
    tokens = words(text)
    return bool(first_phrase(tokens, dialogue.stop)) or (
        len(tokens) <= 2 and bool(first_phrase(tokens, dialogue.no))
    )


def asks_for_a_call(text: str, dialogue: Dialogue) -> bool:
    """ "yes call me", "please ring me", "call me back at 07…", "will someone call me?"."""
    return bool(first_phrase(words(text), dialogue.wants_call))


def says_yes(text: str, dialogue: Dialogue) -> bool:
    """A short yes: "yes", "ok sure", "yes please"."""
    tokens = words(text)
    return len(tokens) <= 4 and any(has_phrase(tokens, phrase) for phrase in dialogue.yes)
