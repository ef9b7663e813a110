"""Photo and signature bytes: resumable chunked upload by SHA-256, status, download (PROTOCOL.md §4)."""

from __future__ import annotations

import re

from flask import Response, current_app, g, request
from flask_login import current_user
from flask_smorest import Blueprint

from server.api.errors import ApiError
from server.api.schemas.sync import BLOB_CHUNK_DOC
from server.api.sync import json_response
from server.auth.roles import is_staff, signed_in
from server.extensions import db
from server.models import utcnow
from server.sync import scope
from server.sync.blobs import (
    SHA256,
    BlobStore,
    UploadError,
    UploadLimits,
    may_read,
    open_store,
    put_chunk,
    upload_state,
)

blp = Blueprint("blobs", __name__, url_prefix="/api/blobs", description="Content-addressed blobs")
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


def store() -> BlobStore:
    """The configured store, one per request (an S3 store lists an upload's parts once)."""
    if "blob_store" not in g:
        g.blob_store = open_store(current_app.config)
    return g.blob_store  # type: ignore[no-any-return]


def limits() -> UploadLimits:
    config = current_app.config
    return UploadLimits(
        max_bytes=int(config["MAX_BLOB_BYTES"]),
        max_partial_uploads=int(config["MAX_PARTIAL_UPLOADS_PER_USER"]),
        max_partial_bytes=int(config["MAX_PARTIAL_UPLOAD_BYTES_PER_USER"]),
    )


def body_bytes(limit: int) -> bytes:
    """The request body, refused with 413 past `limit` bytes, whether sized or chunked."""
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(
            413, "too_large", f"At most {limit} bytes per request.", field="body", details={"limit": limit}
        )
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError(
            413, "too_large", f"At most {limit} bytes per request.", field="body", details={"limit": limit}
        )
    return data


def caller_may_read(sha256: str) -> bool:
    return is_staff() or may_read(db.session, sha256, current_user.id, scope.scope_orders(current_user.id))


def checked_sha(sha256: str) -> str:
    if not SHA256.fullmatch(sha256):
        raise ApiError(404, "not_found", "Blobs are named by lower-case hex SHA-256.", field="sha256")
    return sha256


@blp.route("/<sha256>/status", methods=["GET"])
@signed_in
def blob_status(sha256: str) -> Response:
    """How many bytes of this blob the caller may count on: all of it if they may read it, else
    their own upload's progress (someone else's bytes are not told)."""
    sha256 = checked_sha(sha256)
    return json_response(
        upload_state(db.session, store(), sha256, current_user.id, may_read=caller_may_read(sha256)).as_json()
    )


@blp.route("/<sha256>", methods=["HEAD"])
@signed_in
def blob_head(sha256: str) -> Response:
    sha256 = checked_sha(sha256)
    state = upload_state(db.session, store(), sha256, current_user.id, may_read=caller_may_read(sha256))
    response = Response(status=200)
    response.headers["Upload-Offset"] = str(state.received)
    response.headers["Upload-Complete"] = "?1" if state.complete else "?0"
    if state.size is not None:
        response.headers["Upload-Length"] = str(state.size)
    return response


@blp.route("/<sha256>", methods=["PUT"])
@blp.doc(**BLOB_CHUNK_DOC)
@signed_in
def blob_put(sha256: str) -> Response:
    """One chunk at the received offset; the last one verifies the hash (P26-P28)."""
    sha256 = checked_sha(sha256)
    header = request.headers.get("Content-Range", "")
    match = CONTENT_RANGE.fullmatch(header.strip())
    data = body_bytes(int(current_app.config["MAX_BLOB_BYTES"]))
    if match is None:
        if header:
            raise ApiError(
                422, "invalid", "Content-Range: bytes <start>-<end>/<total>.", field="Content-Range"
            )
        start, total = 0, len(data)  # the whole blob in one request
    else:
        start, end, total = (int(g) for g in match.groups())
        if end < start or end - start + 1 != len(data):
            raise ApiError(
                422, "invalid", "Content-Range does not match the body's length.", field="Content-Range"
            )
    before = upload_state(db.session, store(), sha256, current_user.id)
    try:
        state = put_chunk(
            db.session,
            store(),
            sha256=sha256,
            start=start,
            total=total,
            data=data,
            limits=limits(),
            user_id=current_user.id,
            now=utcnow(),
        )
    except UploadError as error:
        db.session.rollback()
        error.field = "Content-Range"
        raise
    return json_response(state.as_json(), 201 if state.complete and not before.complete else 200)


@blp.route("/<sha256>", methods=["GET"])
@signed_in
def blob_get(sha256: str) -> Response:
    """The bytes, to staff, to someone who uploaded them, and to the readers of an order whose
    photo or signature was pushed by someone who had them."""
    sha256 = checked_sha(sha256)
    readable = caller_may_read(sha256)
    state = upload_state(db.session, store(), sha256, current_user.id, may_read=readable)
    if not (readable and state.complete):
        raise ApiError(404, "not_found", "No such blob.", field="sha256")
    return Response(
        store().read(sha256), mimetype="application/octet-stream", headers={"Content-Length": str(state.size)}
    )
