"""What every channel of the gateway shares: settings, content, database, Rasa, live events."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.content import Content, load_content
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

    @classmethod
    def create(cls, settings: Settings) -> Services:
        """Read the content and prepare the clients (no connection is opened here)."""
        return cls(
            settings=settings,
            content=load_content(settings),
            db=session_factory(settings.database_url),
            rasa=RasaClient(settings.rasa_url, settings.rasa_token),
            live=LiveBroker(),
        )
