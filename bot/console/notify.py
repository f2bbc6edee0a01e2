"""Telling the staff chat about new escalations: no medical details, no patient name."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.console.bridge import Patients
from bot.store.handling import mark_notified, to_notify
from bot.store.models import SEVERITIES

log = logging.getLogger(__name__)
CHANNEL_NAMES = {"web": "website", "telegram": "Telegram"}
EVERY_SECONDS = 5.0
# More waiting than this (the staff chat just switched on, or the gateway was down a while) is
# one summary, not a flood: Telegram lets a bot post 20 messages a minute in a group, so a
# flood would hold back the next urgent one for minutes.
BACKLOG = 5


@dataclass(frozen=True)
class StaffTexts:
    """The staff chat's two messages (data/channels.yml)."""

    one: str  # {severity} {id} {channel} {link}
    backlog: str  # {count} {counts} {link}


async def notify_once(
    db: sessionmaker[Session], patients: Patients, texts: StaffTexts, console_url: str
) -> int:
    """Tell the staff chat of escalations nobody was told about; returns how many it covered."""
    waiting = await run_in_threadpool(to_notify, db)
    # Whichever gateway marks one first tells of it, so a scaled-out setup tells once.
    claimed = [row for row in waiting if await run_in_threadpool(mark_notified, db, row[0])]
    if len(claimed) > BACKLOG:
        severities = Counter(severity for _, severity, _ in claimed)
        counts = ", ".join(f"{severities[name]} {name}" for name in SEVERITIES if severities[name])
        text = texts.backlog.format(count=len(claimed), counts=counts, link=console_url)
        return len(claimed) if await patients.notify_staff(text) else 0
    sent = 0
    for escalation_id, severity, channel in claimed:
        text = texts.one.format(
            severity=severity,
            id=escalation_id,
            channel=CHANNEL_NAMES.get(channel, channel),
            link=f"{console_url}escalations/{escalation_id}",
        )
        if await patients.notify_staff(text):
            sent += 1
    return sent


async def keep_notifying(
    db: sessionmaker[Session], patients: Patients, texts: StaffTexts, console_url: str
) -> None:
    """Every few seconds, for as long as the gateway runs."""
    while True:
        try:
            await notify_once(db, patients, texts, console_url)
        except Exception:
            log.exception("notifying the staff chat failed; trying again")
        await asyncio.sleep(EVERY_SECONDS)
