"""Starts the action server, Rasa and the gateway, waits until all are healthy, stops them."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from bot.ops.children import die_with_parent
from bot.ops.environment import child_env
from bot.settings import Settings


class StartupError(RuntimeError):
    """A process exited or did not become healthy in time."""


EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()


def _below_ephemeral() -> int:
    """The first port the kernel may give an outgoing connection (32768 when unknown)."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(count: int = 1) -> int:
    """The first of `count` consecutive free TCP ports, for a stack beside others (tests, bench).

    (Rasa replicas listen on RASA_PORT + i.) The port is free now, and a child binds it a few
    seconds later. Two things could take it in between, and both are kept out. One is an
    outgoing connection, whose local port the kernel picks from its ephemeral range: under
    load (hundreds of test clients) it once took Rasa's port, so ports come from below that
    range. The other is this process handing the same port out twice: it never does.
    """
    rng = random.Random()
    top = _below_ephemeral() - count
    for _ in range(200):
        first = rng.randrange(10_000, top)
        run = range(first, first + count)
        if _handed_out.isdisjoint(run) and all(_bindable(port) for port in run):
            _handed_out.update(run)
            return first
    raise RuntimeError("no run of free ports")


@dataclass
class Service:
    """One child process and how to tell it is ready."""

    name: str
    command: list[str]
    health_url: str
    log_path: Path
    health_headers: Callable[[], dict[str, str]] = dict
    # What this process's environment has of its own (a replica's port).
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self, cwd: Path, env: dict[str, str]) -> None:
        """Start in its own process group, so stopping it also stops its children."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**env, **self.env}
        # Appended, never wiped: the log of an earlier run is what explains its end.
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    def healthy(self) -> bool:
        """True when the health URL answers 200."""
        try:
            return (
                httpx.get(self.health_url, headers=self.health_headers(), timeout=2).status_code
                == 200
            )
        except httpx.HTTPError:
            return False

    def log_tail(self, lines: int = 30) -> str:
        """The end of the process's log, for error messages."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float) -> None:
        """SIGTERM the process group, then SIGKILL whatever is left after the timeout."""
        if self.process is None or self.process.poll() is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=timeout)
                return
            except subprocess.TimeoutExpired:
                continue


def action_service(settings: Settings) -> Service:
    """The rasa-sdk action server (bot/ops/action_server.py)."""
    return Service(
        "action server",
        [sys.executable, "-m", "bot.ops.action_server"],
        settings.action_health_url,
        settings.run_dir / "logs" / "actions.log",
    )


def rasa_service(settings: Settings, model: Path, replica: int = 0) -> Service:
    """`rasa run` with the model, the gateway channel and the JWT-protected API.

    Replica i listens on RASA_PORT + i; the first keeps the plain name "rasa".
    """
    suffix = f"-{replica + 1}" if replica else ""
    return Service(
        f"rasa{suffix}",
        [sys.executable, "-m", "bot.ops.rasa_server", str(model)],
        f"{settings.rasa_urls[replica]}/status",
        settings.run_dir / "logs" / f"rasa{suffix}.log",
        health_headers=settings.rasa_api_headers,
        env={"RASA_PORT": str(settings.rasa_port + replica)},
    )


def gateway_service(settings: Settings) -> Service:
    """The gateway; its /readyz is green only once Rasa and the action server answer too."""
    return Service(
        "gateway",
        [sys.executable, "-m", "bot.ops.gateway_server"],
        f"http://127.0.0.1:{settings.gateway_port}/readyz",
        settings.run_dir / "logs" / "gateway.log",
    )


@dataclass
class Stack:
    """Processes started together, healthy together, stopped together."""

    settings: Settings
    services: list[Service]

    @classmethod
    def for_clinic(cls, settings: Settings, model: Path) -> Stack:
        """Everything `make run` starts: action server, Rasa (each replica), gateway."""
        rasas = [rasa_service(settings, model, i) for i in range(len(settings.rasa_urls))]
        return cls(settings, [action_service(settings), *rasas, gateway_service(settings)])

    def start(self, timeout: float = 300) -> None:
        """Start every service and wait until all are healthy (stopping all on failure)."""
        env = child_env(self.settings)
        for service in self.services:
            service.start(self.settings.root, env)
        deadline = time.monotonic() + timeout
        pending = list(self.services)
        try:
            while pending:
                for service in list(pending):
                    assert service.process is not None
                    if service.process.poll() is not None:
                        raise StartupError(f"{service.name} exited:\n{service.log_tail()}")
                    if service.healthy():
                        pending.remove(service)
                if time.monotonic() > deadline:
                    names = ", ".join(s.name for s in pending)
                    raise StartupError(f"not healthy after {timeout:.0f}s: {names}")
                time.sleep(0.5)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 15) -> None:
        """Stop every service, last started first."""
        for service in reversed(self.services):
            service.stop(timeout)

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
