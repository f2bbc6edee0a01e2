"""The console's way to patients: Rasa's tracker (transcript, pause) and the gateway's channels."""

from __future__ import annotations

from typing import Any

from bot.gateway.channel import Channel
from bot.gateway.rasa_client import RasaClient


class StaffBridge:
    """Implements bot.console.bridge.Patients for the console the gateway mounts."""

    def __init__(self, rasa: RasaClient, channels: list[Channel], staff_chat: str | None) -> None:
        self.rasa = rasa
        self.channels = {channel.name: channel for channel in channels}
        self.staff_chat = staff_chat

    async def notify_staff(self, text: str) -> bool:
        """A message to the staff chat, through the Telegram channel's bot."""
        telegram = self.channels.get("telegram")
        if not self.staff_chat or telegram is None:
            return False
        await telegram.deliver(f"tg-{self.staff_chat}", {"from": "bot", "text": text})
        return True

    async def events(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's events from Rasa."""
        return await self.rasa.events(conversation_id)

    async def pause(self, conversation_id: str) -> None:
        """Rasa's conversation pause: it records what the patient sends, and answers nothing."""
        await self.rasa.append(conversation_id, [{"event": "pause"}])

    async def resume(self, conversation_id: str) -> None:
        """The bot answers again."""
        await self.rasa.append(conversation_id, [{"event": "resume"}])

    async def say(
        self, conversation_id: str, channel: str, text: str, staff_name: str | None
    ) -> None:
        """Record in the transcript first (so a reload shows it), then deliver on the channel."""
        metadata = {"staff": staff_name} if staff_name else {}
        await self.rasa.append(
            conversation_id, [{"event": "bot", "text": text, "metadata": metadata}]
        )
        target = self.channels.get(channel)
        if target is not None:
            line = {"from": "staff" if staff_name else "bot", "text": text}
            if staff_name:
                line["name"] = staff_name
            await target.deliver(conversation_id, line)
