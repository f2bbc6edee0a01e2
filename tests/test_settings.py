"""Settings: read once from the environment, handed to children in one walk of the fields."""

from __future__ import annotations

from dataclasses import fields

import pytest

from bot.ops.environment import PROCESS_DEFAULTS, child_env
from bot.ops.rasa_config import LOCK_STORE, lock_store, render_endpoints
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


def test_replicas_listen_on_consecutive_ports_and_need_a_shared_database():
    env = {"RASA_PORT": "7000", "RASA_REPLICAS": "3"}
    settings = Settings.from_env(env, root=ROOT)
    assert settings.rasa_urls == tuple(f"http://127.0.0.1:{p}" for p in (7000, 7001, 7002))
    assert settings.rasa_url == "http://127.0.0.1:7000"
    assert any("RASA_REPLICAS" in problem for problem in settings.problems())
    shared = Settings.from_env({**env, "DATABASE_URL": "postgresql+psycopg2://u@h/db"}, ROOT)
    assert shared.problems() == []


def test_rasa_gets_the_redis_lock_store_only_when_redis_url_is_set():
    plain = render_endpoints(Settings.from_env({}, root=ROOT))
    assert "lock_store" not in plain
    redis = Settings.from_env({"REDIS_URL": "redis://:s%40cret@cache:6380/2"}, root=ROOT)
    assert render_endpoints(redis)["lock_store"] == {
        "type": LOCK_STORE,
        "url": "cache",
        "port": 6380,
        "db": 2,
        "key_prefix": "mesobot",
        "socket_timeout": 1,
        "password": "s@cret",
    }
    with pytest.raises(ValueError):
        lock_store("http://cache:6379")
