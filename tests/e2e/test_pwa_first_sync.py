"""The first sync of a phone: the day's orders first, every page in one streamed answer, the
orders counted as they come, and a sync cut half-way going on from its last whole page with a
plan (P31, P32, P35)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.e2e.pwa_flow import sign_in, wait_js, wait_synced
from tests.e2e.pwa_seed import seed_visit

ORDERS = 2600  # with the catalogue: a streamed first page of 200 items, then pages of 2,000

# What the screen showed while the sync ran: every progress text, and whether the sync was still
# running when the first order card appeared.
WATCH = """
window.__seen = { progress: [], firstCardWhileSyncing: null };
new MutationObserver(() => {
  const text = document.querySelector("#sync-progress-text");
  if (text && !text.hidden && text.textContent && window.__seen.progress.at(-1) !== text.textContent) {
    window.__seen.progress.push(text.textContent);
  }
  if (window.__seen.firstCardWhileSyncing === null && document.querySelector(".order-card")) {
    window.__seen.firstCardWhileSyncing = document.querySelector("#sync-progress")?.hidden === false;
  }
}).observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
"""


def _pull(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def test_a_first_sync_cut_half_way_goes_on_from_its_last_whole_page(phone: Any, live_app: Any) -> None:
    seed_visit(live_app, extra_orders=ORDERS)
    page = phone.new_page()
    served: list[dict[str, str]] = []
    delivered: list[dict[str, Any]] = []

    def route(route: Any) -> None:
        query = _pull(route.request.url)
        served.append(query)
        if query.get("stream") != "true":
            route.continue_()
            return
        # The network drops the streamed answer after its first two pages.
        lines = route.fetch().body().split(b"\n")
        assert len(lines) > 3
        delivered.extend(json.loads(line) for line in lines[:2])
        route.fulfill(status=200, content_type="application/x-ndjson", body=b"\n".join(lines[:2]) + b"\n")

    page.route(re.compile(r"/api/sync/pull\?"), route)
    sign_in(page, orders=ORDERS + 2)  # the sync goes on after the cut and brings the rest
    wait_synced(page)
    assert [q["since"] for q in served if q.get("stream")] == ["0"]
    assert not any(d.get("last") for d in delivered)
    # It went on from the second page's cursor, with a plan, not from 0.
    after = served[1]
    assert after.get("plan") == "true" and after["since"] == str(delivered[-1]["cursor"])
    assert sum(1 for q in served if q["since"] == "0") == 1
    assert page.evaluate("() => document.querySelectorAll('.order-card').length") == ORDERS + 2


def test_the_first_sync_counts_the_orders_and_shows_the_day_before_it_ends(phone: Any, live_app: Any) -> None:
    seed_visit(live_app, extra_orders=ORDERS)
    page = phone.new_page()
    page.add_init_script(WATCH)
    cdp = phone.new_cdp_session(page)
    cdp.send("Network.enable")
    # A 3G-like network (1.6 Mbit/s down, 750 kbit/s up, 150 ms): the sync takes long enough to watch.
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 93_750},
    )
    sign_in(page, orders=1)
    wait_synced(page, timeout=60000)
    seen = page.evaluate("() => window.__seen")
    total = ORDERS + 2
    counts = [re.fullmatch(r"Receiving orders: (\d+) of (\d+)", text) for text in seen["progress"]]
    assert all(counts), seen["progress"]
    assert {int(m.group(2)) for m in counts if m} == {total}
    done = [int(m.group(1)) for m in counts if m]
    assert done == sorted(done) and done[-1] == total, done
    assert any(0 < n < total for n in done), done  # shown part-way, not only at the ends
    assert seen["firstCardWhileSyncing"] is True
    wait_js(page, f"document.querySelectorAll('.order-card').length === {total}")


def test_the_count_speaks_chinese(browser: Any, live_server: Any, live_app: Any) -> None:
    from tests.e2e.conftest import PHONE

    seed_visit(live_app, extra_orders=ORDERS)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    try:
        page = context.new_page()
        page.add_init_script(WATCH)
        sign_in(page, orders=1)
        wait_js(page, "window.__seen.progress.length > 0", 30000)
        wait_synced(page, timeout=60000)
        texts = page.evaluate("() => window.__seen.progress")
        assert all(re.fullmatch(rf"正在接收工单：\d+ / {ORDERS + 2}", t) for t in texts), texts
    finally:
        context.close()
