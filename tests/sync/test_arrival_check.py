"""The server reads the phone's arrival position again against the order's coordinates as it
holds them: both readings are kept, and a disagreement about "far from the address" reaches a person."""

from __future__ import annotations

import uuid

from server.extensions import db
from server.models import ServiceOrder, TimelineEvent, utcnow
from tests.conftest import sign_in
from tests.sync.helpers import Device, iso, make_order

ADDRESS = {"lat": 36.0671, "lng": 120.3826}  # Qingdao, 市南区
AT_THE_DOOR = {"lat": 36.0672, "lng": 120.3827, "accuracy_m": 12, "at": "2026-06-01T09:00:00Z"}


def arrive(app, order_id: str, phone_says: dict) -> dict:
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    event_id = str(uuid.uuid4())
    data = {"position": AT_THE_DOOR, "position_error": None, "radius_m": 200, **phone_says}
    phone.mutate(
        "timeline_event",
        event_id,
        {"order_id": order_id, "kind": "arrived", "at": iso(utcnow()), "data": data},
        op="create",
    )
    [result] = phone.sync_push()
    assert result["outcome"] == "applied", result
    with app.app_context():
        return db.session.get(TimelineEvent, event_id).data


def test_at_the_door_both_agree_and_nothing_is_flagged(app, users):
    order_id = make_order(app, users["eng1"], status="departed", service_location=ADDRESS)
    data = arrive(app, order_id, {"distance_m": 14, "far_from_address": False})
    assert data["distance_m"] == 14  # the phone's own reading, as it sent it
    assert data["server_check"]["far_from_address"] is False and data["server_check"]["distance_m"] < 30
    with app.app_context():
        assert not db.session.get(ServiceOrder, order_id).flagged


def test_the_address_moved_since_the_phone_synced_flags_the_order(app, users):
    """The dispatcher corrected the pin 2 km away while the phone was offline: the phone said
    "at the address", the server says far; both are kept and the order is flagged."""
    order_id = make_order(
        app, users["eng1"], status="departed", service_location={"lat": 36.0851, "lng": 120.3826}
    )
    data = arrive(app, order_id, {"distance_m": 14, "far_from_address": False})
    assert data["far_from_address"] is False
    assert data["server_check"]["far_from_address"] is True and data["server_check"]["distance_m"] > 1900
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        assert order.flagged and order.flag_reason == "arrival_position_disagrees"


def test_no_coordinates_for_the_address_says_so_and_flags_nothing(app, users):
    order_id = make_order(app, users["eng1"], status="departed")
    data = arrive(app, order_id, {"distance_m": None})
    assert data["server_check"] == {"distance_m": None, "radius_m": 200, "far_from_address": None}
    with app.app_context():
        assert not db.session.get(ServiceOrder, order_id).flagged
