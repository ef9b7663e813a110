"""Pull for a first sync on a weak network: compressed pages, a plan of page windows fetched side
by side, the day's orders first (P31, P32), and the same content as paging one by one."""

from __future__ import annotations

import gzip
from datetime import timedelta

import brotli
import orjson

from server.models import utcnow
from tests.conftest import sign_in
from tests.sync.helpers import Device, iso, make_catalogue, make_order, update_order


def _changes(api, url: str, **headers: str) -> tuple[dict, bytes]:
    resp = api.get(url, headers=headers)
    assert resp.status_code == 200, resp.data[:300]
    return resp, resp.data


def test_pull_page_is_compressed_when_asked_and_identical_decompressed(app, users):
    make_catalogue(app)
    for _ in range(12):
        make_order(app, users["eng1"])
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    url = "/api/sync/pull?since=0&limit=5000"
    plain, plain_body = _changes(api, url, **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        resp, body = _changes(api, url, **{"Accept-Encoding": encoding})
        assert resp.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in resp.headers["Vary"]
        assert len(body) * 3 < len(plain_body)
        page, expected = orjson.loads(decode(body)), orjson.loads(plain_body)
        page.pop("server_time"), expected.pop("server_time")
        assert page == expected
    resp, _ = _changes(api, url, **{"Accept-Encoding": "br;q=0.5, gzip;q=1"})
    assert resp.headers["Content-Encoding"] == "gzip"


def test_other_endpoints_are_not_compressed(app, users):
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    resp = api.get("/api/auth/session", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in resp.headers


def test_planned_windows_fetched_out_of_order_give_what_paging_gives_P31(app, users):
    make_catalogue(app)
    orders = [make_order(app, users["eng1"]) for _ in range(9)]
    make_order(app, users["eng2"])
    update_order(app, orders[0], priority="urgent")
    paged = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    paged.pull(limit=4)
    api = sign_in(app, "eng1", device_id="eng1-phone-0002")
    first = api.get("/api/sync/pull?since=0&limit=4&plan=true").get_json()
    assert first["orders"] == 9
    assert first["has_more"] is True
    bounds = [first["cursor"], *first["plan"]]
    assert bounds == sorted(set(bounds)) and len(bounds) >= 3
    pages = {}
    for since, until in reversed(list(zip(bounds, bounds[1:], strict=False))):  # the last one first
        page = api.get(f"/api/sync/pull?since={since}&until={until}&limit=4&first=true").get_json()
        assert page["cursor"] == until
        assert all(since < c["seq"] <= until for c in page["changes"])
        pages[since] = page
    assert pages[bounds[-2]]["has_more"] is False
    assert all(p["has_more"] for s, p in pages.items() if s != bounds[-2])
    rows = {(c["entity"], c["id"]): c["record"] for c in first["changes"]}
    for since in bounds[:-1]:
        rows.update({(c["entity"], c["id"]): c["record"] for c in pages[since]["changes"]})
    assert rows == paged.rows
    assert api.get(f"/api/sync/pull?since={bounds[-1]}").get_json()["changes"] == []


def test_a_change_after_the_plan_comes_in_the_pull_after_the_last_window_P31(app, users):
    orders = [make_order(app, users["eng1"]) for _ in range(6)]
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    first = api.get("/api/sync/pull?since=0&limit=3&plan=true").get_json()
    update_order(app, orders[0], priority="urgent")  # moves past every planned window
    bounds = [first["cursor"], *first["plan"]]
    rows = {c["id"]: c["record"] for c in first["changes"] if c["entity"] == "order"}
    page = {"has_more": True}
    for since, until in zip(bounds, bounds[1:], strict=False):
        page = api.get(f"/api/sync/pull?since={since}&until={until}&limit=3").get_json()
        rows.update({c["id"]: c["record"] for c in page["changes"] if c["entity"] == "order"})
    assert page["has_more"] is True  # the server has newer changes than the plan
    tail = api.get(f"/api/sync/pull?since={bounds[-1]}").get_json()
    rows.update({c["id"]: c["record"] for c in tail["changes"] if c["entity"] == "order"})
    assert set(rows) == set(orders)
    assert rows[orders[0]]["priority"] == "urgent"


def test_until_below_since_is_refused_naming_the_field(app, users):
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    resp = api.get("/api/sync/pull?since=5&until=4")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "until"


def test_day_orders_are_the_days_appointments_with_customer_and_unit_P32(app, users):
    now = utcnow()
    today = make_order(app, users["eng1"], appointment_start=now + timedelta(hours=2))
    make_order(app, users["eng1"], appointment_start=now + timedelta(days=3))
    make_order(app, users["eng2"], appointment_start=now + timedelta(hours=1))
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    start, end = iso(now - timedelta(hours=1)), iso(now + timedelta(hours=20))
    resp = api.get(f"/api/sync/day?start={start}&end={end}".replace("+", "%2B"))
    assert resp.status_code == 200, resp.get_json()
    changes = resp.get_json()["changes"]
    orders = [c for c in changes if c["entity"] == "order"]
    assert [c["id"] for c in orders] == [today]
    record = orders[0]["record"]
    assert {("customer", record["customer_id"]), ("unit", record["unit_id"])} <= {
        (c["entity"], c["id"]) for c in changes
    }
    # The same record as the pages bring.
    phone = Device(api)
    phone.pull()
    assert phone.rows[("order", today)] == record


def test_day_orders_refuse_a_time_without_zone(app, users):
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    resp = api.get("/api/sync/day?start=2026-01-01T00:00:00&end=2026-01-02T00:00:00Z")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "start"


def _expand(page: dict) -> list[dict]:
    """A `shape=columns` page as the device reads it: records, then removals."""
    changes = []
    for table in page["tables"]:
        for i, key in enumerate(table["id"]):
            record = {f: table["values"][n][i] for n, f in enumerate(table["fields"])}
            changes.append({"entity": table["entity"], "id": key, "seq": table["seq"][i], "record": record})
    return changes + page["removals"]


def test_a_page_column_by_column_holds_the_same_changes_and_is_smaller(app, users):
    make_catalogue(app)
    orders = [make_order(app, users["eng1"]) for _ in range(20)]
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    rows = api.get("/api/sync/pull?since=0&limit=5000").get_json()
    update_order(app, orders[0], assignee_id=users["eng2"])  # a removal in the next page
    update_order(app, orders[1], priority="urgent")
    for since in (0, rows["cursor"]):
        url = f"/api/sync/pull?since={since}&limit=5000"
        plain = api.get(url).get_json()
        columns = api.get(url + "&shape=columns").get_json()
        assert "changes" not in columns
        key = lambda c: (c["entity"], c["id"], c["seq"])  # noqa: E731
        assert sorted(_expand(columns), key=key) == sorted(plain["changes"], key=key)
        assert columns["cursor"] == plain["cursor"] and columns["has_more"] == plain["has_more"]
    assert any(c.get("removed") for c in columns["removals"])
    big = api.get("/api/sync/pull?since=0&limit=5000", headers={"Accept-Encoding": "br"})
    small = api.get("/api/sync/pull?since=0&limit=5000&shape=columns", headers={"Accept-Encoding": "br"})
    assert len(small.data) < len(big.data)


def test_an_unknown_shape_is_refused_naming_the_field(app, users):
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    resp = api.get("/api/sync/pull?since=0&shape=rows")
    assert resp.status_code == 422
    assert "shape" in str(resp.get_json()["error"])


def test_a_small_first_page_leaves_its_window_to_be_finished_P31(app, users):
    orders = [make_order(app, users["eng1"]) for _ in range(6)]
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    first = api.get("/api/sync/pull?since=0&limit=2&plan=true&window=9").get_json()
    assert len(first["changes"]) == 2 and first["has_more"] is True
    rows = {c["id"] for c in first["changes"] if c["entity"] == "order"}
    since = first["cursor"]
    for until in first["plan"]:
        page = api.get(f"/api/sync/pull?since={since}&until={until}&limit=100&first=true").get_json()
        rows |= {c["id"] for c in page["changes"] if c["entity"] == "order"}
        since = page["cursor"]
    assert rows == set(orders) and page["has_more"] is False


def test_the_plan_cuts_windows_of_window_items_not_of_limit_P31(app, users):
    for _ in range(12):
        make_order(app, users["eng1"])
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    first = api.get("/api/sync/pull?since=0&limit=2&plan=true&window=9").get_json()
    bounds = [first["cursor"], *first["plan"]]
    total = len(api.get("/api/sync/pull?since=0&limit=5000").get_json()["changes"])
    windows = list(zip(bounds, bounds[1:], strict=False))
    sizes = []
    for since, until in windows:
        page = api.get(f"/api/sync/pull?since={since}&until={until}&limit=5000&first=true").get_json()
        sizes.append(len(page["changes"]))
    assert all(0 < n <= 9 for n in sizes), sizes
    assert sum(sizes) + len(first["changes"]) == total
    assert len(windows) < (total - 2) / 2  # windows of `limit` (2) items would be this many


def test_adjacent_windows_fetched_as_one_run_give_what_each_gives_P31(app, users):
    orders = [make_order(app, users["eng1"]) for _ in range(12)]
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    first = api.get("/api/sync/pull?since=0&limit=2&plan=true&window=4").get_json()
    bounds = [first["cursor"], *first["plan"]]
    assert len(bounds) >= 4

    def rows(since: int, until: int) -> dict:
        page = api.get(f"/api/sync/pull?since={since}&until={until}&limit=5000&first=true").get_json()
        assert page["cursor"] == until
        return {(c["entity"], c["id"]): c["record"] for c in page["changes"]}

    one_by_one = {**rows(bounds[0], bounds[1]), **rows(bounds[1], bounds[2]), **rows(bounds[2], bounds[3])}
    assert rows(bounds[0], bounds[3]) == one_by_one
    orders_seen = {key for key in one_by_one if key[0] == "order"}
    assert orders_seen <= {("order", o) for o in orders}


def _lines(body: bytes) -> list[dict]:
    assert body.endswith(b"\n")
    return [orjson.loads(line) for line in body.split(b"\n") if line]


def test_a_streamed_pull_is_every_page_in_one_answer_as_paging_gives_P35(app, users):
    make_catalogue(app)
    orders = [make_order(app, users["eng1"]) for _ in range(9)]
    make_order(app, users["eng2"])
    update_order(app, orders[0], priority="urgent")
    paged = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    paged.pull(limit=4)
    api = sign_in(app, "eng1", device_id="eng1-phone-0002")
    resp = api.get("/api/sync/pull?since=0&limit=4&stream=true", headers={"Accept-Encoding": "identity"})
    assert resp.status_code == 200
    assert resp.mimetype == "application/x-ndjson" and "Content-Encoding" not in resp.headers
    pages = _lines(resp.data)
    assert len(pages) >= 3
    assert pages[0]["orders"] == 9 and "server_time" in pages[0]
    cursors = [p["cursor"] for p in pages]
    assert cursors == sorted(set(cursors))
    assert [p["last"] for p in pages] == [False] * (len(pages) - 1) + [True]
    assert all(p["has_more"] for p in pages[:-1]) and pages[-1]["has_more"] is False
    rows = {}
    since = 0
    for page in pages:
        assert all(since < c["seq"] <= page["cursor"] for c in page["changes"])
        assert len(page["changes"]) <= 4
        rows.update({(c["entity"], c["id"]): c["record"] for c in page["changes"]})
        since = page["cursor"]
    assert rows == paged.rows
    assert api.get(f"/api/sync/pull?since={cursors[-1]}").get_json()["changes"] == []


def test_a_streamed_pull_is_compressed_page_by_page_and_reads_the_same_P35(app, users):
    make_catalogue(app)
    for _ in range(30):
        make_order(app, users["eng1"])
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    url = "/api/sync/pull?since=0&limit=20&stream=true&shape=columns"
    plain = _lines(api.get(url, headers={"Accept-Encoding": "identity"}).data)
    plain[0].pop("server_time")
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        resp = api.get(url, headers={"Accept-Encoding": f"{encoding}, identity"})
        assert resp.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in resp.headers["Vary"]
        pages = _lines(decode(resp.data))
        pages[0].pop("server_time")
        assert pages == plain
        assert len(resp.data) * 3 < sum(len(orjson.dumps(p)) for p in plain)
    # Each page is flushed as it is read: the first arrives decodable on its own.
    resp = api.get(url, headers={"Accept-Encoding": "br"}, buffered=False)
    chunks = iter(resp.response)
    first = brotli.Decompressor().process(next(chunks))
    assert orjson.loads(first.split(b"\n")[0])["cursor"] == plain[0]["cursor"]
    resp.close()


def test_a_change_during_a_stream_comes_in_the_pull_after_it_P35(app, users):
    orders = [make_order(app, users["eng1"]) for _ in range(6)]
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    resp = api.get(
        "/api/sync/pull?since=0&limit=3&stream=true", headers={"Accept-Encoding": "identity"}, buffered=False
    )
    chunks = iter(resp.response)
    pages = [orjson.loads(next(chunks))]
    update_order(app, orders[0], priority="urgent")  # past the number the stream reads up to
    pages += [orjson.loads(chunk) for chunk in chunks]
    resp.close()
    assert pages[-1]["last"] is True and pages[-1]["has_more"] is True
    rows = {}
    for page in pages:
        rows.update({c["id"]: c["record"] for c in page["changes"] if c["entity"] == "order"})
    tail = api.get(f"/api/sync/pull?since={pages[-1]['cursor']}").get_json()
    rows.update({c["id"]: c["record"] for c in tail["changes"] if c["entity"] == "order"})
    assert set(rows) == set(orders)
    assert rows[orders[0]]["priority"] == "urgent"


def test_a_stream_is_not_asked_with_a_plan_or_a_window(app, users):
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    for extra in ("plan=true", "until=5", "first=true"):
        resp = api.get(f"/api/sync/pull?since=0&stream=true&{extra}")
        assert resp.status_code == 422
        assert resp.get_json()["error"]["field"] == "stream"
