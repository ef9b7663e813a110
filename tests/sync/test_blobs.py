"""Blobs: resumable chunked upload by SHA-256, verified, stored once, size-limited (P26-P29).

Every test runs twice: on the disk store and on the S3 store (a real SeaweedFS server)."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from datetime import timedelta

import pytest

from server.extensions import db
from server.models import Blob, utcnow
from server.sync.blobs import open_store, pending_photos
from tests.conftest import sign_in
from tests.sync.helpers import Device, iso, make_order

CHUNK = 64 * 1024


@pytest.fixture(params=["disk", "s3"], autouse=True)
def blob_store(request, app):
    """The app's blob store: its disk (the default) or a fresh prefix of the SeaweedFS bucket."""
    if request.param == "s3":
        app.config.update(request.getfixturevalue("seaweed").config(prefix=f"{uuid.uuid4().hex}/"))
        open_store(app.config).ensure_bucket()
    return open_store(app.config)


def put(api, sha, data, start, total):
    end = start + len(data) - 1
    return api.put(
        f"/api/blobs/{sha}",
        data=data,
        headers={"Content-Range": f"bytes {start}-{end}/{total}", "Content-Type": "application/octet-stream"},
    )


def test_upload_interrupted_at_70_percent_resumes_there_and_is_verified_P26_P27(app, users):
    api = sign_in(app, "eng1", device_id="eng1-phone-0001")
    data = os.urandom(10 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    for start in range(0, 7 * CHUNK, CHUNK):
        resp = put(api, sha, data[start : start + CHUNK], start, len(data))
        assert resp.status_code == 200 and resp.get_json()["complete"] is False
    # signal lost; the phone asks where to go on from
    status = api.get(f"/api/blobs/{sha}/status").get_json()
    assert status == {"sha256": sha, "size": len(data), "received": 7 * CHUNK, "complete": False}
    head = api.client.head(f"/api/blobs/{sha}")
    assert head.headers["Upload-Offset"] == str(7 * CHUNK)
    wrong = put(api, sha, data[:CHUNK], 0, len(data))
    assert wrong.status_code == 409
    assert wrong.get_json()["error"]["details"]["received"] == 7 * CHUNK
    for start in range(7 * CHUNK, len(data), CHUNK):
        resp = put(api, sha, data[start : start + CHUNK], start, len(data))
    assert resp.status_code == 201 and resp.get_json()["complete"] is True
    assert api.get(f"/api/blobs/{sha}").data == data  # the uploader holds them
    other = sign_in(app, "eng2")
    assert other.get(f"/api/blobs/{sha}").status_code == 404  # no order of theirs refers to them
    desk = sign_in(app, "dispatcher")
    assert desk.get(f"/api/blobs/{sha}").data == data


def test_bytes_that_do_not_match_their_name_are_rejected_and_discarded_P26(app, users, blob_store):
    api = sign_in(app, "eng1")
    data = os.urandom(3 * CHUNK)
    sha = hashlib.sha256(b"something else").hexdigest()
    put(api, sha, data[:CHUNK], 0, len(data))
    put(api, sha, data[CHUNK : 2 * CHUNK], CHUNK, len(data))
    resp = put(api, sha, data[2 * CHUNK :], 2 * CHUNK, len(data))
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "hash_mismatch"
    assert api.get(f"/api/blobs/{sha}/status").get_json()["received"] == 0
    assert list(blob_store.names()) == [] and blob_store.partials() == []


def test_identical_bytes_are_stored_once_P28(app, users, blob_store):
    api = sign_in(app, "eng1")
    data = b"photo bytes" * 1000
    sha = hashlib.sha256(data).hexdigest()
    assert put(api, sha, data, 0, len(data)).status_code == 201
    again = put(api, sha, data, 0, len(data))
    assert again.status_code == 200 and again.get_json()["complete"] is True
    with app.app_context():
        assert db.session.query(Blob).count() == 1
    assert list(blob_store.names()) == [sha] and blob_store.partials() == []


def test_blob_over_the_size_limit_is_refused_with_413_P28(app, users):
    app.config["MAX_BLOB_BYTES"] = 1000
    api = sign_in(app, "eng1")
    resp = put(api, "a" * 64, b"x" * 10, 0, 5000)
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "too_large"


def test_photo_syncs_before_its_bytes_and_shows_pending_until_they_arrive_P29(app, users):
    order_id = make_order(app, users["eng1"])
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    data = os.urandom(2 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    photo_id = str(uuid.uuid4())
    phone.mutate(
        "photo",
        photo_id,
        {"order_id": order_id, "sha256": sha, "taken_at": iso(utcnow()), "size": len(data)},
        op="create",
    )
    result = phone.sync_push()[0]
    assert result["outcome"] == "applied" and result["record"]["pending"] is True
    with app.app_context():
        assert pending_photos(db.session, order_id) == [photo_id]
    put(phone.api, sha, data, 0, len(data))
    changes = phone.pull()
    photo = next(c for c in changes if c["entity"] == "photo")
    assert photo["record"]["pending"] is False
    with app.app_context():
        assert pending_photos(db.session, order_id) == []
    assert phone.api.get(f"/api/blobs/{sha}").data == data


def test_malformed_upload_requests_answer_4xx(app, users):
    api = sign_in(app, "eng1")
    assert api.put("/api/blobs/NOTAHASH", data=b"x").status_code == 404
    sha = "b" * 64
    resp = api.put(f"/api/blobs/{sha}", data=b"abc", headers={"Content-Range": "bytes 0-9/3"})
    assert resp.status_code == 422
    resp = api.put(f"/api/blobs/{sha}", data=b"abc", headers={"Content-Range": "nonsense"})
    assert resp.status_code == 422


def photo_on(phone, order_id, sha, size):
    phone.mutate(
        "photo",
        str(uuid.uuid4()),
        {"order_id": order_id, "sha256": sha, "taken_at": iso(utcnow()), "size": size},
        op="create",
    )
    return phone.sync_push()[0]


def test_naming_another_engineers_hash_on_ones_own_order_gives_no_bytes(app, users):
    first_order = make_order(app, users["eng1"])
    mine = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    mine.pull()
    data = os.urandom(CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    assert photo_on(mine, first_order, sha, len(data))["outcome"] == "applied"
    assert put(mine.api, sha, data, 0, len(data)).status_code == 201

    own_order = make_order(app, users["eng2"])
    snoop = Device(sign_in(app, "eng2", device_id="eng2-phone-0001"))
    snoop.pull()
    photo_on(snoop, own_order, sha, len(data))  # a hash seen before a reassignment
    assert snoop.api.get(f"/api/blobs/{sha}").status_code == 404
    status = snoop.api.get(f"/api/blobs/{sha}/status").get_json()
    assert status == {"sha256": sha, "size": None, "received": 0, "complete": False}
    head = snoop.api.client.head(f"/api/blobs/{sha}")
    assert head.headers["Upload-Offset"] == "0" and "Upload-Length" not in head.headers
    # Junk under the name proves nothing; the real bytes prove possession.
    assert put(snoop.api, sha, b"junk" * 100, 0, 400).status_code == 422
    assert put(snoop.api, sha, data, 0, len(data)).status_code == 201
    assert snoop.api.get(f"/api/blobs/{sha}").data == data
    assert mine.api.get(f"/api/blobs/{sha}").data == data


def test_an_order_reassigned_shows_its_photos_to_the_new_engineer(app, users):
    order_id = make_order(app, users["eng1"])
    first = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    first.pull()
    data = os.urandom(CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    photo_on(first, order_id, sha, len(data))
    put(first.api, sha, data, 0, len(data))
    after = sign_in(app, "eng2")
    assert after.get(f"/api/blobs/{sha}").status_code == 404
    with app.app_context():
        from server.models import ServiceOrder

        db.session.get(ServiceOrder, order_id).assignee_id = users["eng2"]
        db.session.commit()
    assert after.get(f"/api/blobs/{sha}").data == data
    assert first.api.get(f"/api/blobs/{sha}").data == data  # they hold the bytes they sent


def test_an_upload_in_progress_is_its_uploaders_own(app, users):
    data = os.urandom(4 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    owner = sign_in(app, "eng1")
    assert put(owner, sha, data[:CHUNK], 0, len(data)).status_code == 200
    other = sign_in(app, "eng2")
    assert other.get(f"/api/blobs/{sha}/status").get_json()["received"] == 0
    # The other one cannot finish it with junk, nor disturb its offset.
    assert put(other, sha, b"x" * (3 * CHUNK), CHUNK, len(data)).status_code == 409
    assert owner.get(f"/api/blobs/{sha}/status").get_json()["received"] == CHUNK
    assert put(owner, sha, data[CHUNK:], CHUNK, len(data)).status_code == 201


def test_unfinished_uploads_are_limited_per_person_and_expire(app, users, runner, blob_store):
    import time_machine

    app.config["MAX_PARTIAL_UPLOADS_PER_USER"] = 3
    api = sign_in(app, "eng1")
    for n in range(3):
        sha = hashlib.sha256(f"made up {n}".encode()).hexdigest()
        assert put(api, sha, b"x" * 10, 0, 1000).status_code == 200
    refused = put(api, "c" * 64, b"x" * 10, 0, 1000)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "upload_quota"
    assert put(sign_in(app, "eng2"), "c" * 64, b"x" * 10, 0, 1000).status_code == 200  # per person
    assert len(blob_store.partials()) == 4
    with time_machine.travel(utcnow() + timedelta(seconds=app.config["BLOB_UPLOAD_EXPIRE_SECONDS"] + 60)):
        out = runner.invoke(args=["sync-compact"])
    assert "stale uploads dropped: 4" in out.output, out.output
    assert blob_store.partials() == []
    api = sign_in(app, "eng1")
    assert put(api, "c" * 64, b"x" * 10, 0, 1000).status_code == 200


def test_a_chunked_body_over_the_limit_is_answered_413(app, users):
    app.config["MAX_BLOB_BYTES"] = 1000
    api = sign_in(app, "eng1")

    # As a WSGI server hands over a chunked body: no Content-Length, the stream ends by itself.
    resp = api.put(
        "/api/blobs/" + "d" * 64,
        input_stream=io.BytesIO(b"y" * 3000),
        headers={
            "Content-Type": "application/octet-stream",
            "Transfer-Encoding": "chunked",
            "Content-Range": "bytes 0-999/1000",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "too_large"
