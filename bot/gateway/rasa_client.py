"""Talks to Rasa over HTTP: the REST channel for messages, the API for transcripts."""

from __future__ import annotations

from typing import Any

import httpx

from bot.gateway.replies import Reply


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the caller tells the patient and keeps the message."""


class RasaClient:
    """Async client for one Rasa server."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 30) -> None:
        self._token = token
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout)

    def _params(self) -> dict[str, str]:
        return {"token": self._token} if self._token else {}

    async def send(self, sender: str, text: str, channel: str) -> list[Reply]:
        """Send a patient message; return the bot's replies."""
        body = {"sender": sender, "message": text, "metadata": {"channel": channel}}
        try:
            response = await self._http.post("/webhooks/rest/webhook", json=body)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(str(error)) from error
        return [Reply.from_rasa(item) for item in response.json()]

    async def transcript(self, sender: str) -> list[dict[str, Any]]:
        """The conversation so far: [{"from": "patient"|"bot", "text", "buttons"}]."""
        try:
            response = await self._http.get(
                f"/conversations/{sender}/tracker", params=self._params()
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(str(error)) from error
        lines: list[dict[str, Any]] = []
        for event in response.json().get("events", []):
            if event.get("event") == "user":
                lines.append({"from": "patient", "text": event.get("text") or "", "buttons": []})
            elif event.get("event") == "bot":
                reply = Reply.from_rasa({**(event.get("data") or {}), "text": event.get("text")})
                lines.append({"from": "bot", **reply.as_json()})
        return lines

    async def healthy(self) -> bool:
        """True when Rasa answers its status endpoint with a model loaded."""
        try:
            response = await self._http.get("/status", params=self._params())
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and bool(response.json().get("model_file"))

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()
