"""Readable conflicts in Chromium: one card per order and cause, fields and values in words, local times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.extensions import db
from server.models import Conflict, ServiceOrder
from tests.e2e import test_console as console_tests

world = console_tests.world
console = console_tests.console


def test_offline_work_on_a_reassigned_order_is_one_card_in_plain_words(console, world, live_app):
    page = console
    order_id = world["day_orders"][2][0]
    at = datetime(2026, 3, 9, 2, 5, tzinfo=UTC)  # 10:05 in the service centre's zone (Asia/Shanghai)
    with live_app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        number = order.number
        engineer = world["engineers"]["zhang"]
        work = [
            ("order", {"status": "on_site", "arrived_at": at.isoformat()}),
            ("timeline_event", {"kind": "arrived", "at": at.isoformat()}),
            ("part_used", {"part_code": "AC-PCB-01", "qty": 1}),
            ("photo", {"caption": "主板", "taken_at": at.isoformat()}),
            ("rating", {"repair_quality": 5, "service_attitude": 4}),
        ]
        ids = []
        for n, (entity, values) in enumerate(work):
            row = Conflict(
                kind="reassigned",
                entity=entity,
                entity_id=f"{entity}-{n}",
                order_id=order_id,
                field="*",
                server_value=None,
                device_value=values,
                device_id="phone-zhang-01",
                device_user_id=engineer,
                device_changed_at=at + timedelta(minutes=n),
                provisional_winner="server",
                reason="reassigned_work_kept",
            )
            db.session.add(row)
            db.session.flush()
            ids.append(row.id)
        db.session.commit()
    page.click("a[data-nav=conflicts]")
    page.wait_for_selector(f".conflict-group[data-order-id='{order_id}'][data-kind=reassigned]")
    cards = page.locator(f".conflict-group[data-order-id='{order_id}']")
    assert cards.count() == 1
    card = cards.first
    text = card.inner_text()
    assert number in text and "张伟 worked on this order offline" in text
    assert card.locator(".conflict").count() == 5
    for words in ("Part fitted", "Rating", "Arrived", "On site", "Repair quality", "Mar 9, 10:05"):
        assert words in text, words
    for internal in ("timeline_event", "part_used", "{", "T02:05", "arrived_at"):
        assert internal not in text, internal
    # The server has nothing of the phone's work yet: it is kept aside, not lost.
    assert "Not applied yet: kept for you to decide" in text and "Not on the server" not in text
    screenshot_path = console_tests.screenshot(page, "console-conflict-card")
    assert screenshot_path.exists()
    page.click("[data-lang=zh-CN]")
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    page.wait_for_function(
        "() => document.querySelector('.conflict-group').innerText.includes('尚未采用：已保留，等您决定')"
    )
    card.locator("button[data-choice=server]").click()
    page.wait_for_selector(f".conflict-group[data-order-id='{order_id}']", state="detached")
    with live_app.app_context():
        assert all(db.session.get(Conflict, i).resolution == "server" for i in ids)
