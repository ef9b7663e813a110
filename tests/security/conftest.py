"""Helpers for security tests: signed-in clients that register and use software passkeys."""

from __future__ import annotations

from typing import Any

from tests.conftest import ApiClient
from tests.security.authenticator import SoftAuthenticator


def register_passkey(api: ApiClient, authenticator: SoftAuthenticator, name: str = "Phone") -> Any:
    options = api.post("/api/passkeys/register/options")
    assert options.status_code == 200, options.get_json()
    credential = authenticator.create(options.get_json())
    resp = api.post("/api/passkeys/register", json={"credential": credential, "name": name})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def passkey_sign_in(client: Any, authenticator: SoftAuthenticator, **kw: Any) -> Any:
    """Run the discoverable sign-in ceremony on a (possibly signed-out) test client."""
    options = client.post("/api/passkeys/login/options")
    assert options.status_code == 200, options.get_json()
    credential = authenticator.get(options.get_json(), **kw)
    return client.post("/api/passkeys/login", json={"credential": credential}), credential
