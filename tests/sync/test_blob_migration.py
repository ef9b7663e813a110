"""`flask blobs-to-s3`: every blob on disk copied to the S3 store (SeaweedFS), each hash verified."""

from __future__ import annotations

import hashlib
import os
import uuid

from server.sync.blobs import LocalBlobStore, open_store
from tests.conftest import sign_in


def upload(api, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    resp = api.put(f"/api/blobs/{sha}", data=data, headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code == 201, resp.get_json()
    return sha


def test_blobs_move_from_disk_to_s3_and_are_served_from_there(app, users, runner, seaweed):
    api = sign_in(app, "eng1")
    photos = [os.urandom(200_000 + n) for n in range(3)]
    names = sorted(upload(api, data) for data in photos)
    app.config.update(seaweed.config(prefix=f"{uuid.uuid4().hex}/"))

    out = runner.invoke(args=["blobs-to-s3"])
    assert out.exit_code == 0, out.output
    assert "copied 3 blobs (600003 bytes), 0 already there" in out.output
    store = open_store(app.config)
    assert sorted(store.names()) == names
    for data in photos:
        assert b"".join(store.read(hashlib.sha256(data).hexdigest())) == data
    assert api.get(f"/api/blobs/{names[0]}").data in photos  # now served from S3

    again = runner.invoke(args=["blobs-to-s3"])
    assert "copied 0 blobs (0 bytes), 3 already there and verified" in again.output


def test_a_file_that_does_not_hash_to_its_name_is_reported_and_not_copied(app, users, runner, seaweed):
    api = sign_in(app, "eng1")
    good = upload(api, b"good photo" * 1000)
    bad = upload(api, b"photo to be spoilt" * 1000)
    disk = LocalBlobStore(app.config["BLOB_DIR"])
    disk._final(bad).write_bytes(b"bit rot")
    app.config.update(seaweed.config(prefix=f"{uuid.uuid4().hex}/"))

    out = runner.invoke(args=["blobs-to-s3"])
    assert out.exit_code == 1
    assert f"on disk, does not hash to its name: {bad}" in out.output
    assert "copied 1 blobs" in out.output
    assert list(open_store(app.config).names()) == [good]
