"""Benchmark: the PWA's offline cold start, and the JavaScript it ships.

A phone profile signs in and syncs (the seeded orders plus 200 more), so the service worker and
IndexedDB are filled. Then, for each run, Chromium is started again on that profile with the
network off and opens `/`: the time from navigation start to the order list being on screen and
interactive (`performance.mark("onsite:interactive")`, set after the first render from
IndexedDB). Beside it, from the same service worker, a blank page (`/blank`) that marks the same
point with nothing to do. Median of 9 runs each. Then the gzipped size of the JavaScript and CSS
the shell ships (pwa/dist). Last lines:
    pwa_cold_start: <ms> ms to interactive list, blank page <ms> ms (target < 1000 ms)
    pwa_shell_js_gzip: <KB> KB of JavaScript (CSS <KB> KB beside it) (target < 150 KB)
"""

from __future__ import annotations

import gzip
import logging
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = 9
MARK = "() => (performance.getEntriesByName('onsite:interactive')[0] || {}).startTime || null"


def gz(path: Path) -> float:
    return len(gzip.compress(path.read_bytes(), 9)) / 1024


def timed(pw: object, profile: Path, url: str, executable: str, args: list[str], phone: dict) -> float:
    context = pw.chromium.launch_persistent_context(  # type: ignore[attr-defined]
        str(profile), executable_path=executable, args=args, locale="en-US", **phone
    )
    try:
        context.set_offline(True)
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(url)
        for _ in range(300):
            value = page.evaluate(MARK)
            if value:
                break
            page.wait_for_timeout(20)
        if url.endswith("/"):
            assert page.locator(".order-card").count() > 0
        return float(value)
    finally:
        context.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    from server import create_app
    from server.extensions import db
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer
    from tests.e2e.pwa_seed import seed_visit

    tmp = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SESSION_COOKIE_SECURE": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
            "BLOB_DIR": str(tmp / "blobs"),
        }
    )
    with app.app_context():
        db.create_all()
    seed_visit(app, extra_orders=200)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    profile = tmp / "profile"
    app_ms: list[float] = []
    blank_ms: list[float] = []
    with LiveServer(app) as server, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, locale="en-US", **PHONE
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(server.url + "/")
        page.fill("input[name=username]", "eng")
        page.fill("input[name=password]", "pw")
        page.click("form.login button[type=submit]")
        page.wait_for_selector(".order-card", timeout=60000)
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        for _ in range(600):
            if page.evaluate("() => performance.getEntriesByName('onsite:sync').length > 0"):
                break
            page.wait_for_timeout(100)
        context.close()
        for run in range(RUNS + 1):
            a = timed(pw, profile, server.url + "/", CHROMIUM, CHROMIUM_ARGS, PHONE)
            b = timed(pw, profile, server.url + "/blank", CHROMIUM, CHROMIUM_ARGS, PHONE)
            if run:
                app_ms.append(a)
                blank_ms.append(b)
            print(f"run {run}: app {a:.0f} ms, blank {b:.0f} ms")
    dist = ROOT / "pwa" / "dist"
    js, css = gz(dist / "app.js"), gz(dist / "app.css")
    print(
        f"pwa_cold_start: {statistics.median(app_ms):.0f} ms to interactive list, "
        f"blank page {statistics.median(blank_ms):.0f} ms (target < 1000 ms)"
    )
    print(f"pwa_shell_js_gzip: {js:.1f} KB of JavaScript (CSS {css:.1f} KB beside it) (target < 150 KB)")


if __name__ == "__main__":
    main()
