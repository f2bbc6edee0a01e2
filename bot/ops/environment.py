"""The environment every mesobot child process starts with (the one place that sets it)."""

from __future__ import annotations

import os

from bot.settings import Settings

# Rasa and TensorFlow defaults for every process mesobot starts: no telemetry, quiet logs.
PROCESS_DEFAULTS = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


def child_env(settings: Settings) -> dict[str, str]:
    """This process's environment plus the defaults, the repo on PYTHONPATH and the settings."""
    env = dict(os.environ)
    env.update(PROCESS_DEFAULTS)
    root = str(settings.root)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.update(settings.to_env())
    return env
