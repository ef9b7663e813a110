"""Fixtures: an app on a fresh database (SQLite file, or PostgreSQL through DATABASE_URL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import create_app
from server.extensions import db
from server.models import Role, User


def database_url(tmp_path: Any) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path}/test.sqlite3"


@pytest.fixture
def app(tmp_path: Any) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "SESSION_COOKIE_SECURE": False,
            "BLOB_DIR": str(tmp_path / "blobs"),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def make_user(app: Flask, username: str, role: str = Role.ENGINEER, password: str = "pw") -> int:
    with app.app_context():
        user = User(username=username, display_name=username.title(), role=role)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


class ApiClient:
    """A signed-in test client that sends the CSRF token (and a device id) with every write."""

    def __init__(self, client: FlaskClient, csrf: str, device_id: str | None = None) -> None:
        self.client = client
        self.csrf = csrf
        self.device_id = device_id

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"X-CSRF-Token": self.csrf}
        if self.device_id:
            headers["X-Device-Id"] = self.device_id
        headers.update(extra or {})
        return headers

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.client.put(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, url: str, **kw: Any) -> Any:
        return self.client.patch(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.client.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)


def sign_in(app: Flask, username: str, password: str = "pw", device_id: str | None = None) -> ApiClient:
    client = app.test_client()
    resp = client.post("/api/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.get_json()
    api = ApiClient(client, resp.get_json()["csrf_token"])
    if device_id:
        reg = api.post("/api/auth/devices", json={"device_id": device_id, "name": username})
        assert reg.status_code == 201, reg.get_json()
        api.device_id = device_id
    return api


@pytest.fixture
def users(app: Flask) -> dict[str, int]:
    """A dispatcher, an admin and three engineers, all with password 'pw'."""
    return {
        "dispatcher": make_user(app, "dispatcher", Role.DISPATCHER),
        "admin": make_user(app, "admin", Role.ADMIN),
        "eng1": make_user(app, "eng1"),
        "eng2": make_user(app, "eng2"),
        "eng3": make_user(app, "eng3"),
    }


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: Any) -> Iterator[Any]:
    """One SeaweedFS S3 server for the session (ports 5340-5347), started when a test asks for it."""
    from tests.seaweed import SeaweedS3

    server = SeaweedS3(
        tmp_path_factory.mktemp("seaweed"), base=int(os.environ.get("SEAWEED_PORT_BASE", "5340"))
    )
    server.start()
    yield server
    server.stop()
