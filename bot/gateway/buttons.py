"""Quick replies as patients get them: an opaque token per button, checked when pressed.

Rasa's button payloads ("/affirm", '/ask_cost{"faq_detail":"more"}') never leave the gateway;
a patient can only press what was shown to their own conversation.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.gateway.replies import Button, Reply
from bot.store.channels import issue_button, pressed_button


class Buttons:
    """Issues and checks button tokens for one database."""

    def __init__(self, db: sessionmaker[Session]) -> None:
        self.db = db

    async def for_patient(self, conversation_id: str, replies: list[Reply]) -> list[Reply]:
        """The replies with every payload swapped for this conversation's token."""

        def swap() -> list[Reply]:
            return [
                Reply(
                    reply.text,
                    tuple(
                        Button(b.title, issue_button(self.db, conversation_id, b.payload, b.title))
                        for b in reply.buttons
                        if b.payload
                    ),
                )
                for reply in replies
            ]

        return await run_in_threadpool(swap)

    async def pressed(self, conversation_id: str, token: str) -> tuple[str, str] | None:
        """(payload, title) of a token shown to this conversation; None for anything else."""
        return await run_in_threadpool(pressed_button, self.db, conversation_id, token)
