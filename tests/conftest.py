"""Shared fixtures: the trained model (once per session) and running stacks on free ports."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.ops.launcher import Stack, free_port, gateway_service
from bot.ops.model import ensure_model
from bot.settings import ROOT, Settings
from bot.store.db import session_factory
from bot.store.migrate import upgrade
from tests.fake_telegram import FakeTelegram

# Measured figures (held-out accuracy, the safety table) shown at the end of every run.
REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the tests measured, even when their output was captured."""
    if REPORT:
        terminalreporter.section("measured")
        for line in REPORT:
            terminalreporter.write_line(line)


POSTGRES_ADMIN_URL = os.environ.get(
    "DATABASE_TEST_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/3")


def settings_for(database_url: str, run_dir: Path, **extra: str) -> Settings:
    env = {
        "DATABASE_URL": database_url,
        "MESOBOT_RUN_DIR": str(run_dir),
        "RASA_PORT": str(free_port()),
        "ACTION_SERVER_PORT": str(free_port()),
        "GATEWAY_PORT": str(free_port()),
        **extra,
    }
    return Settings.from_env(env).with_run_secrets()


class RasaAuth(httpx.Auth):
    """A fresh JWT on every request to Rasa (its API and the gateway channel)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def auth_flow(self, request: httpx.Request):
        request.headers.update(self.settings.rasa_api_headers())
        yield request


def postgres_or_skip() -> str:
    """A fresh PostgreSQL database URL, or skip (fail under CI) when there is no server."""
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        name = f"mesobot_test_{uuid.uuid4().hex[:8]}"
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception as error:  # any connection failure means "no server here"
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error}")
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def redis_or_skip() -> None:
    """Skip (fail under CI) when no Redis answers at REDIS_URL."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")


def drop_postgres(url: str) -> None:
    name = make_url(url).database
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@dataclass
class Bot:
    """A running stack and a client for its REST channel."""

    settings: Settings
    client: httpx.Client

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

    def say(
        self, sender: str, message: object, *, button: bool = False, **metadata: object
    ) -> list[dict]:
        """A message through the gateway channel, as the gateway sends it (button: a payload
        the gateway issued and checked)."""
        body: dict[str, object] = {"sender": sender, "message": message, "button": button}
        if metadata:
            body["metadata"] = metadata
        response = self.client.post("/webhooks/gateway/webhook", json=body)
        response.raise_for_status()
        return response.json()

    def texts(self, sender: str, message: object, *, button: bool = False) -> list[str]:
        return [reply.get("text", "") for reply in self.say(sender, message, button=button)]

    def parse(self, message: str) -> dict:
        response = self.client.post("/model/parse", json={"text": message})
        response.raise_for_status()
        return response.json()

    @property
    def sessions(self):
        return session_factory(self.settings.database_url)


@pytest.fixture(scope="session")
def model() -> Path:
    """The trained model; trains only when data or config changed since the last run."""
    pinned = {"MESOBOT_MODEL": os.environ["MESOBOT_MODEL"]} if "MESOBOT_MODEL" in os.environ else {}
    return ensure_model(Settings.from_env(pinned, root=ROOT))


def _run_stack(settings: Settings, model: Path) -> Iterator[Bot]:
    upgrade(settings.database_url)
    with (
        Stack.for_clinic(settings, model),
        httpx.Client(base_url=settings.rasa_url, timeout=60, auth=RasaAuth(settings)) as client,
    ):
        yield Bot(settings, client)


@pytest.fixture(scope="session")
def bot(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """Rasa + action server on SQLite (the embedded default)."""
    run_dir = tmp_path_factory.mktemp("stack-sqlite")
    yield from _run_stack(settings_for(f"sqlite:///{run_dir / 'mesobot.db'}", run_dir), model)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session."""
    url = postgres_or_skip()
    yield url
    drop_postgres(url)


@pytest.fixture(scope="session")
def pg_bot(
    model: Path, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bot]:
    """Rasa + action server on PostgreSQL."""
    run_dir = tmp_path_factory.mktemp("stack-postgres")
    yield from _run_stack(settings_for(postgres_url, run_dir), model)


@pytest.fixture(params=["sqlite", "postgres"])
def any_bot(request: pytest.FixtureRequest) -> Bot:
    """The same test against both databases."""
    return request.getfixturevalue("bot" if request.param == "sqlite" else "pg_bot")


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[FakeTelegram]:
    """The fake Bot API server."""
    server = FakeTelegram(port=free_port()).start()
    yield server
    server.stop()


WEBHOOK_SECRET = "test-secret-0123456789abcdef"


@pytest.fixture(scope="session")
def telegram_gateway_dir(tmp_path_factory) -> Path:
    """Where the Telegram gateway of the tests keeps its logs."""
    return tmp_path_factory.mktemp("telegram-gateway")


@pytest.fixture(scope="session")
def telegram_gateway(bot: Bot, fake_telegram: FakeTelegram, telegram_gateway_dir) -> Iterator[str]:
    """A second gateway, in webhook mode against the fake Bot API, sharing bot's Rasa and DB."""
    yield from telegram_gateway_for(bot, fake_telegram, telegram_gateway_dir)


def telegram_gateway_for(
    bot: Bot, fake_telegram: FakeTelegram, run_dir: Path, **env: str
) -> Iterator[str]:
    """A gateway process in webhook mode against the fake Bot API, sharing bot's Rasa and DB;
    `env` overrides settings (another Rasa port behind a proxy, say)."""
    settings = Settings.from_env(
        {
            **bot.settings.to_env(),
            "MESOBOT_RUN_DIR": str(run_dir),
            "GATEWAY_PORT": str(free_port()),
            "TELEGRAM_TOKEN": "123:TEST",
            "TELEGRAM_API_URL": fake_telegram.base_url,
            "TELEGRAM_WEBHOOK_URL": "https://clinic.example/telegram/webhook",
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            **env,
        }
    )
    stack = Stack(settings, [gateway_service(settings)])
    stack.start(timeout=60)
    yield f"http://127.0.0.1:{settings.gateway_port}"
    stack.stop()


def processes_with(marker: str) -> list[int]:
    """Pids whose environment mentions the marker (our run dir): the stack's processes."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"
