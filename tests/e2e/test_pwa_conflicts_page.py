"""The phone's conflicts page at 390x844: values in plain words, nothing wider than the screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.extensions import db
from server.models import Conflict, User
from tests.e2e.conftest import screenshot
from tests.e2e.pwa_flow import sign_in, wait_synced
from tests.e2e.pwa_seed import seed_visit

WIDTH = 390


def test_the_conflicts_page_fits_a_390_px_phone_and_shows_records_as_fields(
    phone: Any, live_app: Any
) -> None:
    seeded = seed_visit(live_app, status="scheduled", appointment_in=timedelta(hours=2))
    now = datetime.now(UTC)
    with live_app.app_context():
        eng = db.session.scalar(db.select(User).where(User.username == "eng"))
        note = "客户说洗衣机脱水时异响门锁报E2已更换门锁开关并试机三次正常" * 3
        db.session.add_all(
            [
                Conflict(
                    kind="field",
                    entity="order",
                    entity_id=seeded.order_id,
                    order_id=seeded.order_id,
                    field="diagnosis",
                    base_value="",
                    server_value="压缩机启动电容失效" * 6,
                    device_value=note,
                    server_changed_at=now - timedelta(minutes=50),
                    device_id="phone-x",
                    device_user_id=eng.id,
                    device_changed_at=now - timedelta(minutes=35),
                    provisional_winner="device",
                    reason="device_owned_field",
                ),
                Conflict(
                    kind="field",
                    entity="timeline_event",
                    entity_id="ev-1",
                    order_id=seeded.order_id,
                    field="data",
                    base_value=None,
                    server_value={"reason": note, "engineer_id": eng.id, "previous_status": "scheduled"},
                    device_value={"reason": "https://example.com/" + "a" * 120, "at": now.isoformat()},
                    server_changed_at=now - timedelta(minutes=40),
                    device_id="phone-x",
                    device_user_id=eng.id,
                    device_changed_at=now - timedelta(minutes=30),
                    provisional_winner="server",
                    reason="dispatcher_owned_field",
                ),
            ]
            + [
                # Offline work on an order given to someone else meanwhile: three records, one cause.
                Conflict(
                    kind="reassigned",
                    entity=entity,
                    entity_id=f"{entity}-1",
                    order_id=seeded.order_id,
                    field="",
                    server_value=None,
                    device_value=value,
                    device_id="phone-x",
                    device_user_id=eng.id,
                    device_changed_at=now - timedelta(minutes=20),
                    provisional_winner="device",
                    reason="reassigned_work_kept",
                )
                for entity, value in (
                    ("timeline_event", {"kind": "note", "data": {"text": note}}),
                    ("photo", {"caption": "门锁开关", "sha256": "f" * 64}),
                    ("part_used", {"part_code": "DL-2041", "qty": 1}),
                )
            ]
        )
        db.session.commit()
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    page.goto("/#/conflicts")
    page.wait_for_selector(".conflict[data-field='data']")

    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
    wider = page.evaluate(
        """w => [...document.querySelectorAll('.conflicts *')]
            .filter(el => el.getBoundingClientRect().right > w + 0.5)
            .map(el => el.className || el.tagName)""",
        WIDTH,
    )
    assert wider == []
    card = page.locator(".conflict[data-field='data']")
    assert "{" not in card.inner_text()  # a record shows as its fields, not as raw JSON
    assert "scheduled" not in card.inner_text().split()  # statuses in words
    title = card.locator("h2, h3").first.inner_text()
    assert title.startswith("Note on order")  # the console's words, not "data"
    # The reassigned order's offline work is one card of three items, as on the console.
    [group] = page.locator(".conflict-group[data-kind=reassigned]").all()
    assert group.locator(".conflict").count() == 3
    assert "Work arrived after reassignment" in group.inner_text() and "Part fitted" in group.inner_text()
    assert "{" not in group.inner_text()
    # The dispatcher's side of work the server has not taken says so, not an empty "—".
    assert group.locator("[data-testid=not-on-server]").count() == 3
    assert "—" not in group.locator("[data-side=server]").all_inner_texts()[0]
    screenshot(page, "pwa-conflicts-390")
