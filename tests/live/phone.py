"""A phone's live channel as the app holds it, in Python: a stream that reconnects with backoff and
records when each "pull now" arrived, for tests and the benchmark."""

from __future__ import annotations

import queue
import threading
import time

import requests

from tests.sync.live import HttpDevice


class LivePhone:
    """HttpDevice plus its stream; `woken` receives the monotonic time of every `scope` event."""

    def __init__(self, base: str, username: str, device_id: str) -> None:
        self.device = HttpDevice(base, username, device_id)
        self.device_id = device_id
        self.base = base
        self.woken: queue.Queue[float] = queue.Queue()
        self.connects = 0
        self._stop = threading.Event()
        self._response: requests.Response | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> LivePhone:
        self._thread.start()
        return self

    def _run(self) -> None:
        delay = 0.1
        while not self._stop.is_set():
            try:
                with self.device.http.get(
                    f"{self.base}/api/live/stream?device_id={self.device_id}", stream=True, timeout=(3, 30)
                ) as resp:
                    if resp.status_code != 200:
                        raise requests.ConnectionError(f"status {resp.status_code}")
                    self._response = resp
                    self.connects += 1
                    delay = 0.1
                    for line in resp.iter_lines(chunk_size=1):
                        if line == b"event: scope":
                            self.woken.put(time.monotonic())
                        if self._stop.is_set():
                            return
            except (requests.RequestException, OSError, AttributeError):
                pass
            self._stop.wait(delay)
            delay = min(delay * 2, 2.0)

    def drain(self) -> int:
        n = 0
        while not self.woken.empty():
            self.woken.get_nowait()
            n += 1
        return n

    def pull_all(self, since: int) -> tuple[list[dict], int]:
        changes: list[dict] = []
        while True:
            page = self.device.pull(since).json()
            changes.extend(page["changes"])
            since = page["cursor"]
            if not page["has_more"]:
                return changes, since

    def stop(self) -> None:
        self._stop.set()
        if self._response is not None:
            try:
                self._response.close()
            except Exception:  # noqa: BLE001 - closing a stream that is already gone
                pass
