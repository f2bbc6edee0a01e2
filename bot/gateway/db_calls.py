"""Database calls from the gateway's event loop, retried through a short outage.

A database restarting or failing over is gone for a few seconds. A patient's message that
arrives then is stored once it is back, and the inbox's own bookkeeping (finished, attempted)
is not lost on the way: losing it would send an answered message to Rasa again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

log = logging.getLogger(__name__)
T = TypeVar("T")
# About 6.5 s in all, then the error goes to the caller.
PAUSES = (0.5, 1.0, 2.0, 3.0)


async def db_call(function: Callable[..., T], *args: Any) -> T:
    """The function's result, run in a thread and tried again while the database fails."""
    for pause in (*PAUSES, None):
        try:
            return await run_in_threadpool(function, *args)
        except SQLAlchemyError as error:
            if pause is None:
                raise
            log.warning(
                "database call %s failed (%s); retrying", function.__name__, type(error).__name__
            )
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")
