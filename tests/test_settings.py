"""Settings: read once from the environment, handed to children in one walk of the fields."""

from __future__ import annotations

from dataclasses import fields

from bot.ops.environment import PROCESS_DEFAULTS, child_env
from bot.settings import ROOT, Settings


def test_defaults_are_the_embedded_laptop_setup():
    settings = Settings.from_env({}, root=ROOT)
    assert settings.database_url == f"sqlite:///{ROOT / 'mesobot.db'}"
    assert settings.rasa_host == "127.0.0.1" and settings.gateway_host == "127.0.0.1"
    assert settings.clinic_file == ROOT / "clinic.yml"
    assert settings.rasa_token is None and settings.telegram_token is None
    assert settings.problems() == []


def test_every_setting_round_trips_through_a_child_environment():
    env = {
        "DATABASE_URL": "postgresql+psycopg2://u@h/db",
        "RASA_PORT": "7000",
        "RASA_TOKEN": "t" * 20,
        "MESOBOT_CLINIC_FILE": "/etc/clinic.yml",
        "TELEGRAM_TOKEN": "1:x",
    }
    settings = Settings.from_env(env, root=ROOT)
    assert settings.rasa_port == 7000 and settings.clinic_file.as_posix() == "/etc/clinic.yml"
    assert Settings.from_env(settings.to_env(), root=ROOT) == settings
    named = set(settings.to_env())
    # Every field but the root is an environment variable; unset optional ones stay unset.
    unset = [f.name for f in fields(Settings) if getattr(settings, f.name) is None]
    assert "rasa_token" not in unset and "action_token" in unset
    assert len(named) == len(fields(Settings)) - 1 - len(unset)


def test_children_get_the_settings_and_the_process_defaults():
    settings = Settings.from_env({"RASA_PORT": "7001"}, root=ROOT)
    env = child_env(settings)
    assert env["RASA_PORT"] == "7001"
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert PROCESS_DEFAULTS.items() <= env.items()
    assert str(ROOT) in env["PYTHONPATH"].split(":")


def test_empty_values_mean_unset():
    settings = Settings.from_env({"RASA_TOKEN": "", "RASA_PORT": ""}, root=ROOT)
    assert settings.rasa_token is None and settings.rasa_port == 5005
