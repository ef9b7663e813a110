"""Bad input: a batch mixing good and bad mutations; the good apply, each bad one says why (P20)."""

from __future__ import annotations

import uuid

from server.extensions import db
from server.models import AppliedMutation, Conflict, ServiceOrder, TimelineEvent, utcnow
from tests.conftest import sign_in
from tests.sync.helpers import Device, iso, make_order, update_order


def test_a_mixed_batch_applies_the_good_and_rejects_each_bad_one_with_its_reason(app, users):
    mine = make_order(app, users["eng1"])
    theirs = make_order(app, users["eng2"])
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    update_order(app, mine, priority="urgent")
    event = {"order_id": mine, "kind": "note", "at": iso(utcnow())}
    phone.mutate("timeline_event", str(uuid.uuid4()), event, op="create")  # good
    phone.mutate("order", mine, {"diagnosis": 42})  # type
    phone.mutate("order", mine, {"diagnosis": "x" * 30_000})  # size
    phone.mutate("gadget", str(uuid.uuid4()), {"a": 1}, op="create")  # entity
    phone.mutate("order", theirs, {"diagnosis": "peek"}, base_version=1)  # scope
    phone.mutate("order", mine, {"diagnosis": "future"}, base_version=99)  # stale
    phone.mutate("order", mine, {"no_such_field": 1})  # field
    phone.mutate("timeline_event", str(uuid.uuid4()), {"order_id": mine}, op="create")  # missing
    phone.mutate("order", mine, {"arrived_at": "yesterday"})  # time
    phone.mutate("order", mine, {"diagnosis": "fine"})  # good
    phone.outbox.append({"id": "not-a-uuid", "number": "x"})  # envelope
    resp = phone.push()
    assert resp.status_code == 200
    results = resp.get_json()["results"]
    summary = [(r["outcome"], r["reason"], r["params"].get("field")) for r in results]
    assert summary == [
        ("applied", None, None),
        ("rejected", "invalid_value", "diagnosis"),
        ("rejected", "too_long", "diagnosis"),
        ("rejected", "unknown_entity", "entity"),
        ("rejected", "out_of_scope", "entity_id"),
        ("rejected", "base_version_ahead", "base_version"),
        ("rejected", "unknown_field", "no_such_field"),
        ("rejected", "invalid_value", "kind"),
        ("rejected", "invalid_value", "arrived_at"),
        ("merged", "fields_merged", None),
        ("rejected", "malformed", "id"),
    ]
    assert results[4]["record"] is None  # nothing of another engineer's order is shown
    with app.app_context():
        order = db.session.get(ServiceOrder, mine)
        assert (order.diagnosis, order.priority, order.arrived_at) == ("fine", "urgent", None)
        assert db.session.get(ServiceOrder, theirs).diagnosis == ""
        assert db.session.query(TimelineEvent).count() == 1
        assert db.session.query(Conflict).count() == 0
        # every mutation with a valid id and number was processed (its number used up)
        assert db.session.query(AppliedMutation).count() == 10


def test_oversized_batch_is_refused_with_413(app, users):
    app.config["MAX_PUSH_BATCH"] = 3
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    for _ in range(4):
        phone.mutate("order", str(uuid.uuid4()), {"diagnosis": "x"}, base_version=1)
    resp = phone.push()
    assert resp.status_code == 413
    assert resp.get_json()["error"] == {**resp.get_json()["error"], "code": "too_large", "field": "mutations"}


def test_push_body_that_is_not_a_batch_answers_422(app, users):
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    for body in ([], {"mutations": "nope"}, {"mutations": [], "device_time": "noon"}):
        resp = phone.api.post("/api/sync/push", json=body)
        assert resp.status_code == 422, body
        assert resp.get_json()["error"]["code"] == "invalid"
    resp = phone.api.post("/api/sync/push", data="{{{", content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_json"


def test_non_object_mutations_are_rejected_without_using_a_number(app, users):
    order_id = make_order(app, users["eng1"])
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    phone.outbox.append(7)  # type: ignore[arg-type]
    phone.mutate("order", order_id, {"diagnosis": "ok"})
    results = phone.push().get_json()["results"]
    assert [(r["outcome"], r["reason"]) for r in results] == [("rejected", "malformed"), ("applied", None)]


def test_fact_references_are_checked_within_and_across_a_batch(app, users):
    from tests.sync.helpers import make_catalogue

    make_catalogue(app)
    order_id = make_order(app, users["eng1"])
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    part_id = str(uuid.uuid4())
    phone.mutate("part_used", str(uuid.uuid4()), {"order_id": order_id, "part_code": "NOPE"}, op="create")
    phone.mutate("part_used", part_id, {"order_id": order_id, "part_code": "PUMP-1"}, op="create")
    phone.mutate(
        "photo",
        str(uuid.uuid4()),
        {"order_id": order_id, "part_used_id": part_id, "sha256": "a" * 64, "taken_at": iso(utcnow())},
        op="create",
    )
    phone.mutate(
        "photo",
        str(uuid.uuid4()),
        {"order_id": order_id, "part_used_id": "x" * 36, "sha256": "b" * 64, "taken_at": iso(utcnow())},
        op="create",
    )
    phone.mutate("order", order_id, {"diagnosis": "pump"})
    results = phone.sync_push()
    assert [(r["outcome"], r["reason"], r["params"].get("field")) for r in results] == [
        ("rejected", "not_found", "part_code"),
        ("applied", None, None),
        ("applied", None, None),
        ("rejected", "not_found", "part_used_id"),
        ("applied", None, None),
    ]
    assert results[2]["record"]["part_used_id"] == part_id
    assert results[2]["record"]["pending"] is True
    assert results[1]["record"]["version"] == 1 and results[1]["record"]["change_seq"] > 0
