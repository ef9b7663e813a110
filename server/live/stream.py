"""The live channel's Server-Sent Events: "pull now" when the phone's scope changed, and a heartbeat.

The stream carries no data a pull would not carry: an event named `scope` with an empty body. The
first event is sent at once, so a phone that (re)connects pulls what it missed while it was away.
The stream holds no database connection while it waits; it is closed after `max_seconds` so the
phone reconnects and its sign-in is checked again. Ending a session or revoking a phone wakes the
user's streams; each woken stream asks `still_open` and, when its session or phone is gone, sends
`closed` and ends at once, so a revoked phone keeps no channel open.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from server.live.hub import HUB

RETRY_MS = 2000  # EventSource's own reconnect delay, for a dropped stream the page did not close


def events(
    user_id: int,
    device_id: str | None,
    *,
    heartbeat: float,
    max_seconds: float,
    on_woken: Callable[[int], None] | None = None,
    on_closed: Callable[[], None] | None = None,
    still_open: Callable[[], bool] | None = None,
) -> Iterator[str]:
    listener = HUB.register(user_id, device_id)
    try:
        yield f"retry: {RETRY_MS}\nevent: scope\ndata: {{}}\n\n"
        deadline = time.monotonic() + max_seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if listener.wait(min(heartbeat, left)):
                if still_open is not None and not still_open():
                    yield 'event: closed\ndata: {"reason": "ended"}\n\n'
                    return
                yield "event: scope\ndata: {}\n\n"
                if on_woken is not None:
                    on_woken(user_id)  # after the event went out: bookkeeping never delays a wake
            else:
                yield ": heartbeat\n\n"
    finally:
        HUB.unregister(listener)
        if on_closed is not None:
            on_closed()
