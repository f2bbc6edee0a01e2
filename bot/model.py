"""Trains the Rasa model only when its inputs changed (fingerprint in the file name)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT, Settings

TRAINING_DATA = ("data/nlu", "data/rules", "data/stories")
TRAINING_FILES = ("config.yml", "domain.yml")


def training_inputs(root: Path) -> list[Path]:
    """Every file whose content changes what `rasa train` produces."""
    files = [root / name for name in TRAINING_FILES]
    for folder in TRAINING_DATA:
        files.extend(sorted((root / folder).rglob("*.yml")))
    return files


def fingerprint(root: Path) -> str:
    """Short hash of the training inputs (paths and contents) and the Rasa version."""
    from rasa.version import __version__ as rasa_version

    digest = hashlib.sha256(rasa_version.encode())
    for path in training_inputs(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(settings: Settings) -> Path:
    """Where the model for the current inputs lives (it may not exist yet)."""
    return settings.models_dir / f"mesobot-{fingerprint(settings.root)}.tar.gz"


def rasa_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Rasa subprocesses: telemetry off, the repo importable, quiet TF."""
    env = dict(os.environ)
    root = str(ROOT)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        PYTHONPATH=os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p),
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    env.update(extra or {})
    return env


def ensure_model(settings: Settings) -> Path:
    """Return the model for the current inputs, training it first if it does not exist."""
    target = model_path(settings)
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    with (settings.models_dir / ".train.lock").open("w") as lock:
        # Two processes (a test run and `make run`) never train the same model at once.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        print(f"Training the model ({target.name}); this takes a few minutes...", flush=True)
        command = [sys.executable, "-m", "rasa", "train", "--config", "config.yml"]
        command += ["--domain", "domain.yml", "--data", *TRAINING_DATA]
        command += ["--out", str(settings.models_dir), "--fixed-model-name", target.name[:-7]]
        subprocess.run(command, cwd=settings.root, env=rasa_env(), check=True)
    return target
