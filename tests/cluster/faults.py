"""Phones through nginx over a cluster while faults strike, and the count that follows from the database.

`tests/cluster/test_faults.py` runs the short form in `make test`; `make test-cluster-faults`
the long one (CLUSTER_FAULT_ROUNDS, CLUSTER_FAULT_PHONES).
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import requests
from sqlalchemy import func, select

from bench.rush import GIVE_UP_SECONDS, Phone, iso, seed
from server import create_app
from server.cluster import Cluster
from server.extensions import db
from server.models import AppliedMutation, Blob, Photo, TimelineEvent
from server.sync.blobs import open_store

CHUNK = 64 * 1024


class FieldPhone(Phone):
    """A rush phone that also takes photos and uploads them in resumable chunks."""

    photos: dict[str, bytes]

    def photo_batch(self, rng: random.Random) -> tuple[list[dict[str, Any]], bytes]:
        data = rng.randbytes(rng.randint(2, 5) * CHUNK + rng.randint(1, CHUNK))
        self.number += 1
        mutation = {
            "id": str(uuid.uuid4()),
            "number": self.number,
            "entity": "photo",
            "entity_id": str(uuid.uuid4()),
            "op": "create",
            "base_version": None,
            "device_time": iso(datetime.now(UTC)),
            "fields": {
                "order_id": self.order_id,
                "sha256": hashlib.sha256(data).hexdigest(),
                "taken_at": iso(datetime.now(UTC)),
                "size": len(data),
            },
        }
        return [mutation], data

    def upload(self, base: str, data: bytes) -> None:
        """Chunks from where the server says it has them, until it says complete (P27)."""
        sha = hashlib.sha256(data).hexdigest()
        give_up = time.monotonic() + GIVE_UP_SECONDS
        while True:
            if time.monotonic() > give_up:
                raise RuntimeError(f"photo {sha[:12]} not stored in {GIVE_UP_SECONDS} s")
            try:
                status = self.http.get(f"{base}/api/blobs/{sha}/status", timeout=30)
                if status.status_code != 200:
                    raise requests.RequestException(status.text[:200])
                state = status.json()
                if state["complete"]:
                    return
                start = state["received"]
                chunk = data[start : start + CHUNK]
                end = start + len(chunk) - 1
                self.http.put(
                    f"{base}/api/blobs/{sha}",
                    data=chunk,
                    headers={
                        "Content-Range": f"bytes {start}-{end}/{len(data)}",
                        "Content-Type": "application/octet-stream",
                    },
                    timeout=30,
                )
            except requests.RequestException:
                time.sleep(0.3)


def run_phones(
    cluster: Cluster, phones: list[FieldPhone], rounds: int, faults: list[tuple[str, Any]]
) -> list[BaseException]:
    """Each phone syncs `rounds` times (a batch and, every other round, a photo); meanwhile the
    faults run one after another, each once the phones are well under way."""
    errors: list[BaseException] = []
    progress = [0]
    lock = threading.Lock()

    def phone_work(index: int, phone: FieldPhone) -> None:
        rng = random.Random(index)
        try:
            for round_no in range(rounds):
                batch = phone.batch(rng)
                data = None
                if round_no % 2 == 0:
                    extra, data = phone.photo_batch(rng)
                    batch += extra
                phone.sync(cluster.url, batch, [])
                if data is not None:
                    phone.upload(cluster.url, data)
                    phone.photos[hashlib.sha256(data).hexdigest()] = data
                with lock:
                    progress[0] += 1
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)

    def fault_work() -> None:
        total = rounds * len(phones)
        for n, (_, strike) in enumerate(faults):
            while progress[0] < total * (n + 1) / (len(faults) + 1) and any(t.is_alive() for t in threads):
                time.sleep(0.05)
            strike()

    threads = [threading.Thread(target=phone_work, args=(i, p)) for i, p in enumerate(phones)]
    striker = threading.Thread(target=fault_work)
    for thread in threads:
        thread.start()
    striker.start()
    for thread in threads:
        thread.join(600)
    striker.join(120)
    return errors


def make_phones(cluster: Cluster, count: int) -> tuple[Any, list[FieldPhone]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": cluster.postgres.url(), "SECRET_KEY": "faults"})
    phones = []
    for name, order_id in seed(app, count):
        phone = FieldPhone(name, order_id, f"{name}-phone")
        phone.photos = {}
        phone.sign_in(cluster.url)
        phones.append(phone)
    with app.app_context():
        # no pooled connection of this process lives through the faults: the count opens fresh ones
        db.session.remove()
        db.engine.dispose()
    return app, phones


def kill_node(cluster: Cluster, index: int) -> Any:
    def strike() -> None:
        cluster.nodes[index].kill()  # SIGKILL, mid-push: the phones' requests move to the other node
        time.sleep(1.5)
        cluster.nodes[index].start()

    return strike


def count(app: Any, cluster: Cluster, phones: list[FieldPhone]) -> dict[str, int]:
    """From the database and the store: what each phone made, applied once, and every photo whole."""
    out = {"lost": 0, "doubled": 0, "photos_missing": 0, "photos_broken": 0, "mutations": 0, "photos": 0}
    with app.app_context():
        logged = dict(
            db.session.execute(
                select(AppliedMutation.device_id, func.count()).group_by(AppliedMutation.device_id)
            ).all()
        )
        events = dict(
            db.session.execute(
                select(TimelineEvent.order_id, func.count()).group_by(TimelineEvent.order_id)
            ).all()
        )
        photo_rows = dict(
            db.session.execute(select(Photo.order_id, func.count()).group_by(Photo.order_id)).all()
        )
        blobs = set(db.session.scalars(select(Blob.sha256)))
        store = open_store(cluster.env())
        for phone in phones:
            sent = len(phone.sent)
            out["mutations"] += sent
            got = logged.get(phone.device_id, 0)
            out["lost"] += max(0, sent - got) + max(0, phone.events - events.get(phone.order_id, 0))
            out["doubled"] += max(0, got - sent) + max(0, events.get(phone.order_id, 0) - phone.events)
            have = photo_rows.get(phone.order_id, 0)
            out["lost"] += max(0, len(phone.photos) - have)
            out["doubled"] += max(0, have - len(phone.photos))
            for sha, data in phone.photos.items():
                out["photos"] += 1
                if sha not in blobs or not store.has(sha):
                    out["photos_missing"] += 1
                elif b"".join(store.read(sha)) != data:
                    out["photos_broken"] += 1
        # the connection goes back first: one still out when the pool goes is never closed
        db.session.remove()
        db.engine.dispose()
    return out


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))
