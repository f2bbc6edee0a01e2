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
    """Patient messages since a moment (typed ones only), oldest first."""
    with sessions() as session:
        connection = session.connection()
        if not inspect(connection).has_table("events"):
            return []  # Rasa has not stored anything yet
        rows = session.execute(
            text(
                "SELECT timestamp, data FROM events WHERE type_name = 'user' "
                "AND timestamp >= :since ORDER BY timestamp"
            ),
            {"since": since.timestamp()},
        ).all()
    found = []
    for stamp, data in rows:
        try:
            event: dict[str, Any] = json.loads(data or "{}")
        except ValueError:
            continue
        words = str(event.get("text") or "")
        if not words.strip() or words.lstrip().startswith(PAYLOAD):
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
    return found


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
