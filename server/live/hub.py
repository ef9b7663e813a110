"""The phones with a live channel open in this process, and waking them.

A stream registers a `Listener` for its user; `wake` sets the listeners of the users named (or of
everyone). Waking only says "your scope changed, pull": what changed is the pull's business.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

ALL = "*"


class Listener:
    """One open stream of one user: an event its thread waits on."""

    __slots__ = ("user_id", "device_id", "_event")

    def __init__(self, user_id: int, device_id: str | None) -> None:
        self.user_id = user_id
        self.device_id = device_id
        self._event = threading.Event()

    def wait(self, timeout: float) -> bool:
        """True when woken (and ready to be woken again), False when the timeout passed."""
        if self._event.wait(timeout):
            self._event.clear()
            return True
        return False

    def wake(self) -> None:
        self._event.set()


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_user: dict[int, set[Listener]] = {}

    def register(self, user_id: int, device_id: str | None = None) -> Listener:
        listener = Listener(user_id, device_id)
        with self._lock:
            self._by_user.setdefault(user_id, set()).add(listener)
        return listener

    def unregister(self, listener: Listener) -> None:
        with self._lock:
            held = self._by_user.get(listener.user_id)
            if held is not None:
                held.discard(listener)
                if not held:
                    del self._by_user[listener.user_id]

    def wake(self, users: Iterable[int | str]) -> int:
        """Wake the streams of these users (ALL: every stream); the number woken."""
        wanted = set(users)
        with self._lock:
            if ALL in wanted:
                targets = [lst for held in self._by_user.values() for lst in held]
            else:
                targets = [
                    lst for uid in wanted if isinstance(uid, int) for lst in self._by_user.get(uid, ())
                ]
        for listener in targets:
            listener.wake()
        return len(targets)

    def count(self) -> int:
        with self._lock:
            return sum(len(held) for held in self._by_user.values())


HUB = Hub()  # one per process: every worker thread's streams register here
