"""The one shape every patient channel has: its routes, start, stop and a health status."""

from __future__ import annotations

from typing import Any, Protocol

from starlette.routing import BaseRoute


class Channel(Protocol):
    """A way patients reach the bot (the website widget, Telegram)."""

    name: str

    def routes(self) -> list[BaseRoute]:
        """The HTTP routes the channel serves on the gateway."""
        ...

    async def start(self) -> None:
        """Connect to the outside world (called once the app is up)."""
        ...

    async def stop(self) -> None:
        """Finish in-flight work and disconnect."""
        ...

    def status(self) -> str:
        """A word for /readyz: "on", "webhook", "polling", ..."""
        ...

    async def deliver(self, conversation_id: str, line: dict[str, Any]) -> None:
        """Send a message that did not come from Rasa's answer (a staff reply) to the patient."""
        ...
