"""Every setting mesobot reads, in one typed place, read once from the environment.

Each field names its environment variable and default once, in its annotation (`Env`);
reading (`Settings.from_env`) and handing the same settings to a child process
(`Settings.to_env`) both walk that one list, so a new setting is added in exactly one place.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import time
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import jwt

ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Env:
    """The environment variable a setting is read from, and its default (None: unset)."""

    name: str
    default: str | None = None


@dataclass(frozen=True)
class Settings:
    """Runtime settings; defaults are the embedded laptop setup (SQLite, no secrets).

    Relative paths are relative to `root`, the repository.
    """

    root: Path
    # Content: what the clinic edits, and what the bot says.
    clinic_file: Annotated[Path, Env("MESOBOT_CLINIC_FILE", "clinic.yml")]
    knowledge_dir: Annotated[Path, Env("MESOBOT_KNOWLEDGE_DIR", "data/knowledge")]
    safety_dir: Annotated[Path, Env("MESOBOT_SAFETY_DIR", "data/safety")]
    channels_file: Annotated[Path, Env("MESOBOT_CHANNELS_FILE", "data/channels.yml")]
    languages_file: Annotated[Path, Env("MESOBOT_LANGUAGES_FILE", "data/languages.yml")]
    dialogue_file: Annotated[Path, Env("MESOBOT_DIALOGUE_FILE", "data/dialogue.yml")]
    # Where models, logs and rendered Rasa configuration go.
    models_dir: Annotated[Path, Env("MESOBOT_MODELS_DIR", "models")]
    # A trained model to serve as it is (a release's pinned model); unset: train when changed.
    model_file: Annotated[Path | None, Env("MESOBOT_MODEL")]
    run_dir: Annotated[Path, Env("MESOBOT_RUN_DIR", ".run")]
    # Empty means the SQLite file mesobot.db in the repository.
    database_url: Annotated[str, Env("DATABASE_URL", "")]
    rasa_host: Annotated[str, Env("RASA_HOST", "127.0.0.1")]
    rasa_port: Annotated[int, Env("RASA_PORT", "5005")]
    # Rasa processes on consecutive ports from RASA_PORT; more than one needs a shared
    # database (PostgreSQL) for their tracker store, and REDIS_URL for their lock store.
    rasa_replicas: Annotated[int, Env("RASA_REPLICAS", "1")]
    # Rasa's Redis lock store (redis://[:password@]host:port/db); unset: each Rasa process
    # locks conversations in its own memory.
    redis_url: Annotated[str | None, Env("REDIS_URL")]
    action_host: Annotated[str, Env("ACTION_SERVER_HOST", "127.0.0.1")]
    action_port: Annotated[int, Env("ACTION_SERVER_PORT", "5055")]
    gateway_host: Annotated[str, Env("GATEWAY_HOST", "127.0.0.1")]
    gateway_port: Annotated[int, Env("GATEWAY_PORT", "8000")]
    # Signs the JWT that Rasa's HTTP API and gateway channel take; `make run` makes one per run
    # when unset. Required (and shared by every process) when anything faces the network.
    rasa_token: Annotated[str | None, Env("RASA_TOKEN")]
    # The shared secret Rasa sends to the action server; generated per run when unset.
    action_token: Annotated[str | None, Env("ACTION_TOKEN")]
    # Keys the staff console's sessions; `make run` makes one per run in development. In
    # production the console refuses to start without a real one (32+ characters).
    secret_key: Annotated[str | None, Env("SECRET_KEY")]
    # "production" turns on the checks a clinic's server needs (secret key, no demo account).
    environment: Annotated[str, Env("MESOBOT_ENV", "development")]
    console_idle_minutes: Annotated[int, Env("CONSOLE_IDLE_MINUTES", "30")]
    console_session_hours: Annotated[int, Env("CONSOLE_SESSION_HOURS", "12")]
    # A Telegram chat (group) told about each new escalation, with a link to the console.
    staff_chat_id: Annotated[str | None, Env("STAFF_CHAT_ID")]
    # The gateway's address as staff reach it, for links in staff notifications.
    public_url: Annotated[str | None, Env("PUBLIC_URL")]
    # "debug" lets message text into the logs; anything else keeps it out.
    log_level: Annotated[str, Env("MESOBOT_LOG_LEVEL", "info")]
    telegram_token: Annotated[str | None, Env("TELEGRAM_TOKEN")]
    telegram_webhook_url: Annotated[str | None, Env("TELEGRAM_WEBHOOK_URL")]
    telegram_webhook_secret: Annotated[str | None, Env("TELEGRAM_WEBHOOK_SECRET")]
    telegram_api_url: Annotated[str, Env("TELEGRAM_API_URL", "https://api.telegram.org/bot")]
    max_body_bytes: Annotated[int, Env("MAX_BODY_BYTES", str(64 * 1024))]
    # How long the gateway waits for one answer from Rasa before trying again.
    rasa_timeout_seconds: Annotated[int, Env("RASA_TIMEOUT_SECONDS", "30")]
    # A widget session unused this long is forgotten (the patient starts a new one).
    widget_session_days: Annotated[int, Env("WIDGET_SESSION_DAYS", "30")]
    # Bearer token Prometheus sends to /metrics; without it /metrics answers only while the
    # gateway listens on localhost.
    metrics_token: Annotated[str | None, Env("METRICS_TOKEN")]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, root: Path = ROOT) -> Settings:
        """Build settings from environment variables (or the given mapping)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, (kind, var) in _env_fields().items():
            values[name] = _parse(kind, env.get(var.name) or var.default, root)
        if not values["database_url"]:
            values["database_url"] = f"sqlite:///{root / 'mesobot.db'}"
        return cls(root=root, **values)

    def to_env(self) -> dict[str, str]:
        """The settings as environment variables, for a child process to read the same ones."""
        env: dict[str, str] = {}
        for name, (_, var) in _env_fields().items():
            value = getattr(self, name)
            if value is not None:
                env[var.name] = str(value)
        return env

    @property
    def rasa_url(self) -> str:
        """Base URL of the (first) Rasa HTTP server."""
        return self.rasa_urls[0]

    @property
    def rasa_urls(self) -> tuple[str, ...]:
        """Base URLs of every Rasa process, one port each from RASA_PORT up."""
        count = max(1, self.rasa_replicas)
        return tuple(f"http://{self.rasa_host}:{self.rasa_port + i}" for i in range(count))

    @property
    def action_base_url(self) -> str:
        """The action server, as Rasa and the health checks on this machine reach it."""
        host = "127.0.0.1" if self.action_host in ("0.0.0.0", "::") else self.action_host
        return f"http://{host}:{self.action_port}"

    @property
    def action_url(self) -> str:
        """URL Rasa calls to run custom actions."""
        return f"{self.action_base_url}/webhook"

    @property
    def action_health_url(self) -> str:
        """The action server's health check (with its count of failed database writes)."""
        return f"{self.action_base_url}/status"

    def rasa_api_headers(self) -> dict[str, str]:
        """Authorization for Rasa's HTTP API and the gateway channel: a short-lived JWT."""
        claims = {"user": {"username": "mesobot", "role": "admin"}, "exp": int(time.time()) + 300}
        return {"Authorization": "Bearer " + jwt.encode(claims, self.rasa_token or "", "HS256")}

    def with_run_secrets(self) -> Settings:
        """These settings with a fresh Rasa and action-server secret for any left unset."""
        return dataclasses.replace(
            self,
            rasa_token=self.rasa_token or secrets.token_urlsafe(32),
            action_token=self.action_token or secrets.token_urlsafe(32),
            secret_key=self.secret_key or secrets.token_urlsafe(32),
        )

    @property
    def gateway_url(self) -> str:
        """Where the gateway listens, as a browser on this machine reaches it."""
        host = "localhost" if self.gateway_host in ("127.0.0.1", "0.0.0.0") else self.gateway_host
        return f"http://{host}:{self.gateway_port}"

    @property
    def training_data(self) -> tuple[Path, ...]:
        """Rasa's training data folders, one file per topic in each."""
        return tuple(self.root / "data" / part for part in ("nlu", "rules", "stories"))

    @property
    def training_files(self) -> tuple[Path, ...]:
        """Rasa's model configuration and domain."""
        return (self.root / "config.yml", self.root / "domain.yml")

    def problems(self) -> list[str]:
        """Settings that are unsafe to run with (the gateway refuses to start on any)."""
        found = []
        if self.telegram_webhook_url and not self.telegram_token:
            found.append("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_TOKEN is not")
        if self.telegram_webhook_url and len(self.telegram_webhook_secret or "") < 16:
            found.append("TELEGRAM_WEBHOOK_SECRET must be set (16+ characters) in webhook mode")
        if self.telegram_webhook_url and not self.telegram_webhook_url.startswith("https://"):
            found.append("TELEGRAM_WEBHOOK_URL must be https://")
        if self.gateway_host not in LOCAL_HOSTS and not self.rasa_token:
            found.append("GATEWAY_HOST faces the network: set RASA_TOKEN to protect Rasa's API")
        if self.rasa_host not in LOCAL_HOSTS and not self.rasa_token:
            found.append("RASA_HOST faces the network: set RASA_TOKEN to protect Rasa's API")
        if self.action_host not in LOCAL_HOSTS and not self.action_token:
            found.append("ACTION_SERVER_HOST faces the network: set ACTION_TOKEN")
        if self.production and len(self.secret_key or "") < 32:
            found.append("MESOBOT_ENV=production: set SECRET_KEY (32+ random characters)")
        if self.rasa_replicas > 1 and self.database_url.startswith("sqlite"):
            found.append("RASA_REPLICAS > 1 needs a shared DATABASE_URL (PostgreSQL)")
        if self.production and not self.rasa_token:
            found.append("MESOBOT_ENV=production: set RASA_TOKEN, shared by every process")
        return found

    @property
    def production(self) -> bool:
        """A clinic's server, not a laptop."""
        return self.environment == "production"

    @property
    def console_url(self) -> str:
        """The staff console, as staff open it."""
        return f"{(self.public_url or self.gateway_url).rstrip('/')}/console/"


@lru_cache(maxsize=1)
def _env_fields() -> dict[str, tuple[object, Env]]:
    """Field name -> (its type, its Env), for every field read from the environment."""
    hints = typing.get_type_hints(Settings, include_extras=True)
    found: dict[str, tuple[object, Env]] = {}
    for spec in fields(Settings):
        kind, *extras = typing.get_args(hints[spec.name]) or (hints[spec.name],)
        env = next((extra for extra in extras if isinstance(extra, Env)), None)
        if env is not None:
            found[spec.name] = (kind, env)
    return found


def _parse(kind: object, raw: str | None, root: Path) -> Any:
    """One environment value as the field's type."""
    if raw is None:
        return None
    if kind is Path or Path in typing.get_args(kind):
        path = Path(raw)
        return path if path.is_absolute() else root / path
    if kind is int or int in typing.get_args(kind):
        return int(raw)
    return raw


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use (the one way in)."""
    return Settings.from_env()
