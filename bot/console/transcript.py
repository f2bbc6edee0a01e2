"""A conversation as staff read it: patient, bot and staff lines, internal notes, the flagged
words marked in the patient's own message (pure functions over Rasa's events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bot.store.handling import Detail

ROLE_NAMES = {
    "negated": "negated",
    "hypothetical": "hypothetical or a general question",
    "other_person": "about someone else",
    "possible": "possible (learned check, not the lexicon)",
}


@dataclass(frozen=True)
class Segment:
    """A piece of a patient message; `flag` names what it was flagged as, if anything."""

    text: str
    flag: str | None = None


@dataclass(frozen=True)
class Line:
    """One line of the transcript."""

    who: str  # patient | bot | staff | note | system
    at: datetime
    segments: list[Segment]
    author: str = ""
    # Mentions that did not count (negated, hypothetical, about someone else), shown apart.
    set_apart: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The whole text."""
        return "".join(segment.text for segment in self.segments)


def segments(text: str, spans: list[tuple[int, int, str]]) -> list[Segment]:
    """The text cut at the flagged spans (out-of-range and overlapping spans are ignored)."""
    found: list[Segment] = []
    cursor = 0
    for start, end, flag in sorted(spans):
        if start < cursor or end > len(text) or start >= end:
            continue
        if start > cursor:
            found.append(Segment(text[cursor:start]))
        found.append(Segment(text[start:end], flag))
        cursor = end
    if cursor < len(text) or not found:
        found.append(Segment(text[cursor:]))
    return found


def _when(event: dict[str, Any]) -> datetime:
    stamp = event.get("timestamp")
    return (
        datetime.fromtimestamp(float(stamp), timezone.utc) if stamp else datetime.now(timezone.utc)
    )


def build(events: list[dict[str, Any]], escalation: Detail) -> list[Line]:
    """Transcript lines in time order, with the escalation's notes among them."""
    triggers = {trigger.message_id: trigger for trigger in escalation.triggers}
    lines: list[Line] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = str(event.get("text") or "")
            trigger = triggers.get(str(event.get("message_id")))
            spans = [
                (int(m["start"]), int(m["end"]), str(m.get("value", "")))
                for m in (trigger.matched if trigger else [])
                if isinstance(m.get("start"), int) and isinstance(m.get("end"), int)
            ]
            apart = [
                (
                    str(m.get("text", "")),
                    str(m.get("value", "")),
                    ROLE_NAMES.get(str(m.get("role")), ""),
                )
                for m in (trigger.other_mentions if trigger else [])
            ]
            lines.append(Line("patient", _when(event), segments(text, spans), set_apart=apart))
        elif kind == "bot":
            staff = (event.get("metadata") or {}).get("staff")
            who, author = ("staff", str(staff)) if staff else ("bot", "")
            text = str(event.get("text") or "")
            lines.append(Line(who, _when(event), [Segment(text)], author=author))
        elif kind in ("pause", "resume"):
            words = "bot paused: staff answer" if kind == "pause" else "bot answering again"
            lines.append(Line("system", _when(event), [Segment(words)]))
    for note in escalation.notes:
        lines.append(Line("note", note.at, [Segment(note.text)], author=note.author))
    for media, caption, at in escalation.media:
        words = f"sent a {media.replace('_', ' ')}" + (f": {caption}" if caption else "")
        lines.append(Line("system", at, [Segment(words)]))
    return sorted(lines, key=lambda line: line.at)


def conversation_version(events: list[dict[str, Any]], escalation: Detail) -> str:
    """Changes whenever the transcript or the escalation's handling does (for live updates)."""
    return f"{len(events)}-{len(escalation.notes)}-{escalation.status}-{escalation.owner_id}"
