"""The map of the day in Chromium: every located order and engineer's start as a marker, with the
tile server unreachable (as in every test run: offline), and with no tile source at all."""

from __future__ import annotations

from typing import Any

import pytest

from server.extensions import db
from server.models import ServiceOrder, User
from tests.e2e import test_console as console_tests
from tests.e2e.conftest import screenshot

world = console_tests.world
console = console_tests.console

# Guangzhou: 天河 and 海珠, where the console world's customers live.
PLACES = [
    {"lat": 23.1365, "lng": 113.3210},
    {"lat": 23.1050, "lng": 113.3240},
    {"lat": 23.1180, "lng": 113.2800},
    {"lat": 23.1420, "lng": 113.2950},
]
UNREACHABLE_TILES = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"  # the discard port: nothing answers


def place_world(app: Any, world: dict[str, Any]) -> list[str]:
    """Coordinates for 王军's visits of today, one queued order, and 王军's start; the rest have none."""
    located = [*world["day_orders"][0][1:4], world["queue"][0]]
    with app.app_context():
        for n, order_id in enumerate(located):
            db.session.get(ServiceOrder, order_id).service_location = PLACES[n % len(PLACES)]
        wang = db.session.get(User, world["engineers"]["wang"])
        wang.home_district, wang.home_location = "天河区", {"lat": 23.1250, "lng": 113.3300}
        db.session.commit()
    return located


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_map_shows_every_marker_with_the_tile_server_unreachable(console, world, live_app, lang):
    live_app.config["MAP_TILE_URL"] = UNREACHABLE_TILES
    located = place_world(live_app, world)
    page = console
    response = page.goto("/console/map")
    assert "img-src 'self' data: blob: http://127.0.0.1:9" in response.headers["content-security-policy"]
    page.wait_for_selector("body[data-map-ready=true]")
    if lang == "zh-CN":
        page.click("[data-lang=zh-CN]")
        page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
        page.wait_for_selector("body[data-map-ready=true]")
    for order_id in located:
        marker = page.locator(f".leaflet-marker-icon[data-order-id='{order_id}']")
        marker.wait_for()
        assert marker.is_visible() and marker.get_attribute("title")
    assert page.locator(f".leaflet-marker-icon[data-engineer-id='{world['engineers']['wang']}']").is_visible()
    assert page.locator(".leaflet-overlay-pane path").count() >= 1  # 王军's route
    # Tiles were asked for and none arrived; the markers do not depend on them.
    page.wait_for_selector(".leaflet-tile", state="attached")
    loaded = page.evaluate(
        "() => [...document.querySelectorAll('.leaflet-tile')].filter(t => t.naturalWidth).length"
    )
    assert loaded == 0
    # Orders without coordinates are still listed beside the map, said to have no position.
    listed = page.locator("#map-list li")
    assert listed.count() > len(located)
    assert page.locator("#map-list li[data-placed=no]").count() == listed.count() - len(located)
    screenshot(page, f"console-map{'-zh' if lang == 'zh-CN' else ''}")


def test_without_a_tile_source_the_map_says_so_and_draws_the_markers(console, world, live_app):
    located = place_world(live_app, world)
    page = console
    response = page.goto("/console/map")
    assert "img-src 'self' data: blob:;" in response.headers["content-security-policy"]
    page.wait_for_selector("body[data-map-ready=true]")
    assert page.locator(".leaflet-tile").count() == 0
    assert page.inner_text("#map-note") == "No map tiles: showing positions only"
    assert page.locator(".leaflet-marker-icon[data-order-id]").count() == len(located)
    # A marker opens its order's words on hover.
    page.locator(f".leaflet-marker-icon[data-order-id='{located[0]}']").hover()
    assert (
        page.locator(".leaflet-tooltip")
        .inner_text()
        .startswith(page.locator(f"#map-list li[data-order-id='{located[0]}'] a").inner_text())
    )
