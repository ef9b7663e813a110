"""Writes the phone's rule tables (server/domain/tables.py) into the PWA build: `make pwa` runs
`python -m server.pwa_tables pwa/js/generated/tables.js` before bundling."""

from __future__ import annotations

import sys
from pathlib import Path

from server.domain.tables import module_text, tables
from server.sync.entities import DISPATCHER_OWNED

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "pwa" / "js" / "generated" / "tables.js"


def write(out: Path = DEFAULT_OUT) -> Path:
    """Write the module when its text changed (the build stays incremental)."""
    owned = {name: sorted(fields) for name, fields in DISPATCHER_OWNED.items()}
    text = module_text(tables(owned))
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.write_text(text, encoding="utf-8")
    return out


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
