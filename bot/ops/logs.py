"""Logs without patient words: message text, names and phone numbers stay out unless debugging.

Installed first thing in every process mesobot starts. It wraps the log-record factory, so it
covers every logger (Rasa's structlog output included, which reaches stdlib logging as JSON)
and Python warnings (routed into logging), whatever handlers a library sets up later.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from typing import Any

# Keys whose values carry what a patient wrote (Rasa's own list of anonymisable keys, and ours).
SENSITIVE_KEYS = frozenset(
    {
        "text", "response_text", "user_text", "slot_values", "parse_data_text",
        "parse_data_entities", "prediction_events", "tracker_latest_message", "prefilled_slots",
        "message", "response", "slot_candidates", "rasa_event", "rasa_events", "tracker_states",
        "current_states", "old_states", "successes", "current_entity", "next_entity", "states",
        "entity", "token_text", "user_message", "json_message", "events", "tracker",
        "request_body", "body", "name", "phone", "callback_name", "callback_phone",
    }
)  # fmt: skip
_QUOTED = re.compile(r"""'[^'\n]{2,}'|"[^"\n]{2,}"|“[^”\n]{2,}”""")
_DIGITS = re.compile(r"\+?\d[\d\s().-]{6,}\d")
# A Telegram bot token, as it appears in Bot API URLs.
_BOT_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{2,}")
# Libraries that log every URL they call: the Bot API's URLs contain the bot's token.
QUIET = ("httpx", "httpcore", "telegram", "apscheduler")
MAX_CHARS = 400
REDACTED = "[redacted]"


def _scrub_value(key: str, value: Any) -> Any:
    if key in SENSITIVE_KEYS:
        return REDACTED
    if isinstance(value, dict):
        return {k: _scrub_value(str(k), v) for k, v in value.items()}
    if isinstance(value, str):
        return redact(value)
    return value


def redact(message: str) -> str:
    """A log line with quoted strings, phone-like numbers and JSON values of text removed."""
    stripped = message.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return json.dumps({k: _scrub_value(str(k), v) for k, v in data.items()})[:MAX_CHARS]
    cleaned = _DIGITS.sub(REDACTED, _BOT_TOKEN.sub(REDACTED, _QUOTED.sub(REDACTED, message)))
    return cleaned if len(cleaned) <= MAX_CHARS else cleaned[:MAX_CHARS] + " [truncated]"


def install(level: str) -> None:
    """Redact every record from now on, unless `level` is "debug"; send warnings to logging."""
    logging.captureWarnings(True)
    logging.basicConfig(
        level=logging.DEBUG if level.lower() == "debug" else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    if level.lower() == "debug":
        return
    original = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the rest of the line
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and record.exc_info[1] is not None:
            # The traceback stays (it is how operators fix things); the exception's own
            # message may quote the data it choked on.
            _, error, trace = record.exc_info
            lines = traceback.format_tb(trace)
            record.exc_text = "".join(lines) + f"{type(error).__name__}: {redact(str(error))}"
            record.exc_info = None
        return record

    logging.setLogRecordFactory(factory)
