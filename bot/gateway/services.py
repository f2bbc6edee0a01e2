"""What every channel of the gateway shares: settings, content, database, Rasa, live events."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.content import Content, load_content
from bot.gateway.buttons import Buttons
from bot.gateway.inbox import Inbox
from bot.gateway.live import LiveBroker
from bot.gateway.metrics import Metrics
from bot.gateway.rasa_client import RasaClient
from bot.gateway.turns import Turns
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
    metrics: Metrics
    turns: Turns

    @classmethod
    def create(cls, settings: Settings) -> Services:
        """Read the content and prepare the clients (no connection is opened here)."""
        db = session_factory(settings.database_url)
        content = load_content(settings)
        rasa = RasaClient(
            settings.rasa_urls, settings.rasa_api_headers, settings.rasa_timeout_seconds
        )
        metrics = Metrics()
        return cls(
            settings=settings,
            content=content,
            db=db,
            rasa=rasa,
            live=LiveBroker(),
            inbox=Inbox(db),
            buttons=Buttons(db),
            metrics=metrics,
            turns=Turns(rasa, db, content.channel_texts, metrics),
        )
