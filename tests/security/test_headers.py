"""Security headers and the strict CSP on every route; no inline script in any page the app serves."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from server.security import CONTENT_SECURITY_POLICY
from tests.api.factories import make_order, make_receipt
from tests.conftest import sign_in

PLACEHOLDERS = {"int": "1", "default": "x", "string": "x", "path": "x.js", "uuid": "00000000-0000-0000-0000-0"
                "00000000001", "any": "x"}


def concrete_urls(app):
    """One request per (rule, method) of the url map, with placeholder values for the parameters."""
    out = []
    for rule in app.url_map.iter_rules():
        url = rule.rule
        for name, converter in rule._converters.items():  # noqa: SLF001 (the map's own parse)
            kind = type(converter).__name__.replace("Converter", "").lower()
            url = re.sub(r"<(?:[^:<>]+:)?" + name + r">", PLACEHOLDERS.get(kind, "x"), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, url))
    return out


def assert_secured(resp, where):
    headers = resp.headers
    assert headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert "camera=(self)" in headers.get("Permissions-Policy", ""), where
    assert headers.get("X-Frame-Options") == "DENY", where


def test_the_policy_is_strict():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    # Scripts from self only; WebAssembly may compile (the nameplate reader), JavaScript eval may not.
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY.replace("'wasm-unsafe-eval'", "")
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["connect-src"] == "'self'"


@pytest.mark.parametrize("who", [None, "admin", "eng1"])
def test_every_route_answers_with_the_security_headers(app, users, who):
    api = sign_in(app, who) if who else None
    client = api.client if api else app.test_client()
    headers = {"X-CSRF-Token": api.csrf} if api else {}
    urls = concrete_urls(app)
    assert len(urls) > 30
    for method, url in urls:
        with client.open(url, method=method, headers=headers,
                         json={} if method != "GET" else None) as resp:
            assert_secured(resp, (method, url, resp.status_code))


def test_errors_and_unknown_paths_carry_the_headers_too(client):
    assert_secured(client.get("/no/such/page"), "404")
    assert_secured(client.post("/api/auth/login", json={}), "422")


def test_api_answers_are_not_cached_and_hsts_is_sent_over_https(app, client, users):
    assert client.get("/api/auth/session").headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in client.get("/api/auth/session").headers
    secure = client.get("/api/auth/session", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


class InlineScriptFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, on* handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "script":
            kind = (attributes.get("type") or "").lower()
            if attributes.get("src"):
                self.scripts.append(attributes["src"])
            elif kind not in ("application/json", "application/ld+json"):
                self._in_inline_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.problems.append("inline <script>: " + data.strip()[:60])


def html_pages(app, users):
    """Every page the app serves as HTML: the app shell, the console, receipts and the rest."""
    order_id = make_order(app, assignee_id=users["eng1"])
    make_receipt(app, order_id, number="A7K-000001")
    api = sign_in(app, "admin")
    pages = {}
    for method, url in concrete_urls(app):
        if method != "GET":
            continue
        url = re.sub(r"^/receipts/x$", "/receipts/A7K-000001", url)
        with api.get(url, follow_redirects=True) as resp:
            if resp.status_code == 200 and resp.mimetype == "text/html":
                pages[url] = resp.get_data(as_text=True)
    from server.console import PAGES

    for name in PAGES:  # every console page, as staff and as the signed-out sign-in form
        for client in (api.client, app.test_client()):
            with client.get(f"/console/{name}") as resp:
                assert resp.status_code == 200, name
                pages[f"/console/{name} ({'staff' if client is api.client else 'signed out'})"] = (
                    resp.get_data(as_text=True))
    return pages


def test_no_page_has_inline_script(app, users):
    pages = html_pages(app, users)
    assert "/" in pages, sorted(pages)
    assert "/receipts/A7K-000001" in pages, sorted(pages)
    assert "/console/board (staff)" in pages and "/console/board (signed out)" in pages
    for url, html in pages.items():
        finder = InlineScriptFinder()
        finder.feed(html)
        assert finder.problems == [], url
