"""`python -m bot.ops.rasa_server MODEL`: `rasa run` with its secret kept out of argv and logs.

Rasa's HTTP API and the gateway channel both take a JWT signed with RASA_TOKEN. Passing
`--jwt-secret` on a command line would show it to every local user (`ps`), so this process
reads it from its environment and hands it to Rasa's own command line parser in-process.
"""

from __future__ import annotations

import sys

from bot.ops import logs, rasa_patches
from bot.ops.rasa_config import write_endpoints
from bot.settings import get_settings


def rasa_arguments(model: str) -> list[str]:
    """The `rasa run` arguments for this process's settings (the secret included)."""
    settings = get_settings()
    if not settings.rasa_token:
        raise SystemExit("RASA_TOKEN is not set: Rasa's API must not run without a token.")
    # One file per port: replicas start at once and must not write over each other.
    endpoints = write_endpoints(settings, settings.run_dir / f"endpoints-{settings.rasa_port}.yml")
    return [
        "run",
        "--model", model,
        "--enable-api",
        f"--jwt-secret={settings.rasa_token}",  # "=": a secret may start with "-"
        "--jwt-method", "HS256",
        "--endpoints", str(endpoints),
        "--credentials", str(settings.root / "credentials.yml"),
        "--interface", settings.rasa_host,
        "--port", str(settings.rasa_port),
    ]  # fmt: skip


def main() -> None:
    """Run Rasa until SIGTERM."""
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m bot.ops.rasa_server MODEL")
    logs.install(get_settings().log_level)
    rasa_patches.install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *rasa_arguments(sys.argv[1])]
    rasa_main()


if __name__ == "__main__":
    main()
