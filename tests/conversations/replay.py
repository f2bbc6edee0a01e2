"""Replay the patient conversation suite against a running bot and score every turn.

    python -m tests.conversations.replay --rasa http://127.0.0.1:5005 \
        [--token T] [--database-url URL] [--only NAME] [--quiet] [--json PATH]

Each conversation in tests/conversations/*.yml is sent turn by turn to Rasa's REST channel
under a fresh sender id. After every turn the bot's messages are checked against the turn's
`expect` block; the transcripts are printed with ✓/✗ per turn so a person can read them, then
the share of right turns per file and overall. It is a measuring tool: it always exits 0.

Checks (all optional; text checks are case-insensitive substrings of the bot's messages, a
message being its text plus its button titles):

  says_any: [..]        some bot message contains one of these
  says_all: [..]        every one of these occurs in some bot message
  not_says: [..]        no bot message contains any of these
  first_says_any: [..]  the first bot message contains one of these
  no_fallback: true     no bot message says it didn't understand
  not_repeat: true      no bot message is identical to a bot message of the previous turn
  escalation: KIND      (needs --database-url) red_flag | contraindication | human_requested:
                        the conversation has an escalation of that kind; none: it has no
                        safety escalation (red_flag or contraindication)
  callback_saved: {..}  (needs --database-url) the conversation's escalation holds a callback
                        matching `name` (exact, case-insensitive), `phone_digits` (digits only;
                        a string or a list of accepted forms) and `time_any` (a substring);
                        `callback_saved: false` means no callback has been stored

This module imports nothing from the bot's own packages: it talks to the bot over HTTP and
reads the database with plain SQLAlchemy, so it keeps working while the code is refactored.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import yaml

SUITE_DIR = Path(__file__).resolve().parent
TEXT_CHECKS = ("says_any", "says_all", "not_says", "first_says_any")
FLAG_CHECKS = ("no_fallback", "not_repeat")
DB_CHECKS = ("escalation", "callback_saved")
KNOWN_CHECKS = frozenset(TEXT_CHECKS + FLAG_CHECKS + DB_CHECKS)
ESCALATION_KINDS = frozenset({"red_flag", "contraindication", "human_requested", "none"})
SAFETY_KINDS = ("red_flag", "contraindication")
CALLBACK_KEYS = frozenset({"name", "phone_digits", "time_any"})
# What the bot says when it did not understand (first and second time).
FALLBACK_MARKERS = ("didn't quite get that", "still can't help")
CHANNEL = "web"


# --------------------------------------------------------------------------------------------
# The suite


@dataclass(frozen=True)
class Turn:
    """One patient message and what the bot's reply must satisfy."""

    patient: str
    expect: dict[str, Any]


@dataclass(frozen=True)
class Conversation:
    """A named multi-turn conversation from one suite file."""

    file: str
    name: str
    turns: tuple[Turn, ...]


def _is_str_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, str) and item for item in value)
    )


def _expect_problems(where: str, expect: Any) -> list[str]:
    if not isinstance(expect, dict):
        return [f"{where}: expect must be a mapping"]
    problems = [f"{where}: unknown check {key!r}" for key in expect if key not in KNOWN_CHECKS]
    for key in TEXT_CHECKS:
        if key in expect and not _is_str_list(expect[key]):
            problems.append(f"{where}: {key} must be a non-empty list of strings")
    for key in FLAG_CHECKS:
        if key in expect and expect[key] is not True:
            problems.append(f"{where}: {key} must be true")
    if "escalation" in expect and expect["escalation"] not in ESCALATION_KINDS:
        problems.append(f"{where}: escalation must be one of {sorted(ESCALATION_KINDS)}")
    if "callback_saved" in expect:
        problems.extend(_callback_problems(where, expect["callback_saved"]))
    return problems


def _callback_problems(where: str, saved: Any) -> list[str]:
    if saved is False:
        return []
    if not isinstance(saved, dict) or not saved:
        return [f"{where}: callback_saved must be false or a non-empty mapping"]
    problems = [
        f"{where}: callback_saved: unknown key {k!r}" for k in saved if k not in CALLBACK_KEYS
    ]
    if "name" in saved and not isinstance(saved["name"], str):
        problems.append(f"{where}: callback_saved.name must be a string")
    digits = saved.get("phone_digits")
    forms = [digits] if isinstance(digits, str) else digits
    if "phone_digits" in saved and not (
        _is_str_list(forms) and all(form.isdigit() for form in forms)
    ):
        problems.append(f"{where}: callback_saved.phone_digits must be digits (or a list)")
    if "time_any" in saved and not _is_str_list(saved["time_any"]):
        problems.append(f"{where}: callback_saved.time_any must be a list of strings")
    return problems


def suite_problems(data: Any, file: str) -> list[str]:
    """Everything wrong with the structure of one parsed suite file (empty when valid)."""
    if not isinstance(data, dict) or set(data) != {"conversations"}:
        return [f"{file}: top level must be a mapping with only `conversations`"]
    conversations = data["conversations"]
    if not isinstance(conversations, list) or not conversations:
        return [f"{file}: conversations must be a non-empty list"]
    problems: list[str] = []
    for index, conversation in enumerate(conversations):
        where = f"{file}#{index}"
        if not isinstance(conversation, dict) or set(conversation) != {"name", "turns"}:
            problems.append(f"{where}: a conversation has exactly `name` and `turns`")
            continue
        if not isinstance(conversation["name"], str) or not conversation["name"].strip():
            problems.append(f"{where}: name must be a non-empty string")
        where = f"{file}: {conversation['name']}"
        turns = conversation["turns"]
        if not isinstance(turns, list) or not turns:
            problems.append(f"{where}: turns must be a non-empty list")
            continue
        for number, turn in enumerate(turns, start=1):
            turn_where = f"{where} (turn {number})"
            if not isinstance(turn, dict) or "patient" not in turn:
                problems.append(f"{turn_where}: every turn has `patient`")
                continue
            extra = set(turn) - {"patient", "expect"}
            if extra:
                problems.append(f"{turn_where}: unknown turn keys {sorted(extra)}")
            if not isinstance(turn["patient"], str) or not turn["patient"].strip():
                problems.append(f"{turn_where}: patient must be a non-empty string")
            problems.extend(_expect_problems(turn_where, turn.get("expect", {})))
    return problems


def suite_files(directory: Path = SUITE_DIR) -> list[Path]:
    """The suite files, in name order."""
    return sorted(directory.glob("*.yml"))


def load_suite(directory: Path = SUITE_DIR) -> list[Conversation]:
    """Every conversation of every suite file; raises ValueError listing any schema problems."""
    conversations: list[Conversation] = []
    problems: list[str] = []
    for path in suite_files(directory):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found = suite_problems(data, path.name)
        problems.extend(found)
        if found:
            continue
        for raw in data["conversations"]:
            turns = tuple(Turn(t["patient"], dict(t.get("expect") or {})) for t in raw["turns"])
            conversations.append(Conversation(path.name, raw["name"], turns))
    if problems:
        raise ValueError("invalid conversation suite:\n- " + "\n- ".join(problems))
    return conversations


# --------------------------------------------------------------------------------------------
# Checking one turn


@dataclass(frozen=True)
class BotMessage:
    """One message of the bot: its text and the titles of its buttons."""

    text: str
    buttons: tuple[str, ...] = ()

    @property
    def searchable(self) -> str:
        """Text and button titles, lower-cased, typographic apostrophes made plain."""
        return _norm(" ".join((self.text, *self.buttons)))

    def render(self) -> str:
        """One transcript line: the text, then the buttons as [title]."""
        buttons = " ".join(f"[{title}]" for title in self.buttons)
        return " ".join(part for part in (self.text, buttons) if part)


@dataclass(frozen=True)
class Escalation:
    """The columns of an `escalations` row that the checks look at."""

    kind: str
    status: str
    callback_name: str | None
    callback_phone: str | None
    callback_time: str | None


def _norm(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def digits_of(text: str | None) -> str:
    """Only the digits of a phone number."""
    return re.sub(r"\D", "", text or "")


def _quote(values: Iterable[str]) -> str:
    return ", ".join(repr(value) for value in values)


def check_text(expect: dict[str, Any], bot: Sequence[BotMessage]) -> list[str]:
    """Failures of the text checks (says_any, says_all, not_says, first_says_any)."""
    texts = [message.searchable for message in bot]
    failures: list[str] = []
    if "says_any" in expect:
        wanted = expect["says_any"]
        if not any(_norm(w) in t for w in wanted for t in texts):
            failures.append(f"says_any: none of {_quote(wanted)}")
    if "says_all" in expect:
        missing = [w for w in expect["says_all"] if not any(_norm(w) in t for t in texts)]
        if missing:
            failures.append(f"says_all: missing {_quote(missing)}")
    if "not_says" in expect:
        found = [w for w in expect["not_says"] if any(_norm(w) in t for t in texts)]
        if found:
            failures.append(f"not_says: said {_quote(found)}")
    if "first_says_any" in expect:
        wanted = expect["first_says_any"]
        first = texts[0] if texts else ""
        if not any(_norm(w) in first for w in wanted):
            failures.append(f"first_says_any: first message has none of {_quote(wanted)}")
    return failures


def check_flags(
    expect: dict[str, Any], bot: Sequence[BotMessage], previous: Sequence[BotMessage]
) -> list[str]:
    """Failures of no_fallback and not_repeat."""
    failures: list[str] = []
    if expect.get("no_fallback") and any(
        marker in message.searchable for message in bot for marker in FALLBACK_MARKERS
    ):
        failures.append("no_fallback: the bot fell back")
    if expect.get("not_repeat"):
        before = {" ".join(message.text.split()) for message in previous if message.text}
        repeated = [m.text for m in bot if m.text and " ".join(m.text.split()) in before]
        if repeated:
            failures.append(f"not_repeat: repeated {repeated[0][:60]!r}")
    return failures


def check_db(expect: dict[str, Any], escalations: Sequence[Escalation]) -> list[str]:
    """Failures of escalation and callback_saved against the conversation's escalations."""
    failures: list[str] = []
    kinds = [row.kind for row in escalations]
    wanted_kind = expect.get("escalation")
    if wanted_kind == "none":
        safety = [kind for kind in kinds if kind in SAFETY_KINDS]
        if safety:
            failures.append(f"escalation: expected none, found {_quote(safety)}")
    elif wanted_kind is not None and wanted_kind not in kinds:
        failures.append(f"escalation: expected {wanted_kind!r}, found {_quote(kinds) or 'none'}")
    if "callback_saved" in expect:
        failures.extend(_check_callback(expect["callback_saved"], escalations))
    return failures


def _check_callback(wanted: Any, escalations: Sequence[Escalation]) -> list[str]:
    saved = [row for row in escalations if row.callback_phone]
    if wanted is False:
        if saved:
            return [f"callback_saved: expected none, found {saved[-1].callback_phone!r}"]
        return []
    if not saved:
        return ["callback_saved: no callback stored"]
    row = saved[-1]
    failures: list[str] = []
    name = wanted.get("name")
    if name is not None and (row.callback_name or "").strip().lower() != name.strip().lower():
        failures.append(f"callback_saved: name {row.callback_name!r}, expected {name!r}")
    phone = wanted.get("phone_digits")
    if phone is not None:
        forms = [phone] if isinstance(phone, str) else list(phone)
        if digits_of(row.callback_phone) not in forms:
            failures.append(f"callback_saved: phone {row.callback_phone!r}, expected {forms[0]}")
    times = wanted.get("time_any")
    if times is not None and not any(t.lower() in (row.callback_time or "").lower() for t in times):
        failures.append(f"callback_saved: time {row.callback_time!r}, expected one of {times}")
    return failures


# --------------------------------------------------------------------------------------------
# Talking to the bot and the database


class Bot:
    """Rasa's gateway channel, as the gateway talks to it (a JWT signed with RASA_TOKEN)."""

    def __init__(self, rasa_url: str, token: str | None, timeout: float) -> None:
        self.url = rasa_url.rstrip("/") + "/webhooks/gateway/webhook"
        self.token = token or ""
        self.client = httpx.Client(timeout=timeout)

    def headers(self) -> dict[str, str]:
        claims = {"user": {"username": "replay", "role": "admin"}, "exp": int(time.time()) + 300}
        return {"Authorization": "Bearer " + jwt.encode(claims, self.token, "HS256")}

    def send(self, sender: str, message: str) -> list[BotMessage]:
        """Send one patient message; the bot's messages in order."""
        body = {"sender": sender, "message": message, "metadata": {"channel": CHANNEL}}
        response = self.client.post(self.url, json=body, headers=self.headers())
        response.raise_for_status()
        replies = response.json()
        messages: list[BotMessage] = []
        for reply in replies if isinstance(replies, list) else []:
            text = str(reply.get("text") or "")
            if not text and reply.get("image"):
                text = f"(image {reply['image']})"
            titles = tuple(str(b.get("title", "")) for b in reply.get("buttons") or [])
            messages.append(BotMessage(text, titles))
        return messages

    def close(self) -> None:
        """Release the connection pool."""
        self.client.close()


class Database:
    """Reads the `escalations` table (SQLAlchemy 1.4, 2.0-style queries)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import Column, MetaData, String, Table, create_engine

        self.engine = create_engine(url, future=True)
        self.table = Table(
            "escalations",
            MetaData(),
            Column("conversation_id", String),
            Column("kind", String),
            Column("status", String),
            Column("callback_name", String),
            Column("callback_phone", String),
            Column("callback_time", String),
        )

    def escalations(self, conversation_id: str) -> list[Escalation]:
        """The conversation's escalations, oldest first."""
        from sqlalchemy import select

        table = self.table
        query = select(
            table.c.kind,
            table.c.status,
            table.c.callback_name,
            table.c.callback_phone,
            table.c.callback_time,
        ).where(table.c.conversation_id == conversation_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [Escalation(*row) for row in rows]

    def close(self) -> None:
        """Close the engine's connections."""
        self.engine.dispose()


# --------------------------------------------------------------------------------------------
# Replaying


@dataclass
class TurnResult:
    """What happened in one turn and which checks failed."""

    patient: str
    bot: list[str]
    failures: list[str]
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Right when no check failed."""
        return not self.failures


@dataclass
class ConversationResult:
    """The scored turns of one conversation."""

    file: str
    name: str
    sender: str
    turns: list[TurnResult]

    @property
    def right(self) -> int:
        """Number of right turns."""
        return sum(turn.ok for turn in self.turns)


def replay(conversation: Conversation, bot: Bot, database: Database | None) -> ConversationResult:
    """Send every turn under a fresh sender id and check the replies."""
    sender = f"conv-{uuid.uuid4()}"
    result = ConversationResult(conversation.file, conversation.name, sender, [])
    previous: list[BotMessage] = []
    for turn in conversation.turns:
        try:
            messages = bot.send(sender, turn.patient)
        except (httpx.HTTPError, ValueError) as error:
            result.turns.append(TurnResult(turn.patient, [], [f"request failed: {error}"]))
            previous = []
            continue
        failures = check_text(turn.expect, messages) + check_flags(turn.expect, messages, previous)
        skipped: list[str] = []
        db_expect = {key: turn.expect[key] for key in DB_CHECKS if key in turn.expect}
        if db_expect and database is not None:
            try:
                failures += check_db(db_expect, database.escalations(sender))
            except Exception as error:  # a DB problem is a measurement failure, not a crash
                failures.append(f"database check failed: {type(error).__name__}: {error}")
        elif db_expect:
            skipped = sorted(db_expect)
        rendered = [message.render() for message in messages]
        result.turns.append(TurnResult(turn.patient, rendered, failures, skipped))
        previous = messages
    return result


def print_transcript(result: ConversationResult) -> None:
    """The conversation as you>/bot> lines with ✓/✗ and the failed checks."""
    print(f"\n=== {result.file} · {result.name}  ({result.right}/{len(result.turns)})")
    for turn in result.turns:
        print(f"you> {turn.patient}")
        for line in turn.bot or ["(no reply)"]:
            print(f"bot> {line}")
        mark = "✓" if turn.ok else "✗"
        note = f"  (not checked: {', '.join(turn.skipped)})" if turn.skipped else ""
        print(f"   {mark}{note}")
        for failure in turn.failures:
            print(f"     - {failure}")


def _share(right: int, total: int) -> str:
    return f"{right}/{total} ({100 * right / total:.0f}%)" if total else "0/0"


def _tally(results: Sequence[ConversationResult]) -> dict[str, Any]:
    turns = sum(len(result.turns) for result in results)
    right = sum(result.right for result in results)
    return {
        "turns_right": right,
        "turns": turns,
        "share": round(right / turns, 4) if turns else 0.0,
        "conversations_right": sum(result.right == len(result.turns) for result in results),
        "conversations": len(results),
    }


def summarise(results: Sequence[ConversationResult]) -> dict[str, Any]:
    """Right turns and fully right conversations, per file and overall."""
    by_file: dict[str, list[ConversationResult]] = {}
    for result in results:
        by_file.setdefault(result.file, []).append(result)
    return {
        "files": {name: _tally(group) for name, group in by_file.items()},
        "overall": _tally(results),
    }


def print_summary(summary: dict[str, Any], db_checked: bool) -> None:
    """Per-file and overall shares of right turns."""
    print("\n=== summary: turns right / total (conversations fully right)")
    rows = [*summary["files"].items(), ("overall", summary["overall"])]
    width = max(len(name) for name, _ in rows)
    for name, stats in rows:
        turns = _share(stats.get("turns_right", 0), stats.get("turns", 0))
        convs = f"{stats.get('conversations_right', 0)}/{stats.get('conversations', 0)}"
        print(f"  {name:<{width}}  {turns:>16}   ({convs} conversations)")
    if not db_checked:
        print("  (escalation and callback_saved checks skipped: no --database-url)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.conversations.replay",
        description="Replay the patient conversation suite against a running bot.",
    )
    parser.add_argument("--rasa", required=True, help="Rasa server URL, e.g. http://127.0.0.1:5005")
    parser.add_argument("--token", help="RASA_TOKEN of the running bot (signs the JWT)")
    parser.add_argument("--database-url", help="the bot's database, for escalation checks")
    parser.add_argument("--only", help="run conversations whose name or file contains this")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.add_argument("--json", type=Path, help="write a JSON summary with transcripts here")
    parser.add_argument("--suite", type=Path, default=SUITE_DIR, help="directory of *.yml files")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Replay, print, summarise; always 0 (a measurement, not a gate)."""
    args = parse_args(argv)
    try:
        conversations = load_suite(args.suite)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 0
    if args.only:
        needle = args.only.lower()
        conversations = [
            c for c in conversations if needle in c.name.lower() or needle in c.file.lower()
        ]
    bot = Bot(args.rasa, args.token, args.timeout)
    database = Database(args.database_url) if args.database_url else None
    started = time.time()
    results: list[ConversationResult] = []
    try:
        for conversation in conversations:
            result = replay(conversation, bot, database)
            results.append(result)
            if not args.quiet:
                print_transcript(result)
                sys.stdout.flush()
    finally:
        bot.close()
        if database is not None:
            database.close()
    summary = summarise(results)
    print_summary(summary, db_checked=database is not None)
    if args.json:
        report = {
            "rasa": args.rasa,
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(time.time() - started, 1),
            "db_checked": database is not None,
            **summary,
            "conversations": [
                {
                    **asdict(result),
                    "right": result.right,
                    "total": len(result.turns),
                    "turns": [{**asdict(turn), "ok": turn.ok} for turn in result.turns],
                }
                for result in results
            ],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"  JSON summary: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
