"""Conflicts: listed for the people who may see them, resolved by the people who may (P30)."""

from __future__ import annotations

from server.extensions import db
from server.models import Conflict, ServiceOrder
from tests.conftest import sign_in
from tests.sync.helpers import Device, make_order, update_order


def conflict_on(app, users, field="diagnosis", server="phoned", device="seen"):
    order_id = make_order(app, users["eng1"])
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    update_order(app, order_id, **{field: server})
    phone.mutate("order", order_id, {field: device})
    result = phone.sync_push()[0]
    assert result["outcome"] == "conflict"
    return order_id, result["conflict_ids"][0], phone


def test_dispatcher_lists_and_resolves_choosing_the_servers_value(app, users):
    order_id, conflict_id, phone = conflict_on(app, users)
    desk = sign_in(app, "dispatcher")
    listed = desk.get("/api/conflicts?open=1").get_json()["conflicts"]
    assert [c["id"] for c in listed] == [conflict_id]
    assert (listed[0]["server_value"], listed[0]["device_value"]) == ("phoned", "seen")
    resp = desk.post(f"/api/conflicts/{conflict_id}/resolve", json={"choice": "server"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["record"]["diagnosis"] == "phoned"
    assert body["conflict"]["resolution"] == "server"
    assert body["conflict"]["resolved_by_id"] == users["dispatcher"]
    assert body["conflict"]["resolution_version"] == body["record"]["version"]
    assert desk.get("/api/conflicts?open=1").get_json()["conflicts"] == []
    again = desk.post(f"/api/conflicts/{conflict_id}/resolve", json={"choice": "device"})
    assert again.status_code == 409
    # the choice reaches the engineer's phone as an ordinary change
    phone.pull()
    assert phone.orders()[order_id]["diagnosis"] == "phoned"
    assert phone.rows[("conflict", conflict_id)]["resolution"] == "server"


def test_engineer_resolves_an_onsite_field_of_their_own_order_with_a_new_value(app, users):
    order_id, conflict_id, phone = conflict_on(app, users)
    resp = phone.api.post(
        f"/api/conflicts/{conflict_id}/resolve", json={"choice": "value", "value": "both: phoned and seen"}
    )
    assert resp.status_code == 200, resp.get_json()
    with app.app_context():
        assert db.session.get(ServiceOrder, order_id).diagnosis == "both: phoned and seen"
        assert db.session.get(Conflict, conflict_id).resolved_by_id == users["eng1"]


def test_engineer_may_not_resolve_a_dispatcher_owned_field_or_anothers_conflict(app, users):
    order_id = make_order(app, users["eng1"])
    desk_phone = Device(sign_in(app, "dispatcher", device_id="desk-0000001"))
    desk_phone.pull()
    update_order(app, order_id, priority="urgent")
    desk_phone.mutate("order", order_id, {"priority": "low"})
    conflict_id = desk_phone.sync_push()[0]["conflict_ids"][0]
    eng = sign_in(app, "eng1")
    resp = eng.post(f"/api/conflicts/{conflict_id}/resolve", json={"choice": "device"})
    assert resp.status_code == 403
    other = sign_in(app, "eng2")
    assert other.get("/api/conflicts").get_json()["conflicts"] == []
    resp = other.post(f"/api/conflicts/{conflict_id}/resolve", json={"choice": "device"})
    assert resp.status_code == 404


def test_resolve_with_a_value_that_does_not_fit_answers_422(app, users):
    _, conflict_id, phone = conflict_on(app, users)
    resp = phone.api.post(f"/api/conflicts/{conflict_id}/resolve", json={"choice": "value", "value": 12})
    assert resp.status_code == 422
    resp = phone.api.post(f"/api/conflicts/{conflict_id}/resolve", json={"choice": "coin"})
    assert resp.status_code == 422


def test_reassigned_work_conflict_applied_by_the_dispatcher(app, users):
    order_id = make_order(app, users["eng1"])
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    update_order(app, order_id, assignee_id=users["eng2"])
    phone.mutate("order", order_id, {"diagnosis": "offline work"})
    conflict_id = phone.sync_push()[0]["conflict_ids"][0]
    assert phone.api.post(f"/api/conflicts/{conflict_id}/resolve", json={"choice": "device"}).status_code in (
        403,
        404,
    )
    desk = sign_in(app, "dispatcher")
    resp = desk.post(f"/api/conflicts/{conflict_id}/resolve", json={"choice": "device"})
    assert resp.status_code == 200
    assert resp.get_json()["record"]["diagnosis"] == "offline work"
