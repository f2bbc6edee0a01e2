"""A TCP proxy in front of a real server, to inject faults between two real processes.

`Proxy(target_port).start()` listens on a free port and forwards every connection. Switch it
to `down()` (connections are cut at once, as if the server had stopped), `stall(seconds)`
(the next request is held that long before being forwarded, as if the server were overloaded) and
back to `up()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from bot.ops.launcher import free_port


class Proxy:
    """Forwards 127.0.0.1:port to 127.0.0.1:target, with a switch for faults."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = free_port()
        self.mode = "up"
        self.stall_seconds = 0.0
        self.stalls_left = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None

    def start(self) -> Proxy:
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)

            async def serve() -> None:
                self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
                ready.set()

            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(10)
        return self

    def up(self) -> None:
        self.mode = "up"

    def down(self) -> None:
        self.mode = "down"

    def stall(self, seconds: float, requests: int = 1) -> None:
        """Hold the next `requests` requests for `seconds`, then forward them."""
        self.mode, self.stall_seconds, self.stalls_left = "stall", seconds, requests

    def stop(self) -> None:
        def close() -> None:
            if self._server:
                self._server.close()
            self._loop.stop()

        self._loop.call_soon_threadsafe(close)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.mode == "down":
            writer.close()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target
            )
        except OSError:
            writer.close()
            return

        async def pipe(
            source: asyncio.StreamReader, sink: asyncio.StreamWriter, requests: bool
        ) -> None:
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                while data := await source.read(65536):
                    if self.mode == "down":
                        break
                    if requests and self.mode == "stall":
                        self.stalls_left -= 1
                        if self.stalls_left <= 0:
                            self.mode = "up"
                        await asyncio.sleep(self.stall_seconds)
                    sink.write(data)
                    await sink.drain()
            with contextlib.suppress(Exception):
                sink.close()

        await asyncio.gather(
            pipe(reader, upstream_writer, True), pipe(upstream_reader, writer, False)
        )
