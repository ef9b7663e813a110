"""What compressing a first sync's pull pages costs the server, and what it saves on the wire.

The app (SQLite, in-process) holds 2,000 orders of one engineer, each with its own customer and
unit. The first sync's pages (a plan of 1,000-item windows, as the phone asks) are built and
encoded as the endpoint does; then each page body is compressed as flask-compress would for
`gzip` (level 6) and `br` (quality 4, the setting used; 5 and 1 beside it), for the plain
`changes` shape and for `shape=columns`. The anchor is the server's own work for the same pages
(query, records, JSON encoding): the compression's CPU is printed as a share of it, and the
bytes beside the uncompressed ones. Median of 5 rounds. Last line:
    pull_compression: br4 columns <KiB> (<x> of plain JSON), CPU <r> of building the pages ...
"""

from __future__ import annotations

import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import brotli
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROUNDS = 5
OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
CODECS = {
    "gzip 6": lambda b: gzip.compress(b, 6),
    "br 1": lambda b: brotli.compress(b, quality=1),
    "br 4": lambda b: brotli.compress(b, quality=4),
    "br 5": lambda b: brotli.compress(b, quality=5),
}


def build(app: Any, user_id: int) -> tuple[float, list[bytes], list[bytes]]:
    """The first sync's pages as the endpoint builds them: ms, bodies (changes), bodies (columns)."""
    from server.extensions import db
    from server.sync.pull import as_columns, plan, pull

    with app.app_context():
        started = time.perf_counter()
        bounds = plan(db.session, user_id=user_id, staff=False, since=0, per_page=1000, first=True)
        pages = []
        since = 0
        for until in bounds:
            pages.append(
                pull(db.session, user_id=user_id, staff=False, since=since, limit=10_000, until=until)
            )
            since = until
        plain = [orjson.dumps(p, option=OPTIONS) for p in pages]
        took = (time.perf_counter() - started) * 1000
        columns = [orjson.dumps(as_columns(p), option=OPTIONS) for p in pages]
    return took, plain, columns


def main() -> None:
    from bench.pwa_initial_sync import seed
    from server import create_app
    from server.extensions import db

    tmp = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
            "BLOB_DIR": str(tmp / "blobs"),
        }
    )
    with app.app_context():
        db.create_all()
    users = seed(app)
    build_ms: list[float] = []
    cpu: dict[tuple[str, str], list[float]] = {}
    size: dict[tuple[str, str], int] = {}
    raw: dict[str, int] = {}
    for _ in range(ROUNDS + 1):
        took, plain, columns = build(app, users["eng"])
        build_ms.append(took)
        for shape, bodies in (("changes", plain), ("columns", columns)):
            raw[shape] = sum(len(b) for b in bodies)
            for name, codec in CODECS.items():
                started = time.perf_counter()
                out = [codec(b) for b in bodies]
                cpu.setdefault((shape, name), []).append((time.perf_counter() - started) * 1000)
                size[(shape, name)] = sum(len(b) for b in out)
    base = statistics.median(build_ms[1:])
    print(
        f"building the pages: {base:.0f} ms; plain JSON: changes {raw['changes'] / 1024:.0f} KiB, "
        f"columns {raw['columns'] / 1024:.0f} KiB"
    )
    print("| shape | codec | KiB | of plain changes | CPU ms | of building |")
    print("|---|---|---|---|---|---|")
    for (shape, name), times in cpu.items():
        ms = statistics.median(times[1:])
        kib = size[(shape, name)] / 1024
        print(
            f"| {shape} | {name} | {kib:.0f} | {size[(shape, name)] / raw['changes']:.3f} | {ms:.1f} | "
            f"{ms / base:.2f} |"
        )
    chosen = ("columns", "br 4")
    ms = statistics.median(cpu[chosen][1:])
    of_plain = size[chosen] / raw["changes"]
    of_gzip = size[chosen] / size[("changes", "gzip 6")]
    print(
        f"pull_compression: br4 columns {size[chosen] / 1024:.0f} KiB ({of_plain:.3f} of plain JSON, "
        f"{of_gzip:.2f} of gzip'd changes), CPU {ms:.0f} ms = {ms / base:.2f} of building the pages "
        "(report only)"
    )


if __name__ == "__main__":
    main()
