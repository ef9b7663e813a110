"""A real SMPP 3.4 server (the PyPI package smpp34's SMSC) on a loopback port, for tests and benches.

It runs in its own thread with its own asyncio loop, accepts every bind, and keeps each submit_sm
it received, decoded. `reject_next(n, status)` answers the next n submits with an error status.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass

import smpp34


@dataclass
class Received:
    destination: str
    source: str
    text: str
    data_coding: int
    at: float
    parts: int = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def decode(body: bytes, coding: int) -> str:
    return body.decode("utf-16-be") if coding == 8 else body.decode("latin-1")


class Smsc:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self.binds = 0
        self._reject: list[int] = []
        self._parts: dict[tuple[str, int], dict[int, bytes]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: smpp34.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="smsc", daemon=True)

    def start(self) -> Smsc:
        self._thread.start()
        assert self._ready.wait(10), "the SMPP server did not start"
        return self

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._server = smpp34.Server("127.0.0.1", self.port, system_id="TESTSMSC")
        await self._server.start()
        self._ready.set()
        while True:
            try:
                event = await self._server.next()
            except Exception:  # noqa: BLE001 - the server was stopped
                return
            if isinstance(event, smpp34.Esme):
                self.binds += 1
            elif isinstance(event, smpp34.SubmitSmEvent):
                with self._lock:
                    status = self._reject.pop(0) if self._reject else 0
                    if not status:
                        self._take(event)
                    count = len(self.received)
                if status:
                    event.reject(status)
                else:
                    event.accept(message_id=f"m{count}")

    def _take(self, event: smpp34.SubmitSmEvent) -> None:
        """Keep a message; the parts of a concatenated one (UDH, esm_class 0x40) once all arrived."""
        body, parts = event.short_message, 1
        if event.esm_class & 0x40 and len(body) > 6 and body[1] == 0x00:
            ref, total, seq = body[3], body[4], body[5]
            held = self._parts.setdefault((event.destination_addr, ref), {})
            held[seq] = body[6:]
            if len(held) < total:
                return
            body, parts = b"".join(held[i] for i in sorted(held)), total
            del self._parts[(event.destination_addr, ref)]
        self.received.append(
            Received(
                event.destination_addr,
                event.source_addr,
                decode(body, event.data_coding),
                event.data_coding,
                time.monotonic(),
                parts,
            )
        )

    def reject_next(self, n: int, status: int = 0x14) -> None:
        with self._lock:
            self._reject.extend([status] * n)

    def stop(self) -> None:
        if self._loop is not None and self._server is not None:
            server = self._server

            async def _stop() -> None:
                await server.stop()

            asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(10)
