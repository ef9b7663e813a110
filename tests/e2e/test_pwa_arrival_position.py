"""Arrival evidence: at "I have arrived" the phone records its position once, with accuracy, and
the distance to the address's coordinates, flagged beyond the policy's radius; with no position
the visit says why. Offline, as at a customer's door."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.extensions import db
from server.models import TimelineEvent
from tests.e2e.conftest import PHONE
from tests.e2e.pwa_flow import open_order, primary, sign_in, wait_offline_ready, wait_synced
from tests.e2e.pwa_seed import seed_visit

HOME = {"lat": 31.2304, "lng": 121.4737}


def arrive(browser: Any, live_server: Any, live_app: Any, **context: Any) -> tuple[Any, dict[str, Any], str]:
    now = datetime.now(UTC)
    seeded = seed_visit(
        live_app,
        status="departed",
        appointment_in=timedelta(minutes=5),
        departed_at=now - timedelta(minutes=20),
        appointment_confirmed=True,
        service_location=HOME,
    )
    phone = browser.new_context(base_url=live_server.url, locale="en-US", **PHONE, **context)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    phone.set_offline(True)
    open_order(page, seeded.order_number)
    primary(page, "on_site")
    text = page.inner_text("[data-testid=arrival-position]")
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    phone.close()
    with live_app.app_context():
        event = db.session.query(TimelineEvent).filter_by(order_id=seeded.order_id, kind="arrived").one()
        return seeded, dict(event.data), text


def test_arrival_at_the_door_records_position_accuracy_and_distance(
    browser: Any, live_server: Any, live_app: Any
) -> None:
    # About 55 m north of the address's coordinates.
    _, data, text = arrive(
        browser,
        live_server,
        live_app,
        permissions=["geolocation"],
        geolocation={"latitude": 31.2309, "longitude": 121.4737, "accuracy": 12},
    )
    assert data["position"]["accuracy_m"] == 12
    assert 50 <= data["distance_m"] <= 60
    assert data["far_from_address"] is False and data["radius_m"] == 200
    # the server read the same position against the same address and agrees to the metre
    assert data["server_check"] == {
        "distance_m": data["distance_m"],
        "radius_m": 200,
        "far_from_address": False,
    }
    assert text == f"Arrival recorded {data['distance_m']} m from the address (accuracy ±12 m)."


def test_arrival_far_from_the_address_is_flagged(browser: Any, live_server: Any, live_app: Any) -> None:
    _, data, text = arrive(
        browser,
        live_server,
        live_app,
        permissions=["geolocation"],
        geolocation={"latitude": 31.2504, "longitude": 121.4737, "accuracy": 30},
    )
    assert data["far_from_address"] is True and data["distance_m"] > 2000
    assert "beyond 200 m" in text


def test_arrival_with_location_refused_says_why(browser: Any, live_server: Any, live_app: Any) -> None:
    _, data, text = arrive(browser, live_server, live_app)
    assert data["position"] is None and data["position_error"] == "denied"
    assert text == "No position recorded: location access is off for this app."
