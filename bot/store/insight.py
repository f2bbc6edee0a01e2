"""What patients ask, read from Rasa's tracker store (same database), and labels for training."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Escalation, NluLabel, utcnow
from bot.store.text import storable

FALLBACK = "nlu_fallback"
# Below this confidence a message counts as not well understood.
LOW_CONFIDENCE = 0.6
# Button presses are payloads, not what a patient typed.
PAYLOAD = "/"
# The slot that names the callback detail being asked for (domain.yml); set while the form runs.
FORM_SLOT = "callback_step"


@dataclass(frozen=True)
class Asked:
    """One patient message as NLU read it."""

    at: datetime
    text: str
    intent: str
    confidence: float

    @property
    def understood(self) -> bool:
        """Classified with enough confidence to be answered."""
        return self.intent != FALLBACK and self.confidence >= LOW_CONFIDENCE


def asked_since(sessions: sessionmaker[Session], since: datetime) -> list[Asked]:
    """Patient questions since a moment, oldest first.

    Typed messages only: not button payloads, and not the answers to the callback form (a
    name, a phone number, a time), which are personal details rather than questions.
    """
    with sessions() as session:
        connection = session.connection()
        if not inspect(connection).has_table("events"):
            return []  # Rasa has not stored anything yet
        # Every patient message and form-state change of the conversations active since then:
        # whether a message answered the form depends on the slots set before it.
        rows = session.execute(
            text(
                "SELECT sender_id, type_name, timestamp, data FROM events "
                "WHERE sender_id IN (SELECT sender_id FROM events "
                "  WHERE type_name = 'user' AND timestamp >= :since) "
                "AND (type_name IN ('user', 'session_started', 'restart', 'reset_slots') "
                "  OR (type_name = 'slot' AND data LIKE :slot)) "
                "ORDER BY sender_id, timestamp, id"
            ),
            {"since": since.timestamp(), "slot": f"%{FORM_SLOT}%"},
        ).all()
    found = []
    in_form: dict[str, bool] = {}
    for sender, kind, stamp, data in rows:
        try:
            event: dict[str, Any] = json.loads(data or "{}")
        except ValueError:
            continue
        if kind != "user":
            if kind != "slot":
                in_form[sender] = False  # slots are reset
            elif event.get("name") == FORM_SLOT:
                in_form[sender] = bool(event.get("value"))
            continue
        words = str(event.get("text") or "")
        if (
            float(stamp) < since.timestamp()
            or in_form.get(sender)
            or not words.strip()
            or words.lstrip().startswith(PAYLOAD)
        ):
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        found.append(
            Asked(
                at=datetime.fromtimestamp(float(stamp), timezone.utc),
                text=words,
                intent=str(intent.get("name") or FALLBACK),
                confidence=float(intent.get("confidence") or 0.0),
            )
        )
    return sorted(found, key=lambda asked: asked.at)


def week_of(moment: datetime) -> str:
    """ISO week, "2026-W48"."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def per_week(asked: list[Asked]) -> dict[str, Counter[str]]:
    """Messages per intent in each week, weeks in order."""
    weeks: dict[str, Counter[str]] = {}
    for item in asked:
        weeks.setdefault(week_of(item.at), Counter())[item.intent] += 1
    return dict(sorted(weeks.items()))


def fallback_rate(asked: list[Asked]) -> dict[str, float]:
    """Share of messages per week the bot did not understand (fallback)."""
    rates = {}
    for week, counts in per_week(asked).items():
        total = sum(counts.values())
        rates[week] = counts[FALLBACK] / total if total else 0.0
    return rates


def escalation_counts(
    sessions: sessionmaker[Session], since: datetime
) -> tuple[Counter[str], Counter[str]]:
    """Escalations since a moment: by kind, and by category."""
    kinds: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    with sessions() as session:
        rows = session.execute(
            select(Escalation.kind, Escalation.categories).where(Escalation.created_at >= since)
        ).all()
    for kind, found in rows:
        kinds[str(kind)] += 1
        categories.update(str(c) for c in found or [])
    return kinds, categories


def labelled_texts(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Every labelled message: text -> intent."""
    with sessions() as session:
        rows = session.execute(select(NluLabel.text, NluLabel.intent)).all()
    return {str(words): str(intent) for words, intent in rows}


def add_label(sessions: sessionmaker[Session], words: str, intent: str, user_id: int) -> bool:
    """Label a message with the intent it should have; False when it was labelled before."""
    try:
        with sessions.begin() as session:
            session.add(NluLabel(text=storable(words.strip()), intent=intent, labelled_by=user_id))
    except IntegrityError:
        return False
    return True


def label_count(sessions: sessionmaker[Session]) -> int:
    """How many messages are labelled."""
    with sessions() as session:
        return int(session.execute(select(func.count()).select_from(NluLabel)).scalar_one())


def export_labels(sessions: sessionmaker[Session], path: Path) -> Path | None:
    """Write the labels as Rasa NLU training data (None when there are none)."""
    by_intent: dict[str, list[str]] = {}
    for words, intent in sorted(labelled_texts(sessions).items()):
        by_intent.setdefault(intent, []).append(" ".join(words.split()))
    if not by_intent:
        if path.exists():
            path.unlink()
        return None
    nlu = [
        {"intent": intent, "examples": "".join(f"- {example}\n" for example in examples)}
        for intent, examples in by_intent.items()
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False)
    path.write_text("# Labelled by clinic staff in the console's insight page.\n" + body)
    return path


def recent(since_days: int) -> datetime:
    """A moment that many days ago."""
    return utcnow() - timedelta(days=since_days)
