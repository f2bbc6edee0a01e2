"""Each Telegram update once: stored before it is handled, replayed after a restart."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.store.channels import claim_update, finish_update, unfinished_updates


class UpdateLedger:
    """Records update ids so a redelivered update is skipped and an unfinished one replayed."""

    def __init__(self, db: sessionmaker[Session]) -> None:
        self.db = db
        self._replaying: set[int] = set()

    async def unfinished(self) -> list[dict[str, object]]:
        """Updates stored but not handled (the process stopped in between), oldest first."""
        payloads = await run_in_threadpool(unfinished_updates, self.db)
        self._replaying.update(int(str(p["update_id"])) for p in payloads)
        return payloads

    async def claim(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handler group -1: stop here when this update id was seen before."""
        if update.update_id in self._replaying:
            self._replaying.discard(update.update_id)
            return
        payload = update.to_dict()
        if not await run_in_threadpool(claim_update, self.db, update.update_id, payload):
            raise ApplicationHandlerStop

    async def finish(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handler group 1: the update was handled."""
        await run_in_threadpool(finish_update, self.db, update.update_id)
