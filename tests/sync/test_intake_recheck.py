"""A unit corrected on site settles the order's intake flags on the server too, and the phone pulls
the order with them (issue: the flag was cleared on the phone only)."""

from __future__ import annotations

from datetime import date

from server.domain.intake import recheck_unit
from server.extensions import db
from server.models import ServiceOrder, Unit
from tests.conftest import sign_in
from tests.sync.helpers import Device, make_order

MISSING_SERIAL = {"field": "unit.serial", "code": "missing_serial", "severity": "warning"}
VAGUE_ADDRESS = {"field": "address", "code": "vague_address", "severity": "error"}
TODAY = date(2026, 6, 1)


def test_the_unit_s_issues_are_found_again_and_the_others_kept():
    unit = {"brand": "Midea", "model": "MG100", "serial": "", "purchase_date": date(2026, 1, 1)}
    assert recheck_unit([VAGUE_ADDRESS, MISSING_SERIAL], unit, today=TODAY) == [VAGUE_ADDRESS, MISSING_SERIAL]
    assert recheck_unit([VAGUE_ADDRESS, MISSING_SERIAL], {**unit, "serial": "SN9"}, today=TODAY) == [
        VAGUE_ADDRESS
    ]
    wrong = {**unit, "serial": "SN9", "manufacture_date": date(2026, 3, 1)}
    assert recheck_unit([], wrong, today=TODAY) == [
        {"field": "unit.purchase_date", "code": "purchase_before_manufacture", "severity": "error"}
    ]
    # an issue recorded against the unit picked at intake ("unit_id") is the unit's too
    as_picked = {"field": "unit_id", "code": "missing_serial", "severity": "warning"}
    assert recheck_unit([as_picked], {**unit, "serial": "SN9"}, today=TODAY) == []


def test_a_serial_corrected_through_sync_clears_the_flag_and_reaches_the_phone(app, users):
    order_id = make_order(app, users["eng1"], intake_issues=[MISSING_SERIAL])
    done_id = make_order(app, users["eng1"], status="closed", intake_issues=[MISSING_SERIAL])
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        unit_id = order.unit_id
        db.session.get(Unit, unit_id).serial = ""
        # a closed order of the same unit keeps the record of what intake found
        db.session.get(ServiceOrder, done_id).unit_id = unit_id
        db.session.commit()
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    phone.mutate("unit", unit_id, {"serial": "SN-20260601"})
    [result] = phone.sync_push()
    assert result["outcome"] == "applied", result
    changes = phone.pull()
    pulled = [c for c in changes if c["entity"] == "order" and c["id"] == order_id]
    assert pulled and pulled[-1]["record"]["intake_issues"] == []
    with app.app_context():
        assert db.session.get(ServiceOrder, order_id).intake_issues == []
        assert db.session.get(ServiceOrder, done_id).intake_issues == [MISSING_SERIAL]


def test_a_wrong_date_typed_on_site_raises_the_issue_it_makes(app, users):
    order_id = make_order(app, users["eng1"])
    with app.app_context():
        unit_id = db.session.get(ServiceOrder, order_id).unit_id
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    phone.mutate("unit", unit_id, {"manufacture_date": "2025-06-01"})  # after the purchase, 2025-01-01
    [result] = phone.sync_push()
    assert result["outcome"] == "applied", result
    with app.app_context():
        issues = db.session.get(ServiceOrder, order_id).intake_issues
        assert {
            "field": "unit.purchase_date",
            "code": "purchase_before_manufacture",
            "severity": "error",
        } in issues
