"""How the database writes of this process are going, for health checks and operators."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any


class WriteHealth:
    """Counts writes that failed after every retry; the last success clears the alarm."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.failed = 0
        self.last_failure: datetime | None = None
        self.last_success: datetime | None = None

    def succeeded(self) -> None:
        """A write committed."""
        with self._lock:
            self.last_success = datetime.now(timezone.utc)

    def failed_once(self) -> None:
        """A write failed for good (after its retries)."""
        with self._lock:
            self.failed += 1
            self.last_failure = datetime.now(timezone.utc)

    @property
    def healthy(self) -> bool:
        """False while the newest outcome is a failure."""
        if self.last_failure is None:
            return True
        return self.last_success is not None and self.last_success > self.last_failure

    def as_dict(self) -> dict[str, Any]:
        """For a JSON health check."""
        return {
            "failed_writes": self.failed,
            "last_failed_write": self.last_failure.isoformat() if self.last_failure else None,
        }


# One per process: the action server's /status reads what its actions recorded.
WRITES = WriteHealth()
