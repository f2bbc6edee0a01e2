"""Every setting mesobot reads, in one typed place, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Runtime settings; defaults are the embedded laptop setup (SQLite, no secrets)."""

    root: Path
    clinic_file: Path
    knowledge_dir: Path
    safety_dir: Path
    models_dir: Path
    run_dir: Path
    database_url: str
    rasa_host: str
    rasa_port: int
    action_port: int
    gateway_port: int
    gateway_host: str
    rasa_token: str | None
    telegram_token: str | None
    telegram_webhook_url: str | None
    telegram_webhook_secret: str | None
    telegram_api_url: str
    max_body_bytes: int

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa HTTP server."""
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        """URL Rasa calls to run custom actions."""
        return f"http://127.0.0.1:{self.action_port}/webhook"

    @property
    def action_health_url(self) -> str:
        """The action server's health check."""
        return f"http://127.0.0.1:{self.action_port}/health"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, root: Path = ROOT) -> Settings:
        """Build settings from environment variables (or the given mapping)."""
        env = os.environ if env is None else env

        def path(name: str, default: str) -> Path:
            value = Path(env.get(name, default))
            return value if value.is_absolute() else root / value

        run_dir = path("MESOBOT_RUN_DIR", ".run")
        return cls(
            root=root,
            clinic_file=path("MESOBOT_CLINIC_FILE", "clinic.yml"),
            knowledge_dir=path("MESOBOT_KNOWLEDGE_DIR", "data/knowledge"),
            safety_dir=path("MESOBOT_SAFETY_DIR", "data/safety"),
            models_dir=path("MESOBOT_MODELS_DIR", "models"),
            run_dir=run_dir,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{root / 'mesobot.db'}",
            rasa_host=env.get("RASA_HOST", "127.0.0.1"),
            rasa_port=int(env.get("RASA_PORT", "5005")),
            action_port=int(env.get("ACTION_SERVER_PORT", "5055")),
            gateway_port=int(env.get("GATEWAY_PORT", "8000")),
            gateway_host=env.get("GATEWAY_HOST", "127.0.0.1"),
            rasa_token=env.get("RASA_TOKEN") or None,
            telegram_token=env.get("TELEGRAM_TOKEN") or None,
            telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            telegram_api_url=env.get("TELEGRAM_API_URL", "https://api.telegram.org/bot"),
            max_body_bytes=int(env.get("MAX_BODY_BYTES", str(64 * 1024))),
        )

    def problems(self) -> list[str]:
        """Settings that are unsafe to run with (the gateway refuses to start on any)."""
        found = []
        if self.telegram_webhook_url and not self.telegram_token:
            found.append("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_TOKEN is not")
        if self.telegram_webhook_url and len(self.telegram_webhook_secret or "") < 16:
            found.append("TELEGRAM_WEBHOOK_SECRET must be set (16+ characters) in webhook mode")
        if self.telegram_webhook_url and not self.telegram_webhook_url.startswith("https://"):
            found.append("TELEGRAM_WEBHOOK_URL must be https://")
        if self.gateway_host not in ("127.0.0.1", "localhost", "::1") and not self.rasa_token:
            found.append("GATEWAY_HOST faces the network: set RASA_TOKEN to protect Rasa's API")
        return found

    @property
    def gateway_url(self) -> str:
        """Where the gateway listens, as a browser on this machine reaches it."""
        host = "localhost" if self.gateway_host in ("127.0.0.1", "0.0.0.0") else self.gateway_host
        return f"http://{host}:{self.gateway_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()
