"""SMS throughput: texts per second from the SMS outbox over SMPP 3.4 (smpplib) to a local SMSC
(smpp34's server), beside that SMSC's own ceiling measured in the same run: smpp34's Rust client
with a window of 50 submits in flight against the same server.

The sender sends one submit at a time and waits for its answer (an SMS gateway throttles each
bind anyway; several senders take rows side by side with SKIP LOCKED). Last line:
`sms_throughput: <n>/s from the outbox, <n>/s raw smpplib, SMSC ceiling <n>/s, ratio <r>`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import smpp34  # noqa: E402

from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Notification, Role, SmsDelivery, User  # noqa: E402
from server.push.sms import SmppGateway, SmsSender  # noqa: E402
from tests.smsc import Smsc  # noqa: E402

TEXTS = 2000
TEXT = "【Onsite】新工单 SO-2026-000042（市南区），请打开查看"  # one part (UCS-2, under 70 characters)


def ceiling(port: int, n: int) -> float:
    """smpp34's own client, `window` submits in flight: what the SMSC takes at most here."""

    async def run() -> float:
        client = smpp34.Client("127.0.0.1", port, "ceiling", "pw", bind_type="TX", window_size=50)
        smsc = await client.connect()
        body = TEXT.encode("utf-16-be")
        start = time.perf_counter()
        sem = asyncio.Semaphore(50)

        async def one() -> None:
            async with sem:
                resp = await smsc.submit_sm(
                    destination_addr="8613900000000", short_message=body, data_coding=8
                )
                assert resp.is_success

        await asyncio.gather(*(one() for _ in range(n)))
        seconds = time.perf_counter() - start
        await smsc.unbind()
        await client.stop()
        return n / seconds

    return asyncio.run(run())


def main() -> None:
    smsc = Smsc().start()
    tmp = Path(tempfile.mkdtemp(prefix="sms-bench-"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
            "SMS_SMPP_HOST": "127.0.0.1",
            "SMS_SMPP_PORT": smsc.port,
            "PUSH_BATCH_SIZE": 200,
        }
    )
    try:
        with app.app_context():
            db.create_all()
            user = User(username="eng", display_name="E", role=Role.ENGINEER, phone="8613900000000")
            db.session.add(user)
            db.session.flush()
            note = Notification(user_id=user.id, kind="assigned", payload={})
            db.session.add(note)
            db.session.flush()
            db.session.add_all(
                SmsDelivery(notification_id=note.id, user_id=user.id, number=f"86139{n:08d}", text=TEXT)
                for n in range(TEXTS)
            )
            db.session.commit()
        sender = SmsSender(app)
        start = time.perf_counter()
        sent = sender.drain(limit=10_000)
        outbox_rate = TEXTS / (time.perf_counter() - start)
        sender.close()
        assert sent == TEXTS and len(smsc.received) == TEXTS, (sent, len(smsc.received))

        gateway = SmppGateway("127.0.0.1", smsc.port, "raw", "pw")
        start = time.perf_counter()
        for n in range(TEXTS):
            assert gateway.send(f"86138{n:08d}", TEXT).ok
        raw_rate = TEXTS / (time.perf_counter() - start)
        gateway.close()

        top = ceiling(smsc.port, TEXTS)
    finally:
        smsc.stop()
    print(
        f"sms_throughput: {outbox_rate:.0f} texts/s from the outbox (lease, send, record), "
        f"{raw_rate:.0f}/s raw smpplib one at a time, SMSC ceiling {top:.0f}/s (smpp34 client, window 50); "
        f"ratio {outbox_rate / top:.3f} (outbox/ceiling), {raw_rate / top:.3f} (raw/ceiling)"
    )


if __name__ == "__main__":
    main()
