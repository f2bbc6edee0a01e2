"""The running processes as an attacker on the same machine meets them: addresses, secrets,
command lines and logs (the stack from conftest, real Rasa, real action server, real gateway)."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.ops.launcher import Service
from bot.settings import ROOT
from tests.conftest import free_port, new_sender, processes_with

LISTEN = "0A"


def listening_on(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on the port (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == LISTEN and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_every_process_listens_on_localhost_only(bot):
    loopback = {"0100007F"}  # 127.0.0.1, as /proc writes it
    for port in (bot.settings.rasa_port, bot.settings.action_port, bot.settings.gateway_port):
        assert listening_on(port) == loopback, port


def test_the_action_server_refuses_requests_without_its_secret(bot):
    url = bot.settings.action_url
    call = {"next_action": "action_request_human", "sender_id": "x", "tracker": {}, "domain": {}}
    assert httpx.post(url, json=call).status_code == 401
    assert httpx.post(url, json=call, headers={"X-Action-Token": "guess"}).status_code == 401
    assert httpx.get(bot.settings.action_health_url).json()["status"] == "ok"


def test_rasa_takes_only_a_signed_token(bot):
    rasa = bot.settings.rasa_url
    assert httpx.get(f"{rasa}/status").status_code == 401
    token = bot.settings.rasa_token
    assert httpx.get(f"{rasa}/status", params={"token": token}).status_code == 401
    assert httpx.get(f"{rasa}/status", headers=bot.settings.rasa_api_headers()).status_code == 200
    message = {"sender": new_sender(), "message": "I take warfarin"}
    assert httpx.post(f"{rasa}/webhooks/gateway/webhook", json=message).status_code == 401
    assert httpx.post(f"{rasa}/webhooks/rest/webhook", json=message).status_code == 404


def test_no_secret_is_on_a_command_line(bot):
    secrets = [bot.settings.rasa_token, bot.settings.action_token]
    pids = processes_with(str(bot.settings.run_dir))
    assert len(pids) >= 3
    for pid in pids:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        assert not any(secret and secret in command_line for secret in secrets), command_line


def test_logs_carry_no_patient_words_names_or_phone_numbers(bot):
    sender = new_sender()
    bot.texts(sender, "I'm pregnant and my cat is called Zorblax, can I have it?")
    bot.texts(sender, "yes")
    bot.texts(sender, "Quintessa Vandergriff")
    bot.texts(sender, "+44 7700 900461")
    bot.texts(sender, "after 6pm Zorblax")
    bot.texts(sender, "/report_complication" + '{"red_flag":"Zorblax"}')
    logs = "".join(
        path.read_text(errors="replace") for path in (bot.settings.run_dir / "logs").glob("*.log")
    )
    assert logs, "the processes write logs"
    for secret in ("Zorblax", "Quintessa", "Vandergriff", "7700", "900461"):
        assert secret not in logs


def test_logs_are_appended_not_wiped(tmp_path):
    log = tmp_path / "logs" / "x.log"
    for word in ("first", "second"):
        service = Service("x", [sys.executable, "-c", f"print({word!r})"], "http://-", log)
        service.start(ROOT, dict(os.environ))
        assert service.process is not None
        service.process.wait(30)
    assert log.read_text().split() == ["first", "second"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("RASA_HOST", "0.0.0.0"), ("ACTION_SERVER_HOST", "0.0.0.0")],
)
def test_nothing_faces_the_network_without_its_secret(tmp_path, variable, value):
    env = {
        **os.environ,
        variable: value,
        "MESOBOT_RUN_DIR": str(tmp_path),
        "GATEWAY_PORT": str(free_port()),
    }
    env.pop("RASA_TOKEN", None)
    env.pop("ACTION_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert f"{variable} faces the network" in result.stderr


def _alive(pid: int) -> bool:
    """Running (a zombie nobody reaped yet counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_killing_training_stops_rasa_train_too(tmp_path):
    # An empty models folder and no pinned model: `python -m bot train` must start `rasa train`.
    env = {k: v for k, v in os.environ.items() if k != "MESOBOT_MODEL"}
    env["MESOBOT_MODELS_DIR"] = str(tmp_path / "models")
    env["MESOBOT_RUN_DIR"] = str(tmp_path / "run")
    parent = subprocess.Popen(
        [sys.executable, "-m", "bot", "train"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        children: list[int] = []
        while not children and time.monotonic() < deadline:
            time.sleep(0.2)
            children = [
                pid
                for pid in processes_with(str(tmp_path / "models"))
                if pid != parent.pid and b"rasa" in Path(f"/proc/{pid}/cmdline").read_bytes()
            ]
        assert children, "rasa train started"
        parent.kill()  # not even a chance to clean up
        parent.wait(10)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in children)
    finally:
        if parent.poll() is None:
            parent.kill()


def test_the_gateway_keeps_an_idle_connection_open_longer_than_clients_pool_theirs(bot):
    # httpx and browsers drop a pooled connection after about 5 s idle, proxies after 60 s; a
    # gateway that closes at the same moment races them, and the next request breaks off.
    host, port = bot.gateway.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        for _ in range(2):
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b'{"status":"ok"}')
            time.sleep(7)
            assert connection.sock is not None
            connection.sock.setblocking(False)
            with pytest.raises(BlockingIOError):  # nothing to read, and above all no EOF
                connection.sock.recv(1)
            connection.sock.setblocking(True)
    finally:
        connection.close()
