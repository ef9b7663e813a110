"""The server killed (SIGKILL) in the middle of a push batch: nothing half-applied, lost, or twice (P14).

Runs on the database the suite runs on (SQLite by default, PostgreSQL with DATABASE_URL). A
test-only pause between mutations (ONSITE_SYNC_TEST_PAUSE) makes "in the middle" deterministic.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from server.extensions import db
from server.models import AppliedMutation, Device, RowVersion, ServiceOrder, TimelineEvent, utcnow
from tests.sync.helpers import iso, make_order
from tests.sync.live import HttpDevice, LiveServer

pytestmark = pytest.mark.slow

BATCH = 12


def _batch(order_id: str) -> list[dict[str, Any]]:
    mutations = []
    for number in range(1, BATCH + 1):
        if number % 2:
            mutation = {
                "entity": "timeline_event",
                "entity_id": str(uuid.uuid4()),
                "op": "create",
                "base_version": None,
                "fields": {"order_id": order_id, "kind": "note", "at": iso(utcnow()), "data": {"n": number}},
            }
        else:
            mutation = {
                "entity": "order",
                "entity_id": order_id,
                "op": "update",
                "base_version": 1,
                "fields": {"job_code": f"J{number}"},
            }
        mutations.append(
            {"id": str(uuid.uuid4()), "number": number, "device_time": iso(utcnow()), **mutation}
        )
    return mutations


def _state(app: Flask, order_id: str) -> tuple[int, int, int, int]:
    with app.app_context():
        logged = db.session.scalar(select(func.count()).select_from(AppliedMutation))
        events = db.session.scalar(select(func.count()).select_from(TimelineEvent))
        device = db.session.get(Device, "crash-phone-0001")
        versions = db.session.scalar(
            select(func.count()).select_from(RowVersion).where(RowVersion.row_id == order_id)
        )
        return logged, events, device.last_mutation_number, versions


@pytest.mark.parametrize("commit_every", [1, 1000], ids=["commit-each", "commit-batch"])
def test_sigkill_mid_batch_then_retry_applies_everything_exactly_once(
    app: Flask, users: dict[str, int], tmp_path: Path, commit_every: int
) -> None:
    order_id = make_order(app, users["eng1"])
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(f"SYNC_PUSH_COMMIT_EVERY = {commit_every}\n")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    pause = {"ONSITE_SYNC_TEST_PAUSE": "0.15"}
    server = LiveServer(uri, instance, env=pause).start()
    try:
        phone = HttpDevice(server.url, "eng1", "crash-phone-0001")
        batch = _batch(order_id)
        errors: list[BaseException] = []

        def send() -> None:
            try:
                phone.push(batch, timeout=30)
            except requests.RequestException as error:
                errors.append(error)

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # wait until the batch is half done
            if commit_every == 1 and _state(app, order_id)[0] >= BATCH // 2:
                break
            if commit_every > 1 and time.monotonic() > deadline - 18.5:
                break
            time.sleep(0.02)
        server.kill()
        sender.join(10)
        assert errors, "the push should have died with the server"
    finally:
        server.kill()

    logged, events, last, versions = _state(app, order_id)
    if commit_every == 1:
        assert 0 < logged < BATCH, "killed mid-batch"
    else:
        assert logged == 0, "one transaction per batch: nothing of it survives the crash"
    assert last == logged
    assert events == (logged + 1) // 2  # each committed create is whole, none half-written
    assert versions == 1 + logged // 2

    server = LiveServer(uri, instance).start()
    try:
        phone = HttpDevice(server.url, "eng1", "crash-phone-0001")
        results = phone.push(batch).json()["results"]
    finally:
        server.stop()
    outcomes = [r["outcome"] for r in results]
    assert outcomes[:logged] == ["duplicate"] * logged
    assert all(o in ("applied", "merged") for o in outcomes[logged:]), outcomes
    logged, events, last, versions = _state(app, order_id)
    assert (logged, events, last) == (BATCH, BATCH // 2, BATCH)
    assert versions == 1 + BATCH // 2
    with app.app_context():
        assert db.session.get(ServiceOrder, order_id).job_code == f"J{BATCH}"
        numbers = db.session.scalars(select(TimelineEvent.data)).all()
        assert sorted(n["n"] for n in numbers) == list(range(1, BATCH + 1, 2))
