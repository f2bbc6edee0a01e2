"""Rasa input channel for the gateway: the REST channel's shape, for the gateway only.

It replaces Rasa's open `rest` channel (credentials.yml). Every request needs the bearer JWT
that Rasa's own HTTP API takes (signed with RASA_TOKEN), so nothing else on the machine can
talk as a patient; a body's `button: true` marks a button press the gateway issued and checked
(see payload_guard.py). Message text is never logged here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.nlu.entities import BUTTON_SOURCE, PATIENT_SOURCE
from bot.nlu.tracker_guard import FAILURES, TrackerStoreFailed

log = logging.getLogger(__name__)
MAX_SENDER = 255


def authorised(request: Request, secret: str) -> bool:
    """True for a bearer JWT signed with the secret, with the admin role Rasa's API wants."""
    header = request.headers.get("authorization", "")
    if not secret or not header.lower().startswith("bearer "):
        return False
    try:
        claims = jwt.decode(header[7:].strip(), secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        return False
    return bool(claims.get("user", {}).get("role") == "admin")


class NamedOutputChannel(CollectingOutputChannel):
    """Collects replies like the REST channel, keeping the name of the response each came from."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Collect one bot message; `utter_action` tells the gateway which response it was."""
        before = len(self.messages)
        await super().send_response(recipient_id, message)
        if message.get("utter_action"):
            for collected in self.messages[before:]:
                collected["utter_action"] = str(message["utter_action"])


class GatewayInput(InputChannel):
    """POST /webhooks/gateway/webhook {"sender", "message", "message_id", "metadata", "button"}.

    The gateway's own `message_id` lets it find a turn Rasa finished after the gateway gave up
    waiting, instead of sending the message twice.
    """

    def __init__(self, secret: str) -> None:
        self.secret = secret

    @classmethod
    def name(cls) -> str:
        """URL prefix and Rasa's input channel name."""
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GatewayInput:
        """`token` in credentials.yml: the JWT secret (Rasa fills ${RASA_TOKEN} in)."""
        return cls(str((credentials or {}).get("token") or ""))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The health and webhook routes."""
        hook = Blueprint("gateway_webhook", __name__)

        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok", **FAILURES.status()})

        async def receive(request: Request) -> HTTPResponse:
            if not authorised(request, self.secret):
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER:
                return response.json({"error": "sender must be a short string"}, status=400)
            if not isinstance(text, str):
                return response.json({"error": "message must be a string"}, status=400)
            message_id = body.get("message_id")
            if message_id is not None and not (
                isinstance(message_id, str) and 0 < len(message_id) <= MAX_SENDER
            ):
                return response.json({"error": "message_id must be a short string"}, status=400)
            given = body.get("metadata")
            given = given if isinstance(given, dict) else {}
            metadata = {
                "channel": str(given.get("channel") or self.name()),
                "source": BUTTON_SOURCE if body.get("button") is True else PATIENT_SOURCE,
            }
            collector = NamedOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender,
                        input_channel=self.name(),
                        message_id=message_id,
                        metadata=metadata,
                    )
                )
            except TrackerStoreFailed:
                # Not answered: the gateway keeps the message and sends it again.
                return response.json({"error": "tracker store unavailable"}, status=503)
            return response.json(collector.messages)

        hook.add_route(health, "/", methods=["GET"])
        hook.add_route(receive, "/webhook", methods=["POST"])
        return hook
