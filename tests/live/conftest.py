"""Live-channel fixtures: a PostgreSQL database for the cross-process tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """DATABASE_URL when it is PostgreSQL; in the SQLite pass, a fresh database on the local server
    only when LIVE_PG_ALWAYS=1 (`make test` runs these tests in its PostgreSQL pass)."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith("postgresql"):
        yield given
        return
    if os.environ.get("LIVE_PG_ALWAYS") != "1":
        pytest.skip("the cross-process wake is PostgreSQL's: it runs in the PostgreSQL pass")
    import psycopg

    admin = make_url(DEFAULT_PG).set(drivername="postgresql").render_as_string(False)
    try:
        psycopg.connect(admin, connect_timeout=3).close()
    except psycopg.Error:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is unreachable (CI=true)")
        pytest.skip("PostgreSQL unreachable: the cross-process wake is PostgreSQL's")
    name = f"onsite_live_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(DEFAULT_PG).set(database=name).render_as_string(False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
