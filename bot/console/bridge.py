"""What the console needs from the rest of mesobot to act on a conversation.

The gateway provides it (bot/gateway/staff_bridge.py): the transcript and the pause switch
live in Rasa, and only the gateway's channels can reach a patient.
"""

from __future__ import annotations

from typing import Any, Protocol


class Patients(Protocol):
    """Reading and writing a patient's conversation on the patient's own channel."""

    async def events(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every event of the conversation from Rasa's tracker store."""
        ...

    async def pause(self, conversation_id: str) -> None:
        """Stop the bot answering this conversation."""
        ...

    async def resume(self, conversation_id: str) -> None:
        """Let the bot answer again."""
        ...

    async def notify_staff(self, text: str) -> bool:
        """Tell the staff chat (False when none is configured)."""
        ...

    async def say(
        self, conversation_id: str, channel: str, text: str, staff_name: str | None
    ) -> None:
        """Deliver text to the patient and record it in the transcript (as staff when named)."""
        ...
