"""The forms harness: bundled with the project's esbuild, served on a loopback port under a strict CSP."""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
FORMS = REPO / "pwa" / "forms"

# What the app's CSP will allow: no inline script or style, blob: images (previews) and workers
# (browser-image-compression starts its worker from a blob: URL).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'"
)


def build(out: Path) -> None:
    """Bundle the harness (and the forms it imports) and lay out the site in `out`."""
    esbuild = REPO / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        raise RuntimeError("node_modules is missing: run `npm ci` (or `make pwa`) first")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            str(esbuild),
            str(HERE / "harness.js"),
            "--bundle",
            "--format=esm",
            "--log-level=warning",
            f"--outfile={out / 'harness.js'}",
        ],
        check=True,
        cwd=REPO,
    )
    # The forms' own asset script puts the compression worker's library where the app serves it.
    subprocess.run(
        ["node", str(FORMS / "build-assets.mjs"), str(out / "dist")],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    shutil.copy(HERE / "index.html", out / "index.html")
    shutil.copy(HERE / "harness.css", out / "harness.css")
    shutil.copy(HERE / "sw.js", out / "sw.js")
    shutil.copy(FORMS / "forms.css", out / "forms.css")


class _Handler(SimpleHTTPRequestHandler):
    hits: dict[str, int]

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        self.hits[path] = self.hits.get(path, 0) + 1
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class Site:
    """The built harness served in a thread; `url` is its base, `hits` counts requests per path."""

    def __init__(self, root: Path) -> None:
        self.hits: dict[str, int] = {}
        handler = type("Handler", (_Handler,), {"hits": self.hits})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def harness_fixtures() -> tuple[Any, Any, Any]:
    """Fixtures for a test module: `forms_site` (built and served once), `forms_browser` (one
    Chromium for the module) and `forms_page` (a fresh phone-sized context on the site; requests
    that leave the site are listed in `page.offsite_requests`)."""
    import pytest

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

    @pytest.fixture(scope="module")
    def forms_site(tmp_path_factory: Any) -> Any:
        root = tmp_path_factory.mktemp("forms-site")
        build(root)
        with Site(root) as site:
            yield site

    @pytest.fixture(scope="module")
    def forms_browser(playwright_instance: Any) -> Any:
        browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()

    @pytest.fixture
    def forms_page(forms_browser: Any, forms_site: Site) -> Any:
        context = forms_browser.new_context(base_url=forms_site.url, locale="en-US", **PHONE)
        page = context.new_page()
        page.offsite_requests = []

        def record(request: Any) -> None:
            if not request.url.startswith((forms_site.url, "blob:", "data:")):
                page.offsite_requests.append(request.url)

        page.on("request", record)
        yield page
        context.close()

    return forms_site, forms_browser, forms_page


def open_form(page: Any, form: str, lang: str = "en", **query: str) -> None:
    """Load the harness with `form` mounted and wait until it is on screen."""
    extra = "".join(f"&{key}={value}" for key, value in query.items())
    page.goto(f"/?form={form}&lang={lang}{extra}")
    page.wait_for_selector(f"body[data-form={form}] .of-form")


def last_result(page: Any) -> Any:
    return page.evaluate("window.__lastResult()")


def csp_violations(page: Any) -> Any:
    return page.evaluate("window.__csp")
