"""Onsite: the Flask sync server of the offline-first field-service app."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import orjson
from flask import Flask


def _secret_key(instance_path: str) -> str:
    """A per-installation secret kept in the instance folder, never in the repo."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _json_text(value: Any) -> str:
    return orjson.dumps(
        value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
    ).decode()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, database, auth, API, PWA and commands."""
    from server import cli, db_setup, security
    from server.api import errors
    from server.auth import init_app as init_auth
    from server.config import Config, sqlite_uri
    from server.extensions import db, migrate

    app = Flask(
        __name__, instance_path=os.environ.get("ONSITE_INSTANCE") or None, instance_relative_config=True
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = sqlite_uri(app.instance_path)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
    if not app.config["BLOB_DIR"]:
        app.config["BLOB_DIR"] = str(Path(app.instance_path) / "blobs")

    # JSON columns (timeline data, row history, mutation results) encoded by orjson: a push
    # writes thousands of them, the stdlib encoder was a tenth of its time.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "json_serializer": _json_text,
        "json_deserializer": orjson.loads,
        # A connection the database dropped (PostgreSQL restarted, failed over) is noticed at
        # checkout and replaced, instead of failing the next request with it.
        "pool_pre_ping": not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"),
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }

    import server.models  # noqa: F401  (registers every table)

    db.init_app(app)
    db_setup.init_app(app)
    from server import sync

    sync.init_app(app)  # numbers every change of a synced row (server/sync/sequence.py)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))
    from server.api.openapi import make_api

    api = make_api(app)  # flask-smorest, documenting our error shape and headers
    init_auth(app)
    security.init_app(app)

    from server import api as api_package

    api_package.init_app(app, api)
    errors.init_app(app)  # after the Api, so its JSON shape replaces flask-smorest's
    from server import web

    web.init_app(app)
    cli.init_app(app)
    from server import console, push

    push.init_app(app)
    from server import live

    live.init_app(app)
    console.init_app(app)
    sync.sequence.settle_last()  # the counter is taken after every other commit hook's work
    return app
