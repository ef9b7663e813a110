"""The order record's timeline in Chromium says, in plain words and both languages, what the phone
recorded on site: nobody home and each step, unable to come, a part requested, the loaner out and
back, unit details corrected, and the arrival's position evidence or why there is none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from server.extensions import db
from server.models import TimelineEvent, utcnow
from tests.e2e import test_console as console_tests
from tests.e2e.conftest import screenshot

world = console_tests.world
console = console_tests.console

# Each payload as pwa/js/views/field-situations.js, order-facts.js and position.js make it.
EVENTS = [
    ("not_home_step", {"step": "knock"}),
    ("not_home_step", {"step": "call", "outcome": "no_answer"}),
    ("not_home_step", {"step": "note"}),
    (
        "not_home",
        {
            "steps": [
                {"step": "knock", "at": "x", "outcome": None},
                {"step": "call", "at": "y", "outcome": "no_answer"},
            ],
            "outcome": "new_visit",
        },
    ),
    ("unable_to_come", {"reason": "vehicle", "note": "电动车没电"}),
    ("part_requested", {"part_code": "AC-PCB", "qty": 1, "problem": "wrong", "next": "come_again"}),
    ("loaner_out", {"serial": "LN-2201"}),
    ("loaner_back", {"serial": "LN-2201"}),
    ("unit_corrected", {"fields": {"model": "KFR-35GW/N8"}, "before": {"model": "KFR-35GW"}}),
    (
        "arrived",
        {
            "lateness_minutes": 12,
            "tier": "late_minor",
            "late_reason": None,
            "position": {"lat": 23.14, "lng": 113.33, "accuracy_m": 20, "at": "z"},
            "position_error": None,
            "distance_m": 1840,
            "radius_m": 300,
            "far_from_address": True,
        },
    ),
    ("arrived", {"lateness_minutes": 0, "tier": "on_time", "position": None, "position_error": "denied"}),
    (
        "arrived",
        {
            "lateness_minutes": None,
            "position": {"lat": 23.14, "lng": 113.33, "accuracy_m": 15, "at": "z"},
            "position_error": None,
            "distance_m": 40,
            "radius_m": 300,
            "far_from_address": False,
            # the dispatcher had moved the address's pin since the phone last synced
            "server_check": {"distance_m": 2100, "radius_m": 300, "far_from_address": True},
        },
    ),
    ("part_removed", {"part_code": "AC-PCB", "qty": 1}),
]

EXPECTED = {
    "en": [
        "Nobody home: knocked on the door",
        "Nobody home: phoned the customer (no answer)",
        "Nobody home: left a note",
        "Nobody home after 2 steps: a new visit to agree",
        "Engineer cannot come: vehicle trouble: 电动车没电",
        "Part requested: AC-PCB × 1, wrong part; coming again with the part",
        "Loaner LN-2201 left with the customer",
        "Loaner LN-2201 collected back",
        "Unit details corrected on site: model KFR-35GW → KFR-35GW/N8",
        "Arrived 1840 m from the address: far from it, beyond 300 m (accuracy ±20 m) · 12 min late",
        "Arrived; no position: location access is off on the phone",
        "Arrived 40 m from the address (accuracy ±15 m)"
        " · the server, from the address as it holds it: 2100 m, far from it",
        "Part taken off the order: AC-PCB × 1",
    ],
    "zh-CN": [
        "用户不在家：敲门",
        "用户不在家：给用户打电话（无人接听）",
        "用户不在家：留了留言条",
        "用户不在家，共 2 步后：待约定再次上门",
        "工程师无法上门：车辆故障：电动车没电",
        "申请配件：AC-PCB × 1，型号不对；带配件再次上门",
        "备用机 LN-2201 留在用户处",
        "备用机 LN-2201 已收回",
        "现场更正产品信息：型号 KFR-35GW → KFR-35GW/N8",
        "到达，距地址 1840 米：离地址较远，超出 300 米（精度 ±20 米） · 迟到 12 分钟",
        "到达，没有位置：手机关闭了定位权限",
        "到达，距地址 40 米（精度 ±15 米） · 服务器按现有地址核对：2100 米，距离过远",
        "配件已从工单移除：AC-PCB × 1",
    ],
}


def record_events(app: Any, order_id: str, engineer_id: int) -> None:
    at = utcnow() - timedelta(hours=2)
    with app.app_context():
        for n, (kind, data) in enumerate(EVENTS):
            moment = at + timedelta(minutes=n)
            db.session.add(
                TimelineEvent(
                    order_id=order_id,
                    kind=kind,
                    at=moment,
                    received_at=moment,
                    data=data,
                    updated_by_id=engineer_id,
                )
            )
        db.session.commit()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_order_record_says_what_the_phone_recorded_on_site(console, world, live_app, lang):
    order_id = world["day_orders"][1][1]
    record_events(live_app, order_id, world["engineers"]["li"])
    page = console
    if lang == "zh-CN":
        page.click("[data-lang=zh-CN]")
        page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    page.goto(f"/console/orders/{order_id}")
    page.wait_for_selector(".timeline li")
    lines = page.locator(".timeline li").all_inner_texts()
    for expected in EXPECTED[lang]:
        assert any(expected in line for line in lines), (expected, lines)
    for internal in (
        "not_home",
        "part_requested",
        "loaner_out",
        "unit_corrected",
        "no_answer",
        "come_again",
        "denied",
    ):
        assert not any(internal in line for line in lines), internal
    far = page.locator(".timeline li:has([data-evidence=far])")
    assert far.count() == 2 and "1840" in far.first.inner_text() and "2100" in far.last.inner_text()
    assert page.locator(".timeline [data-evidence=none]").count() == 1
    page.locator("#sec-timeline").scroll_into_view_if_needed()
    screenshot(page, f"console-order-field-events{'-zh' if lang == 'zh-CN' else ''}")
