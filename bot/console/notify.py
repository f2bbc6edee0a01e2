"""Telling the staff chat about new escalations: no medical details, no patient name."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.console.bridge import Patients
from bot.store.handling import mark_notified, to_notify

log = logging.getLogger(__name__)
CHANNEL_NAMES = {"web": "website", "telegram": "Telegram"}
EVERY_SECONDS = 5.0


async def notify_once(
    db: sessionmaker[Session], patients: Patients, template: str, console_url: str
) -> int:
    """Send one message per escalation nobody was told about; returns how many were sent."""
    sent = 0
    for escalation_id, severity, channel in await run_in_threadpool(to_notify, db):
        # Whichever gateway marks it first sends it, so a scaled-out setup sends it once.
        if not await run_in_threadpool(mark_notified, db, escalation_id):
            continue
        text = template.format(
            severity=severity,
            id=escalation_id,
            channel=CHANNEL_NAMES.get(channel, channel),
            link=f"{console_url}escalations/{escalation_id}",
        )
        if await patients.notify_staff(text):
            sent += 1
    return sent


async def keep_notifying(
    db: sessionmaker[Session], patients: Patients, template: str, console_url: str
) -> None:
    """Every few seconds, for as long as the gateway runs."""
    while True:
        try:
            await notify_once(db, patients, template, console_url)
        except Exception:
            log.exception("notifying the staff chat failed; trying again")
        await asyncio.sleep(EVERY_SECONDS)
