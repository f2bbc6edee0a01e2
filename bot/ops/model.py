"""Trains the Rasa model only when its inputs changed (fingerprint in the file name)."""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
from pathlib import Path

from bot.ops.environment import child_env
from bot.settings import Settings


def training_inputs(settings: Settings) -> list[Path]:
    """Every file whose content changes what `rasa train` produces."""
    files = list(settings.training_files)
    for folder in settings.training_data:
        files.extend(sorted(folder.rglob("*.yml")))
    return files


def fingerprint(settings: Settings) -> str:
    """Short hash of the training inputs (paths and contents) and the Rasa version."""
    from rasa.version import __version__ as rasa_version

    digest = hashlib.sha256(rasa_version.encode())
    for path in training_inputs(settings):
        digest.update(str(path.relative_to(settings.root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(settings: Settings) -> Path:
    """Where the model for the current inputs lives (it may not exist yet)."""
    return settings.models_dir / f"mesobot-{fingerprint(settings)}.tar.gz"


def ensure_model(settings: Settings) -> Path:
    """Return the model for the current inputs, training it first if it does not exist."""
    if settings.model_file is not None:
        if not settings.model_file.exists():
            raise FileNotFoundError(f"MESOBOT_MODEL: no model at {settings.model_file}")
        return settings.model_file
    target = model_path(settings)
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    with (settings.models_dir / ".train.lock").open("w") as lock:
        # Two processes (a test run and `make run`) never train the same model at once.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        print(f"Training the model ({target.name}); this takes a few minutes...", flush=True)
        config, domain = settings.training_files
        command = [sys.executable, "-m", "rasa", "train", "--config", str(config)]
        command += ["--domain", str(domain), "--data", *map(str, settings.training_data)]
        command += ["--out", str(settings.models_dir), "--fixed-model-name", target.name[:-7]]
        subprocess.run(command, cwd=settings.root, env=child_env(settings), check=True)
    return target
