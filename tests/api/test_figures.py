"""The dispatcher's quality figures over the records of a period."""

from __future__ import annotations

from datetime import timedelta

from server.extensions import db
from server.models import Rating, TimelineEvent, utcnow
from tests.api.factories import make_follow_up, make_order
from tests.conftest import sign_in


def test_figures_count_arrivals_fixes_ratings_and_open_follow_ups(app, users):
    now = utcnow()
    start = now - timedelta(hours=6)
    on_time = make_order(
        app,
        users["eng1"],
        "completed",
        appointment_start=start,
        arrived_at=start - timedelta(minutes=5),
        completed_at=now,
        reported_at=now - timedelta(hours=20),
        contacted_at=now,
    )
    late = make_order(
        app,
        users["eng2"],
        "completed",
        appointment_start=start,
        arrived_at=start + timedelta(minutes=40),
        completed_at=now,
        reported_at=now - timedelta(hours=20),
        contacted_at=now,
        reopen_count=1,
    )
    with app.app_context():
        db.session.add_all(
            [
                Rating(order_id=on_time, repair_quality=5, service_attitude=4, rated_at=now),
                Rating(order_id=late, repair_quality=3, service_attitude=2, rated_at=now),
                Rating(order_id=late, declined=True, rated_at=now),
                TimelineEvent(order_id=late, kind="arrived", at=start),
                TimelineEvent(order_id=late, kind="arrived", at=start + timedelta(days=1)),
            ]
        )
        db.session.commit()
    make_follow_up(app, on_time, now - timedelta(hours=80), now - timedelta(hours=8))
    resp = sign_in(app, "dispatcher").get("/api/figures")
    assert resp.status_code == 200, resp.get_json()
    figures = resp.get_json()
    assert figures["on_time_arrival"] == {"numerator": 1, "denominator": 2, "value": 0.5}
    assert figures["first_visit_fix"]["numerator"] == 1
    assert figures["first_visit_fix"]["denominator"] == 2
    assert figures["repair_quality"]["mean"] == 4.0
    assert figures["service_attitude"]["mean"] == 3.0
    assert figures["repair_quality"]["declined"] == 1
    assert figures["service_attitude"]["meets_target"] is False
    assert figures["follow_ups"] == {"open": 1, "overdue": 1}
    assert figures["breaches"].get("contact") == 2


def test_figures_period_is_checked(app, users):
    api = sign_in(app, "dispatcher")
    resp = api.get("/api/figures?from=2026-05-01&to=2026-04-01")
    assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "from"
    assert api.get("/api/figures?from=2020-01-01&to=2026-01-01").status_code == 422
