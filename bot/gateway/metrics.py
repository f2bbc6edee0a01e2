"""Prometheus metrics of the gateway: turns, latency, fallbacks, escalations, writes, queues.

Counters and the latency histogram are kept as turns pass through the gateway; what lives in
the database or another process (escalations, the inbox, the action server's failed writes) is
read when Prometheus scrapes, so every gateway replica reports the same shared figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.gateway.replies import Reply

# Replies that mean the bot did not understand the message (domain.yml).
FALLBACK_RESPONSES = frozenset({"utter_fallback", "utter_fallback_again"})
# Turn latency buckets, seconds: a turn is meant to take well under a second.
BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class Snapshot:
    """What is read at scrape time from the database and the action server."""

    escalations: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, status)
    inbox: dict[str, int] = field(default_factory=dict)  # status -> messages
    workers: int = 0
    failed_writes: int = 0
    rasa_up: int = 0
    tracker_store_failures: int = 0


class Metrics:
    """One registry per gateway process (not the global one: tests build several apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.turns = Counter(
            "mesobot_turns", "Patient turns answered by Rasa", ["channel"], registry=self.registry
        )
        self.latency = Histogram(
            "mesobot_turn_seconds",
            "Time from sending a turn to Rasa to having its replies",
            ["channel"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "mesobot_fallbacks",
            "Turns the bot answered with its fallback",
            ["channel"],
            registry=self.registry,
        )
        self.held = Counter(
            "mesobot_held_turns",
            "Turns Rasa answered with nothing; the patient got the holding reply",
            ["channel"],
            registry=self.registry,
        )
        self.unavailable = Counter(
            "mesobot_rasa_unavailable",
            "Attempts to reach Rasa that failed (the message is kept and retried)",
            ["channel"],
            registry=self.registry,
        )
        self.escalations = Gauge(
            "mesobot_escalations",
            "Escalations in the database",
            ["kind", "status"],
            registry=self.registry,
        )
        self.inbox = Gauge(
            "mesobot_inbox_messages",
            "Patient messages stored by the gateways, by status",
            ["status"],
            registry=self.registry,
        )
        self.workers = Gauge(
            "mesobot_inbox_workers",
            "Conversations this gateway is handling right now",
            registry=self.registry,
        )
        self.failed_writes = Gauge(
            "mesobot_failed_writes",
            "Database writes of the action server that failed after every retry",
            registry=self.registry,
        )

        self.rasa_up = Gauge(
            "mesobot_rasa_processes_up",
            "Rasa processes answering with a model loaded",
            registry=self.registry,
        )
        self.tracker_store_failures = Gauge(
            "mesobot_tracker_store_failures",
            "Turns Rasa refused since it started because its tracker store failed every retry",
            registry=self.registry,
        )

    def turn(self, channel: str, seconds: float, replies: Iterable[Reply]) -> None:
        """A turn Rasa answered."""
        self.turns.labels(channel).inc()
        self.latency.labels(channel).observe(seconds)
        if any(reply.response in FALLBACK_RESPONSES for reply in replies):
            self.fallbacks.labels(channel).inc()

    def render(self, snapshot: Snapshot) -> bytes:
        """The text exposition format, with the scrape-time figures filled in."""
        self.escalations.clear()
        for (kind, status), count in snapshot.escalations.items():
            self.escalations.labels(kind, status).set(count)
        self.inbox.clear()
        for status, count in snapshot.inbox.items():
            self.inbox.labels(status).set(count)
        self.workers.set(snapshot.workers)
        self.failed_writes.set(snapshot.failed_writes)
        self.rasa_up.set(snapshot.rasa_up)
        self.tracker_store_failures.set(snapshot.tracker_store_failures)
        return generate_latest(self.registry)
