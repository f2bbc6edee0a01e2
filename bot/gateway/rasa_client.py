"""Talks to Rasa over HTTP: the gateway channel for messages, the API for transcripts.

With several Rasa processes, each conversation goes to one of them, always the same while it
is up (rendezvous hashing on the conversation id), so one process's lock orders a
conversation's turns: Rasa's Redis lock store alone is not race-safe across processes
(RasaHQ/rasa#11256). A process that refuses the connection has not seen the request, so the
request goes to the conversation's next process; any other failure is the caller's to retry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from bot.gateway.replies import Reply

CHANNEL_URL = "/webhooks/gateway/webhook"


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the caller keeps the message and tries again."""


class RasaFailed(RasaUnavailable):
    """Rasa is up but answered with a server error (its turn raised); tried again too, but a
    message it keeps failing on must not wait forever (bot/gateway/turns.py)."""


# Nothing reached the process: safe to send the same request to another one.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


def ranked(conversation_id: str, base_urls: Sequence[str]) -> list[str]:
    """The Rasa processes in the order this conversation tries them (rendezvous hashing).

    Adding or removing a process moves only the conversations that rank it first.
    """

    def weight(url: str) -> bytes:
        return hashlib.blake2b(f"{url}|{conversation_id}".encode(), digest_size=8).digest()

    return sorted(base_urls, key=weight, reverse=True)


class RasaClient:
    """Async client for the Rasa processes; every request carries a fresh JWT."""

    def __init__(
        self,
        base_urls: str | Sequence[str],
        auth: Callable[[], dict[str, str]],
        timeout: float = 30,
    ) -> None:
        self._auth = auth
        urls = (base_urls,) if isinstance(base_urls, str) else tuple(base_urls)
        self._http = {url: httpx.AsyncClient(base_url=url, timeout=timeout) for url in urls}

    @property
    def base_urls(self) -> tuple[str, ...]:
        """Every Rasa process this client talks to."""
        return tuple(self._http)

    async def _call(self, method: str, url: str, sender: str = "", **kwargs: Any) -> httpx.Response:
        """The request to the conversation's Rasa process, or the next one up."""
        error: httpx.HTTPError | None = None
        for base in ranked(sender, self.base_urls):
            try:
                response = await self._http[base].request(
                    method, url, headers=self._auth(), **kwargs
                )
                response.raise_for_status()
            except NOT_SENT as refused:
                error = refused
                continue
            except httpx.TransportError as broken:
                # A read that broke off (the process died mid-request, or is too slow) is safe
                # to ask of the next process; a turn is not: it may have been taken.
                if method != "GET":
                    raise RasaUnavailable(type(broken).__name__) from broken
                error = broken
                continue
            except httpx.HTTPStatusError as failed:
                if failed.response.status_code >= 500 and failed.response.status_code != 503:
                    raise RasaFailed(f"HTTP {failed.response.status_code}") from failed
                raise RasaUnavailable(f"HTTP {failed.response.status_code}") from failed
            except httpx.HTTPError as failed:
                raise RasaUnavailable(type(failed).__name__) from failed
            return response
        raise RasaUnavailable(type(error).__name__) from error

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
        response = await self._call("POST", CHANNEL_URL, sender, json=body)
        return [Reply.from_rasa(item) for item in response.json()]

    async def events(self, sender: str) -> list[dict[str, Any]]:
        """Every event of the conversation, from Rasa's tracker store."""
        response = await self._call("GET", f"/conversations/{sender}/tracker", sender)
        events = response.json().get("events") or []
        return [event for event in events if isinstance(event, dict)]

    async def append(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Add events to the conversation (pause, resume, a staff message) without running it."""
        await self._call(
            "POST",
            f"/conversations/{sender}/tracker/events",
            sender,
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

    async def processes(self) -> dict[str, dict[str, Any]]:
        """Each Rasa process: up (answering, with a model loaded), and its tracker store's
        failures (turns refused because the store failed every attempt)."""
        found: dict[str, dict[str, Any]] = {}
        for base, client in self._http.items():
            try:
                status = await client.get("/status", headers=self._auth())
                up = status.is_success and bool(status.json().get("model_file"))
                channel = (await client.get(CHANNEL_URL.removesuffix("webhook"))).json()
            except (httpx.HTTPError, ValueError):
                up, channel = False, {}
            found[base] = {
                "up": up,
                "tracker_store_failures": int(channel.get("tracker_store_failures", 0)),
                "tracker_store_failing": bool(channel.get("tracker_store_failing", False)),
            }
        return found

    async def close(self) -> None:
        """Close the connection pools."""
        for client in self._http.values():
            await client.aclose()


def bot_reply(event: dict[str, Any]) -> Reply:
    """A bot event of the tracker as a reply."""
    return Reply.from_rasa({**(event.get("data") or {}), "text": event.get("text")})
