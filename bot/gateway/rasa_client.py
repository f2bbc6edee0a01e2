"""Talks to Rasa over HTTP: the gateway channel for messages, the API for transcripts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from bot.gateway.replies import Reply

CHANNEL_URL = "/webhooks/gateway/webhook"


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the caller keeps the message and tries again."""


class RasaClient:
    """Async client for one Rasa server; every request carries a fresh JWT."""

    def __init__(
        self, base_url: str, auth: Callable[[], dict[str, str]], timeout: float = 30
    ) -> None:
        self._auth = auth
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout)

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, url, headers=self._auth(), **kwargs)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(type(error).__name__) from error
        return response

    async def send(
        self, sender: str, text: str, channel: str, *, button: bool = False, message_id: str
    ) -> list[Reply]:
        """Send a patient message (or a checked button payload); return the bot's replies."""
        body = {
            "sender": sender,
            "message": text,
            "message_id": message_id,
            "button": button,
            "metadata": {"channel": channel},
        }
        response = await self._call("POST", CHANNEL_URL, json=body)
        return [Reply.from_rasa(item) for item in response.json()]

    async def events(self, sender: str) -> list[dict[str, Any]]:
        """Every event of the conversation, from Rasa's tracker store."""
        response = await self._call("GET", f"/conversations/{sender}/tracker")
        events = response.json().get("events") or []
        return [event for event in events if isinstance(event, dict)]

    async def append(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Add events to the conversation (pause, resume, a staff message) without running it."""
        await self._call(
            "POST",
            f"/conversations/{sender}/tracker/events",
            params={"include_events": "NONE"},
            json=events,
        )

    async def find_turn(self, sender: str, message_id: str) -> list[Reply] | None:
        """The replies to a message Rasa already handled, or None if it never saw it."""
        events = await self.events(sender)
        for index, event in enumerate(events):
            if event.get("event") == "user" and event.get("message_id") == message_id:
                replies = []
                for later in events[index + 1 :]:
                    if later.get("event") == "user":
                        break
                    if later.get("event") == "bot":
                        replies.append(bot_reply(later))
                return replies
        return None

    async def transcript(self, sender: str) -> list[dict[str, Any]]:
        """The conversation so far: [{"from": "patient"|"bot", "text", "buttons"}]."""
        lines: list[dict[str, Any]] = []
        for event in await self.events(sender):
            if event.get("event") == "user":
                lines.append({"from": "patient", "text": event.get("text") or "", "buttons": []})
            elif event.get("event") == "bot":
                staff = (event.get("metadata") or {}).get("staff")
                line = {"from": "staff" if staff else "bot", **bot_reply(event).as_json()}
                if staff:
                    line["name"] = str(staff)
                lines.append(line)
        return lines

    async def healthy(self) -> bool:
        """True when Rasa answers its status endpoint with a model loaded."""
        try:
            response = await self._call("GET", "/status")
        except RasaUnavailable:
            return False
        return bool(response.json().get("model_file"))

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


def bot_reply(event: dict[str, Any]) -> Reply:
    """A bot event of the tracker as a reply."""
    return Reply.from_rasa({**(event.get("data") or {}), "text": event.get("text")})
