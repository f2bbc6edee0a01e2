"""What every channel of the gateway shares: settings, content, database, Rasa, live events."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.content import Content, load_content
from bot.gateway.buttons import Buttons
from bot.gateway.inbox import Inbox
from bot.gateway.live import LiveBroker
from bot.gateway.rasa_client import RasaClient
from bot.settings import Settings
from bot.store.db import session_factory


@dataclass(frozen=True)
class Services:
    """Built once per gateway process and handed to each channel."""

    settings: Settings
    content: Content
    db: sessionmaker[Session]
    rasa: RasaClient
    live: LiveBroker
    inbox: Inbox
    buttons: Buttons

    @classmethod
    def create(cls, settings: Settings) -> Services:
        """Read the content and prepare the clients (no connection is opened here)."""
        db = session_factory(settings.database_url)
        return cls(
            settings=settings,
            content=load_content(settings),
            db=db,
            rasa=RasaClient(
                settings.rasa_url, settings.rasa_api_headers, settings.rasa_timeout_seconds
            ),
            live=LiveBroker(),
            inbox=Inbox(db),
            buttons=Buttons(db),
        )
