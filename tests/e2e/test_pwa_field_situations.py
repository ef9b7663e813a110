"""The seeds' field situations, each walked offline as an engineer would and checked on the
server afterwards: nobody opens the door (000), late and cannot come (000), the part missing or
wrong (001), and the take-back repair with a loaner out and back (000, 001)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.extensions import db
from server.models import AppointmentChange, ServiceOrder, TimelineEvent
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.pwa_flow import open_order, sign_in, wait_js, wait_offline_ready, wait_synced
from tests.e2e.pwa_seed import PUMP, seed_visit


def on_the_way(live_app: Any) -> Any:
    now = datetime.now(UTC)
    return seed_visit(
        live_app,
        status="departed",
        appointment_in=timedelta(minutes=5),
        departed_at=now - timedelta(minutes=20),
        appointment_confirmed=True,
    )


def offline_at_order(phone: Any, number: str) -> Any:
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    phone.set_offline(True)
    open_order(page, number)
    return page


def back_online(phone: Any, page: Any) -> None:
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)


def events(live_app: Any, order_id: str) -> list[TimelineEvent]:
    with live_app.app_context():
        rows = db.session.query(TimelineEvent).filter_by(order_id=order_id).order_by(TimelineEvent.at).all()
        db.session.expunge_all()
        return rows


def enabled(page: Any, testid: str) -> bool:
    return page.is_enabled(f"[data-testid={testid}]")


def test_nobody_home_walks_the_000_sequence_with_times_then_agrees_a_new_visit(
    phone: Any, live_app: Any
) -> None:
    seeded = on_the_way(live_app)
    page = offline_at_order(phone, seeded.order_number)
    page.click("[data-testid=open-not-home]")
    # Phoning, the neighbours and the note come after knocking; closing needs the phone call and the note.
    assert not enabled(page, "call-no-answer")
    assert not enabled(page, "not-home-new-visit")
    page.click("[data-testid=knocked]")
    page.wait_for_selector("[data-testid=knock-next]")
    next_text = page.inner_text("[data-testid=knock-next]")
    phone_text = page.inner_text("[data-testid=phone-from]")
    assert not enabled(page, "neighbours")
    for n, testid in enumerate(("knocked", "call-no-answer", "neighbours", "left-note"), start=2):
        page.click(f"[data-testid={testid}]")
        page.wait_for_selector(f"[data-testid=not-home-log] li:nth-child({n})")
    assert page.locator("[data-testid=not-home-log] li").count() == 5
    screenshot(page, "pwa-not-home-en")
    page.click("[data-testid=not-home-new-visit]")

    # The new visit: the reason is filled in, the time is a quick slot, the customer's answer is asked.
    assert page.input_value("textarea[name=reason]") == "Customer not at home"
    page.click("[data-choice=slot] .chip[data-value=tomorrow_morning]")
    page.click("[data-testid=confirm-reason]")
    page.wait_for_selector(".toast--error:has-text('Ask the customer')")
    page.click("[data-choice=agreed] .chip[data-value=agreed]")
    page.click("[data-testid=confirm-reason]")
    page.wait_for_selector(".visit[data-status='scheduled']")

    back_online(phone, page)
    rows = events(live_app, seeded.order_id)
    steps = [(e.data["step"], e.at) for e in rows if e.kind == "not_home_step"]
    assert [s for s, _ in steps] == ["knock", "knock", "call", "neighbours", "note"]
    assert [at for _, at in steps] == sorted(at for _, at in steps)
    # "knock again" 30 seconds after the knock, "phone" 5 minutes after the first, as recorded.
    hm = (
        "(ms) => new Intl.DateTimeFormat('en', {hour: '2-digit', minute: '2-digit', hourCycle: 'h23'})"
        ".format(new Date(ms))"
    )
    knocked_ms = steps[0][1].timestamp() * 1000
    assert next_text == f"Knock again from {page.evaluate(hm, knocked_ms + 30_000)}."
    assert phone_text.startswith(f"Phone the customer from {page.evaluate(hm, knocked_ms + 300_000)}")
    closing = [e for e in rows if e.kind == "not_home"]
    assert len(closing) == 1 and closing[0].data["outcome"] == "new_visit"
    assert [s["step"] for s in closing[0].data["steps"]] == ["knock", "knock", "call", "neighbours", "note"]
    with live_app.app_context():
        order = db.session.get(ServiceOrder, seeded.order_id)
        assert order.status == "scheduled"
        change = db.session.query(AppointmentChange).filter_by(order_id=seeded.order_id).one()
        assert change.reason == "Customer not at home" and change.customer_agreed is True
        local = change.new_start.astimezone()
        assert (local.hour, local.minute) == (9, 0)
        assert local.date() > change.at.astimezone().date()


def test_nobody_home_handed_back_in_chinese(browser: Any, live_server: Any, live_app: Any) -> None:
    seeded = on_the_way(live_app)
    phone = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    page = offline_at_order(phone, seeded.order_number)
    page.click("[data-testid=open-not-home]")
    for n, testid in enumerate(("knocked", "call-no-answer", "left-note"), start=1):
        page.click(f"[data-testid={testid}]")
        page.wait_for_selector(f"[data-testid=not-home-log] li:nth-child({n})")
    assert "无人接听" in page.inner_text("[data-testid=not-home-log]")
    screenshot(page, "pwa-not-home-zh")
    page.click("[data-testid=not-home-hand-back]")
    page.wait_for_selector(".visit[data-status='returned_to_dispatch']")
    back_online(phone, page)
    with live_app.app_context():
        order = db.session.get(ServiceOrder, seeded.order_id)
        assert order.status == "returned_to_dispatch" and order.handback_reason == "用户不在家"
    assert [e.data["outcome"] for e in events(live_app, seeded.order_id) if e.kind == "not_home"] == [
        "handed_back"
    ]
    phone.close()


def test_late_and_unable_to_come_goes_back_to_the_dispatcher_with_why(phone: Any, live_app: Any) -> None:
    seeded = on_the_way(live_app)
    page = offline_at_order(phone, seeded.order_number)
    page.click("[data-testid=open-unable]")
    page.click("[data-testid=unable-send]")
    page.wait_for_selector(".toast--error:has-text('Pick why')")
    page.click("[data-testid=unable] .chip[data-value=vehicle]")
    page.fill("[data-testid=unable] textarea[name=note]", "flat tyre on the ring road")
    page.click("[data-testid=unable-send]")
    page.wait_for_selector(".visit[data-status='returned_to_dispatch']")
    back_online(phone, page)
    with live_app.app_context():
        order = db.session.get(ServiceOrder, seeded.order_id)
        assert order.status == "returned_to_dispatch"
        assert order.handback_reason == "Vehicle trouble: flat tyre on the ring road"
    unable = [e for e in events(live_app, seeded.order_id) if e.kind == "unable_to_come"]
    assert [(e.data["reason"], e.data["note"]) for e in unable] == [("vehicle", "flat tyre on the ring road")]


def diagnosed(live_app: Any) -> Any:
    now = datetime.now(UTC)
    return seed_visit(
        live_app,
        status="diagnosed",
        appointment_in=timedelta(hours=-1),
        arrived_at=now - timedelta(minutes=55),
        departed_at=now - timedelta(minutes=80),
        diagnosis="排水泵坏",
        cause="manufacturing_fault",
        in_warranty=False,
        warranty_reason="warranty_expired",
        badge_shown=True,
    )


def test_a_wrong_part_is_requested_and_the_order_waits_for_a_return_visit(phone: Any, live_app: Any) -> None:
    seeded = diagnosed(live_app)
    page = offline_at_order(phone, seeded.order_number)
    page.click("[data-testid=open-part-missing]")
    assert "Apologise" in page.inner_text("[data-testid=part-missing]")
    page.select_option("[data-testid=part-missing] select[name=part]", PUMP)
    page.click("[data-testid=part-come-again]")
    page.wait_for_selector(".toast--error:has-text('Pick what is wrong')")
    page.click("[data-testid=part-missing] .chip[data-value=wrong]")
    page.click("[data-testid=part-come-again]")
    page.wait_for_selector(".visit[data-status='awaiting_part']")
    assert "Drain pump requested (Wrong part)" in page.inner_text("[data-testid=parts-requested]")
    back_online(phone, page)
    asked = [e for e in events(live_app, seeded.order_id) if e.kind == "part_requested"]
    assert [(e.data["part_code"], e.data["problem"], e.data["next"]) for e in asked] == [
        (PUMP, "wrong", "come_again")
    ]
    with live_app.app_context():
        assert db.session.get(ServiceOrder, seeded.order_id).status == "awaiting_part"


def test_take_back_leaves_a_loaner_and_collects_it_when_the_unit_returns(phone: Any, live_app: Any) -> None:
    seeded = diagnosed(live_app)
    page = offline_at_order(phone, seeded.order_number)
    page.click("[data-testid=open-part-missing]")
    page.select_option("[data-testid=part-missing] select[name=part]", PUMP)
    page.click("[data-testid=part-missing] .chip[data-value=faulty]")
    page.click("[data-testid=part-take-back]")
    page.wait_for_selector(".visit[data-status='taken_back']")
    page.click("[data-testid=loaner-out]")
    page.wait_for_selector(".toast--error:has-text('loaner')")
    page.fill("[data-testid=loaner] input[name=loaner_serial]", "LN-204")
    page.click("[data-testid=loaner-out]")
    wait_js(
        page,
        "document.querySelector('[data-testid=loaner-state]')"
        "?.textContent.includes('LN-204 with the customer')",
    )
    back_online(phone, page)

    # Days later, the repaired unit goes back and the loaner comes home.
    phone.set_offline(True)
    page.click("[data-testid=loaner-back]")
    wait_js(
        page, "document.querySelector('[data-testid=loaner-state]')?.textContent.includes('collected back')"
    )
    back_online(phone, page)
    loaner = [
        (e.kind, e.data["serial"]) for e in events(live_app, seeded.order_id) if e.kind.startswith("loaner")
    ]
    assert loaner == [("loaner_out", "LN-204"), ("loaner_back", "LN-204")]
    with live_app.app_context():
        order = db.session.get(ServiceOrder, seeded.order_id)
        assert order.status == "taken_back" and order.repair_outcome == "taken_back"
