"""Nothing node-local: what one app node decides, another node sees, because it lives in the
database (or the S3 store) and not in a process. Two apps over one database stand for two nodes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from server import create_app
from server.extensions import db
from server.models import ServicePolicyRecord, SyncState, utcnow
from server.sync import derive
from server.sync.compaction import compact_if_due
from tests.conftest import sign_in


@pytest.fixture
def second_node(app, tmp_path):
    """Another app over the same database, with an instance folder of its own."""
    other = create_app({**app.config, "BLOB_DIR": str(tmp_path / "other-blobs")})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_compaction_runs_once_per_period_whichever_node_looks(app, second_node):
    every = app.config["SYNC_COMPACT_EVERY_SECONDS"]
    with app.app_context():
        assert compact_if_due(app, db.session()) is True
    with second_node.app_context():
        assert compact_if_due(second_node, db.session()) is False  # done already, on the other node
    with time_machine.travel(utcnow() + timedelta(seconds=every + 1)):
        with second_node.app_context():
            assert compact_if_due(second_node, db.session()) is True
        with app.app_context():
            assert compact_if_due(app, db.session()) is False
            assert db.session.get(SyncState, 1).compacted_at is not None


def copy_cookie(source, target) -> None:
    cookie = source.get_cookie("session")
    target.set_cookie("session", cookie.value)


def test_a_session_begun_on_one_node_is_honoured_and_ended_on_the_other(app, second_node, users):
    phone = sign_in(app, "eng1")
    other = second_node.test_client()
    copy_cookie(phone.client, other)  # nginx sent the next request to the other node
    answer = other.get("/api/auth/session").get_json()
    assert answer["user"]["username"] == "eng1"
    assert other.post("/api/auth/logout", headers={"X-CSRF-Token": answer["csrf_token"]}).status_code < 300
    back = app.test_client()
    copy_cookie(phone.client, back)  # the cookie from before the sign-out, replayed on the first node
    replayed = back.get("/api/auth/session")
    assert replayed.status_code == 401 or replayed.get_json().get("user") is None, replayed.get_json()
    assert back.get("/api/orders").status_code == 401


def test_the_policy_record_is_made_once_when_two_nodes_race_for_it(app, second_node):
    with app.app_context():
        assert db.session.get(ServicePolicyRecord, derive.POLICY_ID) is None  # node 1 looked: none yet
        with second_node.app_context():
            derive.policy_record(db.session)  # node 2 makes it meanwhile
            db.session.commit()
        row = derive.policy_record(db.session)  # node 1 goes on to make it: finds node 2's
        db.session.commit()
        assert row.id == derive.POLICY_ID
        assert db.session.query(ServicePolicyRecord).count() == 1
