"""The live channel: phones with the app open hold a Server-Sent Events stream that says "pull".

`tell` notes whose scope a commit changed and wakes them (PostgreSQL: `pg_notify`, heard by every
server process through `listen`; SQLite: in the process); `hub` holds this process's open streams;
`stream` writes the events; `receipts` records what the phone reports (delivered, seen).
"""

from __future__ import annotations

from flask import Flask

from server.live import tell


def init_app(app: Flask) -> None:
    tell.install()
    app.extensions["live"] = {"postgres": app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")}


def start_listening(app: Flask) -> None:
    """On PostgreSQL, make sure this process hears scope changes from every other process."""
    if not app.extensions.get("live", {}).get("postgres"):
        return
    from sqlalchemy import make_url

    from server.live.listen import ensure_listening, libpq_dsn

    ensure_listening(libpq_dsn(make_url(app.config["SQLALCHEMY_DATABASE_URI"])))
