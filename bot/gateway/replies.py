"""Bot replies as the channels need them (pure helpers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TELEGRAM_LIMIT = 4096


@dataclass(frozen=True)
class Button:
    """A quick reply: what the patient sees and what is sent back when pressed."""

    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One bot message."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    # The domain response it came from ("utter_fallback"), for metrics; never shown.
    response: str = ""

    @classmethod
    def from_rasa(cls, raw: dict[str, Any]) -> Reply:
        """Build from one item of Rasa's REST channel answer."""
        buttons = tuple(
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in raw.get("buttons") or []
        )
        return cls(
            text=str(raw.get("text") or ""),
            buttons=buttons,
            response=str(raw.get("utter_action") or ""),
        )

    def as_json(self) -> dict[str, Any]:
        """For the widget."""
        return {
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
        }


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split a long message into parts under `limit`, at paragraph, line or word breaks."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind(sep, 0, limit) for sep in ("\n\n", "\n", ". ", " "))
        if cut <= 0:
            cut = limit
        else:
            cut += 1
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts
