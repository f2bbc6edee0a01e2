"""Database writes that matter to a patient: retried, and reported when they fail for good."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from bot.store.health import WRITES

log = logging.getLogger(__name__)
T = TypeVar("T")
# About 6 s in all: long enough for a database that restarts or fails over.
PAUSES = (0.2, 1.0, 2.0, 3.0)


def committed(write: Callable[[], T], what: str, attempts: int = 5) -> T | None:
    """The write's result once it committed; None when every attempt failed.

    Any exception counts: SQLAlchemy's, and the plain ValueError a driver raises on data it
    rejects. The caller tells the patient the truth either way.
    """
    for attempt in range(1, attempts + 1):
        try:
            result = write()
        except Exception as error:
            log.warning(
                "%s failed (attempt %d of %d): %s", what, attempt, attempts, type(error).__name__
            )
            if attempt < attempts:
                time.sleep(PAUSES[min(attempt, len(PAUSES)) - 1])
            continue
        WRITES.succeeded()
        return result
    WRITES.failed_once()
    log.error(
        "%s failed after %d attempts; the patient was told to call the clinic", what, attempts
    )
    return None
