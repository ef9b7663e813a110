"""The order's facts on the phone: unit, dates, warranty with its end, the customer's requests,
intake flags, the deadline, the appointment's history, map links and dialling; and the on-site
correction of the unit, made offline, which settles its intake flag and reaches the server."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from server.extensions import db
from server.models import ServiceOrder, TimelineEvent, Unit
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.pwa_flow import open_order, sign_in, wait_synced
from tests.e2e.pwa_seed import seed_visit

FLAG = {"field": "unit.serial", "code": "missing_serial", "severity": "warning"}
ADDRESS = "上海市浦东新区张杨路 500 号 1201 室"


def seed(live_app: Any) -> Any:
    return seed_visit(live_app, customer_requests="请上门前电话联系", intake_issues=[FLAG])


def test_the_order_shows_what_to_check_and_opens_maps_and_the_dialler(phone: Any, live_app: Any) -> None:
    seeded = seed(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    open_order(page, seeded.order_number)
    facts = page.locator("[data-testid=order-facts]")
    assert page.inner_text("[data-testid=unit-brand]") == "Midea"
    assert page.inner_text("[data-testid=unit-model]") == "MG100V11D"
    assert page.inner_text("[data-testid=unit-serial]") == "SN8812345"
    assert page.inner_text("[data-testid=unit-purchased]") == "Mar 1, 2023"
    # 12 months from the purchase date: the last covered day is a year later, whatever today is.
    assert page.inner_text("[data-testid=warranty-state]") == "Out of warranty · Warranty ended Feb 29, 2024."
    assert page.inner_text("[data-testid=customer-requests]") == "请上门前电话联系"
    assert page.inner_text("[data-testid=intake-flags]") == "Serial missing"
    assert page.inner_text("[data-testid=deadline]") != "—"
    assert "{" not in facts.inner_text()
    links = {
        a.get_attribute("data-app"): a.get_attribute("href")
        for a in page.locator("[data-testid=map-links] a").all()
    }
    assert links["geo"] == f"geo:0,0?q={quote(ADDRESS, safe='')}"
    assert links["amap"].startswith(f"https://uri.amap.com/search?keyword={quote(ADDRESS, safe='')}")
    assert links["baidu"].startswith(f"https://api.map.baidu.com/geocoder?address={quote(ADDRESS, safe='')}")
    assert page.get_attribute(".btn--call", "href") == "tel:13800138000"
    facts.scroll_into_view_if_needed()
    screenshot(page, "pwa-order-facts-en")


def test_a_serial_corrected_offline_settles_the_flag_and_reaches_the_server(
    browser: Any, live_server: Any, live_app: Any
) -> None:
    seeded = seed(live_app)
    phone = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    open_order(page, seeded.order_number)
    assert page.inner_text("[data-testid=intake-flags]") == "机号 缺失"
    page.locator("[data-testid=order-facts]").scroll_into_view_if_needed()
    screenshot(page, "pwa-order-facts-zh")

    phone.set_offline(True)
    page.click("[data-testid=correct-unit]")
    page.fill("[data-testid=correction] input[name=serial]", "SN-0099-NEW")
    page.click("[data-testid=save-correction]")
    page.wait_for_selector(".intake-flag--settled[data-code=missing_serial]")
    assert page.inner_text("[data-testid=unit-serial]") == "SN-0099-NEW"
    assert "已现场更正" in page.inner_text("[data-testid=intake-flags]")

    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    with live_app.app_context():
        order = db.session.get(ServiceOrder, seeded.order_id)
        assert db.session.get(Unit, order.unit_id).serial == "SN-0099-NEW"
        kinds = [e.kind for e in db.session.query(TimelineEvent).filter_by(order_id=seeded.order_id)]
        assert "unit_corrected" in kinds
    phone.close()
