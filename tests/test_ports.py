"""free_port: ports for stacks started beside others (tests, benches) that nothing else takes."""

from __future__ import annotations

import socket

from bot.ops.launcher import _below_ephemeral, _bindable, free_port


def test_ports_come_from_below_the_range_outgoing_connections_use():
    # Under load, hundreds of client connections take local ports from the ephemeral range: a
    # port from inside it was once taken by one of them before Rasa could bind it.
    ports = [free_port() for _ in range(50)]
    assert all(10_000 <= port < _below_ephemeral() for port in ports)


def test_no_port_is_handed_out_twice():
    ports = [free_port() for _ in range(200)]
    runs = [free_port(3) for _ in range(20)]
    handed = ports + [port for first in runs for port in range(first, first + 3)]
    assert len(handed) == len(set(handed))


def test_every_port_of_a_run_can_be_bound():
    first = free_port(3)
    with socket.socket() as a, socket.socket() as b, socket.socket() as c:
        for sock, port in zip((a, b, c), range(first, first + 3), strict=True):
            sock.bind(("127.0.0.1", port))


def test_a_port_in_use_is_never_bindable():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert not _bindable(taken.getsockname()[1])
