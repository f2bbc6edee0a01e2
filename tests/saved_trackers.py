"""Saved trackers (tests/trackers/*.json), and the one change made to them: a new latest message.

Action tests feed them to actions (the financial-demo pattern); bench/replies.py starts each
real question's conversation from the first-turn tracker.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

TRACKERS = Path(__file__).parent / "trackers"
FIRST_TURN = "faq_wash_hair_first_turn"


def load(name: str) -> dict[str, Any]:
    """A saved tracker by file name (without `.json`)."""
    data: dict[str, Any] = json.loads((TRACKERS / f"{name}.json").read_text())
    return data


def with_message(data: dict[str, Any], latest: dict[str, Any]) -> dict[str, Any]:
    """A copy of the tracker whose latest message (and every user event: the saved trackers
    hold one each) is `latest`."""
    data = copy.deepcopy(data)
    data["latest_message"] = latest
    for event in data["events"]:
        if event.get("event") == "user":
            event["text"], event["parse_data"] = latest.get("text"), latest
    return data
