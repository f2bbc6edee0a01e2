"""Trains the Rasa model only when its inputs changed (fingerprint in the file name)."""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
from pathlib import Path

import yaml
from sqlalchemy.exc import SQLAlchemyError

from bot.ops.children import die_with_parent
from bot.ops.environment import child_env
from bot.settings import Settings
from bot.store.db import session_factory
from bot.store.insight import export_labels


def labelled_data(settings: Settings) -> Path | None:
    """Messages staff labelled in the console, written out as NLU data (None: there are none).

    Read from the database the settings name; a database without the table (not migrated
    yet) has no labels.
    """
    target = settings.run_dir / "nlu" / "labelled.yml"
    try:
        return export_labels(session_factory(settings.database_url), target)
    except SQLAlchemyError:
        return None


def training_data(settings: Settings) -> list[Path]:
    """The folders and files `rasa train --data` reads."""
    labelled = labelled_data(settings)
    return [*settings.training_data, *([labelled] if labelled else [])]


def component_sources(config: Path) -> list[Path]:
    """The source files of the packages holding this repo's NLU components that the config names.

    Their code decides what they learn (a vocabulary, a regression) and how a stored model is
    read back, so a change to any module of those packages (a component, or a helper or base
    class it imports) retrains the model like a change to the data does.
    """
    pipeline = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("pipeline") or []
    root = config.parent
    packages = set()
    for step in pipeline:
        module = str(step.get("name", "")).rpartition(".")[0]
        package = root.joinpath(*module.split(".")[:-1])
        if module.startswith("bot.") and package.is_dir():
            packages.add(package)
    return sorted(path for package in packages for path in package.glob("*.py"))


def training_inputs(settings: Settings) -> list[Path]:
    """Every file whose content changes what `rasa train` produces."""
    files = [*settings.training_files, *component_sources(settings.training_files[0])]
    # The versions of the libraries the model is pickled with (scikit-learn, TensorFlow).
    files += [lock for lock in [settings.root / "requirements.lock"] if lock.exists()]
    for source in training_data(settings):
        files.extend(sorted(source.rglob("*.yml")) if source.is_dir() else [source])
    return files


def fingerprint(settings: Settings) -> str:
    """Short hash of the training inputs (paths and contents) and the Rasa version."""
    from rasa.version import __version__ as rasa_version

    digest = hashlib.sha256(rasa_version.encode())
    for path in training_inputs(settings):
        name = path.relative_to(settings.root) if path.is_relative_to(settings.root) else path.name
        digest.update(str(name).encode())
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
        command += ["--domain", str(domain), "--data", *map(str, training_data(settings))]
        command += ["--out", str(settings.models_dir), "--fixed-model-name", target.name[:-7]]
        # A killed `python -m bot train` takes `rasa train` with it.
        subprocess.run(
            command,
            cwd=settings.root,
            env=child_env(settings),
            check=True,
            preexec_fn=die_with_parent,
        )
    return target
