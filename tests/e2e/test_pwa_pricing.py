"""One price everywhere, on the demo data: every product category priced, consented, signed and
receipted offline; after the sync the server's own derivation equals each receipt. A late visit
to a washing machine repaired and paid 14 months ago shows both waivers before the customer signs;
an operator's policy change reaches the phone's arithmetic after its next sync."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from server.demo import seed
from server.demo_catalogue import CATALOGUE
from server.extensions import db
from server.models import Customer, Payment, Receipt, ServiceOrder, TimelineEvent, Unit, User, utcnow
from tests.conftest import sign_in as api_sign_in
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.pwa_flow import (
    answer_invoice_and_payment,
    draw_signature,
    open_order,
    primary,
    wait_js,
    wait_offline_ready,
    wait_synced,
)

PASSWORD = "demo1234"


def visit_for_liu(
    number: str, category: str, *, name: str, paid_repairs: list[Any] | None = None, **order: Any
) -> str:
    """One more out-of-warranty visit on the seeded demo, for engineer liu (inside an app context):
    a customer in Qingdao, their unit bought 1,000 days ago, pinned like every demo order."""
    liu = db.session.scalars(select(User).where(User.username == "liu")).one()
    pinned = db.session.scalars(
        select(ServiceOrder.fee_schedule_id).where(ServiceOrder.fee_schedule_id.is_not(None))
    ).first()
    now = utcnow()
    spec = CATALOGUE[category]
    customer = Customer(name=name, phones=["13900000000"], address=f"青岛市市南区香港中路{len(number)}号")
    db.session.add(customer)
    db.session.flush()
    unit = Unit(
        customer_id=customer.id,
        category=category,
        brand=spec["brands"][0],
        model=spec["models"][0],
        serial=f"SN-{number}",
        purchase_date=(now - timedelta(days=1000)).date(),
        paid_repairs=paid_repairs or [],
    )
    db.session.add(unit)
    db.session.flush()
    row = ServiceOrder(
        number=number,
        customer_id=customer.id,
        unit_id=unit.id,
        assignee_id=liu.id,
        symptom=spec["symptoms"][0],
        reported_at=now - timedelta(hours=6),
        appointment_confirmed=True,
        fee_schedule_id=pinned,
        service_address=customer.address,
        **order,
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def demo_visits(app: Any) -> dict[str, str]:
    """The demo, plus one out-of-warranty visit per category for engineer liu, already on site
    (badge shown at arrival, inside the window): {category: order number}."""
    now = utcnow()
    with app.app_context():
        seed()
        for n, category in enumerate(CATALOGUE):
            visit_for_liu(
                f"SO-PRICE-{n}",
                category,
                name=f"测试客户{n}",
                status="on_site",
                appointment_start=now - timedelta(hours=1),
                appointment_end=now + timedelta(hours=1),
                arrived_at=now - timedelta(minutes=5),
                badge_shown=True,
            )
        db.session.commit()
    return {category: f"SO-PRICE-{n}" for n, category in enumerate(CATALOGUE)}


def diagnose_and_quote(page: Any, category: str) -> None:
    spec = CATALOGUE[category]
    page.select_option("select[name=cause]", "manufacturing_fault")
    page.fill("textarea[name=diagnosis]", "检查后更换故障件，试机正常")
    page.select_option("select[name=job_code]", next(iter(spec["jobs"])))
    page.select_option("select[name=part]", spec["parts"][0][0])
    page.click("[data-testid=add-part]")
    page.wait_for_selector(".order-facts li")
    primary(page, "diagnosed")
    assert page.locator("[data-testid=price-missing]").count() == 0, page.inner_text(".visit")
    primary(page, "awaiting_consent")
    page.wait_for_selector("[data-testid=quote]")


def hand_off_and_sign(page: Any, first: bool) -> None:
    primary(page, "in_repair")  # the customer agreed on their own screen
    page.check("input[name=repair_certain]")
    page.click(".actionbar [data-testid=primary]")  # fixed on site
    page.wait_for_selector("input[name=repair_certain]", state="detached")
    page.click(".actionbar [data-testid=primary]")  # customer hand-off
    if first:
        page.fill("input[name=pin]", "246802")
        page.fill("input[name=pin_again]", "246802")
        page.click(".actionbar [data-testid=primary]")
    page.wait_for_selector(".handoff[data-stage=summary]")
    if page.locator("[data-choice=payment]").count():
        assert page.is_disabled(".handoff [data-testid=primary]")  # asked before going on
        answer_invoice_and_payment(page, "none", "wechat")
    else:
        answer_invoice_and_payment(page, "none")
    page.click(".handoff [data-testid=primary]")
    page.click(".of-stars[data-name=repairQuality] .of-star[data-value='5']")
    page.click(".of-stars[data-name=serviceAttitude] .of-star[data-value='5']")
    page.click(".of-rating button[type=submit]")
    page.wait_for_selector(".handoff[data-stage=signature] .of-sig__canvas")
    draw_signature(page)
    page.click(".of-sig button[type=submit]:not([disabled])")
    page.wait_for_selector(".handoff[data-stage=receipt]")
    page.click(
        ".of-receipt button.of-btn--primary, .handoff button:has-text('Done'),"
        " .handoff button:has-text('完成')"
    )
    page.wait_for_selector("#lock-screen")
    page.fill("#unlock-pin input", "246802")
    page.click("#unlock-pin button[type=submit]")
    page.wait_for_selector(".visit[data-status='completed']", timeout=20000)


def sign_in_liu(page: Any) -> None:
    page.goto("/")
    page.fill("input[name=username]", "liu")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    wait_js(page, "document.querySelectorAll('.order-card').length >= 6")


def test_every_demo_category_is_priced_signed_and_receipted_offline_as_the_server_derives(
    browser: Any, live_server: Any, live_app: Any
) -> None:
    visits = demo_visits(live_app)
    context = browser.new_context(base_url=live_server.url, locale="en-US", **PHONE)
    try:
        page = context.new_page()
        sign_in_liu(page)
        wait_synced(page)
        wait_offline_ready(page)
        context.set_offline(True)
        for n, (category, number) in enumerate(visits.items()):
            page.goto("/#/")
            page.wait_for_selector(".order-card")
            open_order(page, number)
            diagnose_and_quote(page, category)
            total = page.inner_text("[data-testid=quote] [data-testid=total]")
            assert re.search(r"[1-9]", total), (category, total)  # priced, not a silent 0
            if category == "water_heater":
                screenshot(page, "pwa-quote-en")
            hand_off_and_sign(page, first=n == 0)
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        wait_synced(page, timeout=60000)
    finally:
        context.close()

    dispatcher = api_sign_in(live_app, "dispatcher", PASSWORD)
    with live_app.app_context():
        ids = {
            c: db.session.scalars(select(ServiceOrder.id).where(ServiceOrder.number == n)).one()
            for c, n in visits.items()
        }
    for category, order_id in ids.items():
        order = dispatcher.get(f"/api/orders/{order_id}").get_json()
        assert order["status"] == "completed", (category, order["status"])
        [receipt] = order["receipts"]
        derived = order["derivation"]
        assert derived["differences"] == [], (category, derived["differences"])
        server = derived["derivation"]["charges"]
        assert server["total_fen"] == receipt["total_fen"] == order["total_fen"] > 0, category
        assert not order["flagged"], (category, order["flag_reason"])
        kinds = {e["kind"] for e in order["timeline"]}
        assert {"consent", "schedule_shown", "test_run"} <= kinds, (category, kinds)
        assert order["signatures"][0]["status"] == "verified", category
        with live_app.app_context():
            [payment] = db.session.scalars(select(Payment).where(Payment.order_id == order_id))
            assert (payment.method, payment.amount_fen) == ("wechat", receipt["total_fen"])
            assert db.session.get(Receipt, receipt["id"]).invoice_declined


def test_a_late_visit_to_a_washer_paid_for_14_months_ago_shows_both_waivers_before_signing(
    browser: Any, live_server: Any, live_app: Any
) -> None:
    now = utcnow()
    earlier = (now - timedelta(days=14 * 30)).date().isoformat()
    with live_app.app_context():
        seed()
        # The window ended 20 minutes ago; the engineer is on the way.
        order_id = visit_for_liu(
            "SO-LATE-1",
            "washing_machine",
            name="孙丽",
            status="departed",
            appointment_start=now - timedelta(hours=2, minutes=20),
            appointment_end=now - timedelta(minutes=20),
            departed_at=now - timedelta(minutes=50),
            paid_repairs=[
                {
                    "order_id": "old-1",
                    "order_number": "SO20250901-0088",
                    "repaired_on": earlier,
                    "category": "washing_machine",
                    "cause": "manufacturing_fault",
                    "total_fen": 18000,
                }
            ],
        )
        db.session.commit()
    for lang, locale in (("en", "en-US"), ("zh", "zh-CN")):
        context = browser.new_context(base_url=live_server.url, locale=locale, **PHONE)
        try:
            page = context.new_page()
            sign_in_liu(page)
            wait_synced(page)
            wait_offline_ready(page)
            context.set_offline(True)
            if lang == "zh":  # the first pass recorded the visit: the customer's charges, in Chinese
                page.goto(f"/#/order/{order_id}/charges")
                page.wait_for_selector("[data-testid=charges]")
                assert page.locator("[data-waiver=late_arrival]").count() == 1
                assert page.locator("[data-waiver=repeat_repair]").count() == 1
                screenshot(page, "pwa-charges-waivers-zh")
                break
            open_order(page, "SO-LATE-1")
            assert not page.is_checked("input[name=badge_shown]")  # nothing ticked before it happens
            page.check("input[name=badge_shown]")
            page.wait_for_selector("[data-testid=lateness]")
            page.click(".actionbar [data-testid=primary]")  # no reason chosen yet: refused
            assert page.locator(".visit[data-status=departed]").count() == 1
            page.click(".chip[data-reason=traffic]")
            primary(page, "on_site")
            diagnose_and_quote(page, "washing_machine")
            assert page.locator("[data-testid=quote] [data-waiver=late_arrival]").count() == 1
            assert page.locator("[data-testid=quote] [data-waiver=repeat_repair]").count() == 1
            screenshot(page, "pwa-quote-waivers-en")
            hand_off_and_sign(page, first=True)
            context.set_offline(False)
            page.evaluate("window.dispatchEvent(new Event('online'))")
            wait_synced(page, timeout=60000)
        finally:
            context.close()
    with live_app.app_context():
        stored = db.session.get(ServiceOrder, order_id)
        assert stored.late_reason == "traffic"
        [receipt] = db.session.scalars(select(Receipt).where(Receipt.order_id == order_id))
        assert receipt.total_fen == 0
        codes = {w["code"] for w in stored.charges["waivers"]}
        assert codes == {"late_arrival", "repeat_repair"}
        badge = db.session.scalars(
            select(TimelineEvent).where(
                TimelineEvent.order_id == order_id, TimelineEvent.kind == "badge_shown"
            )
        ).one()
        assert badge.at <= stored.arrived_at  # recorded when it was shown, before the arrival


def test_an_operators_policy_change_reaches_the_phone_after_its_next_sync(
    browser: Any, live_server: Any, live_app: Any
) -> None:
    now = utcnow()
    with live_app.app_context():
        seed()
        # 10 minutes after the window: under the 15-minute tolerance, so charged.
        visit_for_liu(
            "SO-POLICY-1",
            "refrigerator",
            name="周杰",
            status="on_site",
            appointment_start=now - timedelta(hours=2),
            appointment_end=now - timedelta(minutes=10),
            arrived_at=now,
            badge_shown=True,
        )
        db.session.commit()
    context = browser.new_context(base_url=live_server.url, locale="en-US", **PHONE)
    try:
        page = context.new_page()
        sign_in_liu(page)
        wait_synced(page)
        open_order(page, "SO-POLICY-1")
        assert "10 min late" in page.inner_text("[data-testid=lateness]")
        assert page.locator("text=free of charge").count() == 0
        admin = api_sign_in(live_app, "admin", PASSWORD)
        assert admin.put("/api/policy", json={"values": {"late_tolerance": 300}}).status_code == 200
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.click("a.back")
        page.click("[data-testid=sync-now]")
        wait_synced(page)
        open_order(page, "SO-POLICY-1")
        wait_js(
            page, "document.querySelector('[data-testid=lateness]')?.textContent.includes('free of charge')"
        )
    finally:
        context.close()
