"""Benchmark: the engineer's first sync, an incremental sync and a visit's push, in headless
Chromium, beside PouchDB doing the same in the same browser and run, and beside the floors.

The app: gunicorn (server/gunicorn_conf.py as deployed: gthread workers whose threads also hold
the phones' live-channel streams; 2 workers) over SQLite holding 2,000 orders of one
engineer (`eng`) and 60 of another (`day`, a realistic day), each order with its own customer and
unit, plus the catalogue. A fresh browser profile signs in and runs its first sync; measured from
the sign-in tap: the first order card on screen ("usable"), the end of the sync
(`performance.measure("onsite:sync")`), and the bytes the page received (CDP
`Network.loadingFinished`). Then 50 orders change on the server and the phone syncs again
("incremental"), and one visit's mutations are pushed with the pull that follows them ("push").

The peer: PouchDB (npm `pouchdb-browser`, its IndexedDB adapter) in the same browser, replicating
from pouchdb-server (npm, `--in-memory`) a database of the same content: one document per order
holding that order's, its customer's and its unit's records as the app receives them. Its
incremental sync replicates 50 changed documents; its push replicates one document holding the
same visit's fields.

Floors, in the same page and run: the app's stored records bulk-written from memory into a fresh
IndexedDB database of the app's layout in one transaction (the browser's limit), and the same
pull URLs the app fetched, fetched again side by side with their bodies read (the network's).

Profiles (CDP `Network.emulateNetworkConditions`): loopback, 3G-like (1.6 Mbit/s down,
750 kbit/s up, 150 ms) and weak (400 kbit/s, 400 ms). Loopback runs RUNS times (medians) after
a warm-up; the throttled profiles run once. `BENCH_SHORT=1` (make bench) runs loopback and 3G
only, with fewer runs. The last line holds the targets' ratios.

`BENCH_PROFILES=loopback,3g` picks profiles; `BENCH_TRACE=1` prints each run's pull requests and
store writes (the PWA's `onsite:pull-fetch` and `onsite:pull-store` measures) from the sign-in
tap; `BENCH_APP_PORT` and `BENCH_POUCH_PORT` pin the two servers' ports.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHORT = os.environ.get("BENCH_SHORT") == "1"
TRACE = os.environ.get("BENCH_TRACE") == "1"  # print each run's pull requests and store writes
BIG, DAY, CHANGED = int(os.environ.get("BENCH_ORDERS", "2000")), 60, 50
RUNS = 2 if SHORT else 5
PROFILES = {
    "loopback": None,
    "3g": {"latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8},
    "weak": {"latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8},
}
if SHORT:
    del PROFILES["weak"]
# BENCH_PROFILES=loopback,3g picks profiles (a partial run prints no targets line).
if os.environ.get("BENCH_PROFILES"):
    PROFILES = {k: v for k, v in PROFILES.items() if k in os.environ["BENCH_PROFILES"].split(",")}

WATCH_JS = """
() => {
  window.__bench = {};
  document.addEventListener("submit", () => { window.__bench.signIn = performance.now(); }, true);
  new MutationObserver((_, observer) => {
    if (document.querySelector(".order-card")) {
      window.__bench.usable = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
}
"""

SYNCS_JS = "() => performance.getEntriesByName('onsite:sync').length"
IDLE_JS = "() => document.querySelector('#sync-progress')?.hidden !== false"

SYNC_END_JS = """
(n) => {
  const e = performance.getEntriesByName("onsite:sync");
  return e.length >= n ? { end: e[n - 1].startTime + e[n - 1].duration, ms: e[n - 1].duration } : null;
}
"""

IDB_FLOOR_JS = """
async ({ name }) => {
  const open = (n, upgrade) => new Promise((ok, fail) => {
    const r = indexedDB.open(n, 1);
    r.onupgradeneeded = () => upgrade && upgrade(r.result);
    r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error);
  });
  const app = await open("onsite");
  const rows = await new Promise((ok) => {
    const q = app.transaction("records").objectStore("records").getAll();
    q.onsuccess = () => ok(q.result);
  });
  app.close();
  const db = await open(name, (d) => {
    const s = d.createObjectStore("records", { keyPath: "key" });
    s.createIndex("entity", "entity");
    s.createIndex("order", "order_id");
  });
  const t0 = performance.now();
  const tx = db.transaction("records", "readwrite");
  const store = tx.objectStore("records");
  for (const r of rows) store.put(r);
  await new Promise((ok, fail) => { tx.oncomplete = ok; tx.onerror = () => fail(tx.error); });
  const ms = performance.now() - t0;
  db.close();
  return { ms, count: rows.length };
}
"""

NET_FLOOR_JS = """
async ({ urls, deviceId }) => {
  const t0 = performance.now();
  let bytes = 0;
  await Promise.all(urls.map(async (u) => {
    const r = await fetch(u,
      { headers: { "X-Device-Id": deviceId }, credentials: "same-origin", cache: "no-store" });
    bytes += (await r.arrayBuffer()).byteLength;
  }));
  return { ms: performance.now() - t0, bytes };
}
"""

DEVICE_JS = """
async () => {
  const db = await new Promise((ok) => {
    const r = indexedDB.open("onsite"); r.onsuccess = () => ok(r.result);
  });
  const get = (k) => new Promise((ok) => {
    const q = db.transaction("meta").objectStore("meta").get(k); q.onsuccess = () => ok(q.result);
  });
  const out = { device: await get("device_id"), counter: (await get("mutation_counter")) || 0 };
  db.close();
  return out;
}
"""

PUSH_JS = """
async ({ deviceId, mutations }) => {
  const session = await (await fetch("/api/auth/session", { credentials: "same-origin" })).json();
  const headers = { "Content-Type": "application/json", "X-Device-Id": deviceId,
    "X-CSRF-Token": session.csrf_token };
  const db = await new Promise((ok) => {
    const r = indexedDB.open("onsite"); r.onsuccess = () => ok(r.result);
  });
  const cursor = await new Promise((ok) => {
    const q = db.transaction("meta").objectStore("meta").get("cursor"); q.onsuccess = () => ok(q.result);
  });
  for (const m of mutations.filter((x) => x.op === "update")) {
    const row = await new Promise((ok) => {
      const q = db.transaction("records").objectStore("records").get(`${m.entity}:${m.entity_id}`);
      q.onsuccess = () => ok(q.result);
    });
    m.base_version = row.record.version;
  }
  db.close();
  const t0 = performance.now();
  const answer = await (await fetch("/api/sync/push", { method: "POST", headers, credentials: "same-origin",
    body: JSON.stringify({ device_time: new Date().toISOString(), mutations }) })).json();
  const page = await (await fetch(`/api/sync/pull?since=${cursor}&limit=500`,
    { headers: { "X-Device-Id": deviceId }, credentials: "same-origin" })).json();
  const ms = performance.now() - t0;
  const outcomes = answer.results.map((r) => r.outcome);
  return { ms, outcomes, pulled: page.changes.length };
}
"""

POUCH_FIRST_JS = """
async ({ remote, name }) => {
  const local = new PouchDB(name);
  const t0 = performance.now();
  let first = null;
  await new Promise((ok, fail) => {
    PouchDB.replicate(remote, local, { batch_size: 100 })
      .on("change", () => { if (first === null) first = performance.now() - t0; })
      .on("complete", ok).on("error", fail);
  });
  const ms = performance.now() - t0;
  const info = await local.info();
  return { ms, first, count: info.doc_count };
}
"""

POUCH_AGAIN_JS = """
async ({ remote, name }) => {
  const local = new PouchDB(name);
  const t0 = performance.now();
  const result = await PouchDB.replicate(remote, local, { batch_size: 100 });
  return { ms: performance.now() - t0, written: result.docs_written };
}
"""

POUCH_PUSH_JS = """
async ({ remote, name, id, visit }) => {
  const local = new PouchDB(name);
  const doc = await local.get(id);
  doc.visit = visit;
  await local.put(doc);
  const t0 = performance.now();
  const result = await PouchDB.replicate(local, remote);
  return { ms: performance.now() - t0, written: result.docs_written };
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def seed(app: Any) -> dict[str, int]:
    from server.extensions import db
    from server.models import Customer, Role, ServiceOrder, Unit, User
    from tests.e2e.pwa_seed import seed_visit

    seed_visit(app)
    now = datetime.now(UTC)
    with app.app_context():
        day = User(username="day", display_name="Wang Lei", role=Role.ENGINEER, badge_no="B-day")
        day.set_password("pw")
        db.session.add(day)
        eng = db.session.scalars(db.select(User).where(User.username == "eng")).one()
        db.session.flush()
        ids = {"eng": eng.id, "day": day.id}
        plan = [(eng.id, i, now + timedelta(minutes=i)) for i in range(BIG - 2)]
        plan += [(day.id, BIG + i, now + timedelta(minutes=8 * i)) for i in range(DAY)]
        for n, (user_id, i, at) in enumerate(plan):
            customer = Customer(
                name=f"客户 {i}", phones=[f"139{i:08d}"], address=f"上海市 {i} 号", city="上海"
            )
            db.session.add(customer)
            db.session.flush()
            unit = Unit(
                customer_id=customer.id,
                brand="Midea",
                category="washing_machine",
                model=f"M{i}",
                serial=f"S{i}",
            )
            db.session.add(unit)
            db.session.flush()
            db.session.add(
                ServiceOrder(
                    number=f"SO-B-{i:06d}",
                    customer_id=customer.id,
                    unit_id=unit.id,
                    status="assigned",
                    assignee_id=user_id,
                    symptom="不排水",
                    service_address=customer.address,
                    reported_at=now - timedelta(hours=1),
                    appointment_start=at,
                )
            )
            if n % 500 == 0:
                db.session.commit()
        db.session.commit()
    return ids


def pouch_docs(app: Any, user_id: int) -> list[dict[str, Any]]:
    """One document per order: its record, its customer's and its unit's, as the app gets them."""
    import orjson

    from server.extensions import db
    from server.sync.pull import pull

    with app.app_context():
        page = pull(db.session, user_id=user_id, staff=False, since=0, limit=10_000)
        rows = orjson.loads(orjson.dumps(page["changes"], option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC))
    by = {(c["entity"], c["id"]): c["record"] for c in rows}
    return [
        {
            "_id": r["id"],
            "order": r,
            "customer": by.get(("customer", r["customer_id"])),
            "unit": by.get(("unit", r["unit_id"])),
        }
        for (entity, _), r in by.items()
        if entity == "order"
    ]


def couch(base: str, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def change_orders(app: Any, user_id: int, round_no: int) -> list[str]:
    """50 of the engineer's orders edited by the office: what an incremental sync brings."""
    from server.extensions import db
    from server.models import ServiceOrder

    with app.app_context():
        orders = db.session.scalars(
            db.select(ServiceOrder)
            .where(ServiceOrder.assignee_id == user_id)
            .order_by(ServiceOrder.number)
            .limit(CHANGED)
        ).all()
        for order in orders:
            order.customer_requests = f"请提前电话联系 ({round_no})"
        db.session.commit()
        return [o.id for o in orders]


def change_docs(base: str, db_name: str, ids: list[str], round_no: int) -> None:
    found = couch(base, "POST", f"/{db_name}/_all_docs?include_docs=true", {"keys": ids})
    docs = [row["doc"] for row in found["rows"]]
    for doc in docs:
        doc["order"]["customer_requests"] = f"请提前电话联系 ({round_no})"
    couch(base, "POST", f"/{db_name}/_bulk_docs", {"docs": docs})


def visit_mutations(order_id: str, first_number: int) -> list[dict[str, Any]]:
    """One visit's work (photos excluded): notes and milestones, a part, the diagnosis."""
    import uuid

    at = datetime.now(UTC)
    out: list[dict[str, Any]] = []
    events = ["note"] * 7
    for kind in events:
        out.append(
            {
                "entity": "timeline_event",
                "entity_id": str(uuid.uuid4()),
                "op": "create",
                "base_version": None,
                "fields": {"order_id": order_id, "kind": kind, "at": at.isoformat(), "data": {"text": kind}},
            }
        )
    out.append(
        {
            "entity": "part_used",
            "entity_id": str(uuid.uuid4()),
            "op": "create",
            "base_version": None,
            "fields": {"order_id": order_id, "part_code": "DRAIN-PUMP-01", "qty": 1},
        }
    )
    out.append(
        {
            "entity": "order",
            "entity_id": order_id,
            "op": "update",
            "base_version": None,
            "fields": {"diagnosis": "排水泵堵塞，已更换", "checklist": {"drain_cleaned": True}},
        }
    )
    for i, m in enumerate(out):
        m["id"] = str(uuid.uuid4())
        m["number"] = first_number + i
        m["device_time"] = at.isoformat()
    return out


class Meter:
    """Bytes a page receives and sends, read from CDP Network events."""

    def __init__(self, cdp: Any) -> None:
        self.finished: dict[str, int] = {}
        self.received: dict[str, int] = {}
        self.up = 0
        self.urls: list[str] = []
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.dataReceived", self._received)
        cdp.on("Network.requestWillBeSent", self._sent)

    @property
    def down(self) -> int:
        # A streamed answer's loadingFinished may not count its body: the chunks received do.
        keys = self.finished.keys() | self.received.keys()
        return sum(max(self.finished.get(k, 0), self.received.get(k, 0)) for k in keys)

    def _finished(self, event: dict[str, Any]) -> None:
        self.finished[event["requestId"]] = int(event.get("encodedDataLength", 0))

    def _received(self, event: dict[str, Any]) -> None:
        key = event["requestId"]
        self.received[key] = self.received.get(key, 0) + int(event.get("encodedDataLength", 0))

    def _sent(self, event: dict[str, Any]) -> None:
        request = event["request"]
        self.up += len(request.get("postData", "") or "") + len(request["url"]) + 200
        self.urls.append(request["url"])

    def reset(self) -> None:
        self.finished, self.received = {}, {}
        self.up = 0
        self.urls = []


def throttled(context: Any, page: Any, profile: dict[str, float] | None) -> tuple[Any, Meter]:
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if profile:
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **profile})
    return cdp, Meter(cdp)


TRACE_JS = """
() => performance.getEntriesByType("measure").filter((e) => e.name.startsWith("onsite:"))
  .map((e) => ({ name: e.name, start: e.startTime, ms: e.duration, detail: e.detail }))
"""


def print_trace(page: Any, since: float, after: float = 0) -> None:
    for entry in page.evaluate(TRACE_JS):
        if entry["start"] < after:
            continue
        print(
            f"  {entry['start'] - since:7.0f} +{entry['ms']:6.0f} ms {entry['name']} {entry['detail'] or ''}",
            flush=True,
        )


def app_run(
    browser: Any, url: str, user: str, profile: Any, follow_up: dict[str, Any] | None
) -> dict[str, Any]:
    from tests.e2e.conftest import PHONE
    from tests.e2e.pwa_flow import wait_js

    context = browser.new_context(base_url=url, locale="en-US", service_workers="block", **PHONE)
    page = context.new_page()
    page.goto("/")
    page.wait_for_selector("input[name=username]")
    page.evaluate(WATCH_JS)
    _, meter = throttled(context, page, profile)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "pw")
    page.click("form.login button[type=submit]")
    end = None
    for _ in range(6000):
        end = page.evaluate(SYNC_END_JS, 1)
        if end is not None:
            break
        page.wait_for_timeout(50)
    assert end is not None, "the first sync did not end"
    # The list drawn whole after the sync (a first sync shows the day's orders before it ends).
    wait_js(
        page,
        f"document.querySelectorAll('.order-card').length >= {follow_up['size'] if follow_up else DAY}",
        120_000,
    )
    marks = page.evaluate("() => window.__bench")
    if TRACE:
        print_trace(page, marks["signIn"])
    out: dict[str, Any] = {
        "usable": marks["usable"] - marks["signIn"],
        "done": end["ms"],  # the sync itself, as PouchDB's replication is timed
        "signed_in_done": end["end"] - marks["signIn"],
        "bytes": meter.down,
    }
    urls = [u for u in meter.urls if "/api/sync/pull" in u or "/api/sync/day" in u]
    info = page.evaluate(DEVICE_JS)
    out["records"] = page.evaluate("() => document.querySelectorAll('.order-card').length")
    out["net_floor"] = page.evaluate(NET_FLOOR_JS, {"urls": urls, "deviceId": info["device"]})
    if profile is None:
        out["idb_floor"] = page.evaluate(IDB_FLOOR_JS, {"name": f"floor-{time.monotonic_ns()}"})
    if follow_up:
        # The syncs the app starts by itself after the first one (its live channel connecting)
        # run to their end first: the tap below must start a sync of its own, not join one.
        settled = page.evaluate(SYNCS_JS)
        for _ in range(600):
            page.wait_for_timeout(300)
            now = page.evaluate(SYNCS_JS)
            if now == settled and page.evaluate(IDLE_JS):
                break
            settled = now
        follow_up["change"]()
        meter.reset()
        page.click("text=Sync now")
        second = None
        for _ in range(6000):
            second = page.evaluate(SYNC_END_JS, settled + 1)
            if second is not None:
                break
            page.wait_for_timeout(20)
        entries = page.evaluate("() => performance.getEntriesByName('onsite:sync').map((e) => e.duration)")
        if TRACE:
            print_trace(page, marks["signIn"], after=end["end"])
        out["incremental"] = {"ms": entries[settled], "bytes": meter.down + meter.up}
        meter.reset()
        mutations = visit_mutations(follow_up["order_id"], info["counter"] + 1)
        pushed = page.evaluate(PUSH_JS, {"deviceId": info["device"], "mutations": mutations})
        assert set(pushed["outcomes"]) <= {"applied", "merged"}, pushed
        out["push"] = {"ms": pushed["ms"], "bytes": meter.down + meter.up}
    context.close()
    return out


def pouch_run(
    browser: Any, base: str, db_name: str, script: Path, profile: Any, follow_up: dict[str, Any] | None
) -> dict[str, Any]:
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/")
    page.add_script_tag(path=str(script))
    page.evaluate("() => { window.PouchDB = PouchDBModule.default; }")
    _, meter = throttled(context, page, profile)
    name = f"local-{time.monotonic_ns()}"
    remote = f"{base}/{db_name}"
    first = page.evaluate(POUCH_FIRST_JS, {"remote": remote, "name": name})
    out: dict[str, Any] = {
        "usable": first["first"],
        "done": first["ms"],
        "bytes": meter.down,
        "records": first["count"],
    }
    if follow_up:
        follow_up["change"]()
        meter.reset()
        again = page.evaluate(POUCH_AGAIN_JS, {"remote": remote, "name": name})
        assert again["written"] == CHANGED, again
        out["incremental"] = {"ms": again["ms"], "bytes": meter.down + meter.up}
        meter.reset()
        visit = [m["fields"] for m in visit_mutations(follow_up["order_id"], 1)]
        pushed = page.evaluate(
            POUCH_PUSH_JS, {"remote": remote, "name": name, "id": follow_up["order_id"], "visit": visit}
        )
        out["push"] = {"ms": pushed["ms"], "bytes": meter.down + meter.up}
    context.close()
    return out


def start_gunicorn(db_uri: str, tmp: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": db_uri,
        "SECRET_KEY": "bench",
        "SESSION_COOKIE_SECURE": "0",
        "ONSITE_INSTANCE": str(tmp / "instance"),
        "BLOB_DIR": str(tmp / "blobs"),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "-c",
            "python:server.gunicorn_conf",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "server:create_app()",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    wait_port(port)
    return process


def start_pouchdb_server(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    folder = tmp / "pouchdb"
    folder.mkdir()
    process = subprocess.Popen(
        [str(ROOT / "node_modules/.bin/pouchdb-server"), "--in-memory", "--port", str(port), "-n"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_port(port)
    return process


def med(rows: list[dict[str, Any]], *path: str) -> float:
    values = []
    for row in rows:
        value: Any = row
        for key in path:
            value = value[key]
        values.append(float(value))
    return statistics.median(values)


def main() -> None:
    from playwright.sync_api import sync_playwright

    from server import create_app
    from server.extensions import db
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    tmp = Path(tempfile.mkdtemp())
    uri = f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": uri,
            "BLOB_DIR": str(tmp / "blobs"),
        }
    )
    with app.app_context():
        db.create_all()
    users = seed(app)
    script = tmp / "pouchdb.js"
    subprocess.run(
        [
            str(ROOT / "node_modules/.bin/esbuild"),
            str(ROOT / "node_modules/pouchdb-browser/lib/index.es.js"),
            "--bundle",
            "--format=iife",
            "--global-name=PouchDBModule",
            "--define:global=window",
            "--log-level=warning",
            f"--outfile={script}",
        ],
        check=True,
    )
    # BENCH_APP_PORT / BENCH_POUCH_PORT pin the ports where free ones are handed out by range.
    app_port = int(os.environ.get("BENCH_APP_PORT") or free_port())
    pouch_port = int(os.environ.get("BENCH_POUCH_PORT") or free_port())
    server = start_gunicorn(uri, tmp, app_port)
    pouch = start_pouchdb_server(tmp, pouch_port)
    base = f"http://127.0.0.1:{pouch_port}"
    docs = {"eng": pouch_docs(app, users["eng"]), "day": pouch_docs(app, users["day"])}
    for user, rows in docs.items():
        couch(base, "PUT", f"/orders-{user}")
        for i in range(0, len(rows), 500):
            couch(base, "POST", f"/orders-{user}/_bulk_docs", {"docs": rows[i : i + 500]})
    results: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
    round_no = [0]

    def follow_up_for(side: str) -> dict[str, Any]:
        round_no[0] += 1
        n = round_no[0]
        target = docs["eng"][0]["_id"]
        if side == "app":
            return {"order_id": target, "size": BIG, "change": lambda: change_orders(app, users["eng"], n)}
        ids = [d["_id"] for d in sorted(docs["eng"], key=lambda d: d["order"]["number"])[:CHANGED]]
        return {"order_id": target, "change": lambda: change_docs(base, "orders-eng", ids, n)}

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for profile_name, profile in PROFILES.items():
                for user, size in (("day", DAY), ("eng", BIG)):
                    runs = RUNS + 1 if profile is None else 1
                    cell = results.setdefault((profile_name, user), {"app": [], "pouch": []})
                    for run in range(runs):
                        follow = user == "eng"
                        mine = app_run(
                            browser,
                            f"http://127.0.0.1:{app_port}",
                            user,
                            profile,
                            follow_up_for("app") if follow else None,
                        )
                        theirs = pouch_run(
                            browser,
                            base,
                            f"orders-{user}",
                            script,
                            profile,
                            follow_up_for("pouch") if follow else None,
                        )
                        assert mine["records"] >= size and theirs["records"] == len(docs[user]), (
                            mine,
                            theirs,
                        )
                        print(
                            f"{profile_name} {size} run {run}: app usable {mine['usable']:.0f} done "
                            f"{mine['done']:.0f} ms {mine['bytes'] / 1024:.0f} KiB; pouchdb "
                            f"{theirs['done']:.0f} ms {theirs['bytes'] / 1024:.0f} KiB",
                            flush=True,
                        )
                        if profile is None and run == 0:
                            continue  # the first pair warms the servers and the browser
                        cell["app"].append(mine)
                        cell["pouch"].append(theirs)
            browser.close()
    finally:
        for process in (server, pouch):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (server, pouch):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:  # a worker still inside a request
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    report(results)


def report(results: dict[tuple[str, str], dict[str, list[dict[str, Any]]]]) -> None:
    print()
    print("| profile | orders | step | app | PouchDB | ratio | app KiB | PouchDB KiB | bytes ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (profile, user), cell in results.items():
        size = BIG if user == "eng" else DAY
        a, p = cell["app"], cell["pouch"]
        rows: list[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...] | None]] = [
            ("list usable from sign-in", ("usable",), ("usable",), None),
            ("first sync", ("done",), ("done",), ("bytes",)),
            ("done from sign-in", ("signed_in_done",), ("done",), None),
        ]
        if user == "eng":
            rows += [
                (
                    "incremental (50 changed)",
                    ("incremental", "ms"),
                    ("incremental", "ms"),
                    ("incremental", "bytes"),
                ),
                ("push one visit", ("push", "ms"), ("push", "ms"), ("push", "bytes")),
            ]
        for label, key, peer_key, byte_key in rows:
            am, pm = med(a, *key), med(p, *peer_key)
            line = f"| {profile} | {size} | {label} | {am:.0f} ms | {pm:.0f} ms | {am / pm:.2f} |"
            if byte_key:
                ab, pb = med(a, *byte_key) / 1024, med(p, *byte_key) / 1024
                line += f" {ab:.0f} | {pb:.0f} | {ab / pb:.2f} |"
            else:
                line += " | | |"
            print(line)
        net = med(a, "net_floor", "ms")
        done = med(a, "done")
        print(
            f"| {profile} | {size} | network floor (same bytes) | {net:.0f} ms | | "
            f"app/floor {done / net:.2f} | | | |"
        )
        if profile == "loopback":
            idb = med(a, "idb_floor", "ms")
            print(
                f"| {profile} | {size} | IndexedDB floor (bulk write) | {idb:.0f} ms | | "
                f"app/floor {done / idb:.2f} | | | |"
            )
    big = results.get(("loopback", "eng"))
    if big is None:
        return
    done = med(big["app"], "done")
    parts = [
        f"2000 orders {done:.0f} ms = {done / med(big['pouch'], 'done'):.2f}x PouchDB (target <= 0.5)",
        f"{done / med(big['app'], 'idb_floor', 'ms'):.2f}x IndexedDB floor (target <= 1.5)",
        "incremental "
        f"{med(big['app'], 'incremental', 'ms') / med(big['pouch'], 'incremental', 'ms'):.2f}x PouchDB"
        " (target <= 1)",
    ]
    g3, day3 = results.get(("3g", "eng")), results.get(("3g", "day"))
    if g3 and day3:
        parts += [
            f"3G 60 orders usable {med(day3['app'], 'usable'):.0f} ms from sign-in (target < 3000)",
            f"3G 2000 {med(g3['app'], 'done') / med(g3['pouch'], 'done'):.2f}x PouchDB time (target <= 0.5)",
            f"{med(g3['app'], 'bytes') / med(g3['pouch'], 'bytes'):.2f}x its bytes (target <= 0.5)",
        ]
    print("pwa_initial_sync: " + ", ".join(parts))


if __name__ == "__main__":
    main()
