"""Photo and signature bytes: resumable chunked upload by SHA-256, status, download (PROTOCOL.md §4)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Response, current_app, request
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import or_, select

from server.api.errors import ApiError
from server.api.sync import json_response
from server.auth.roles import is_staff, signed_in
from server.extensions import db
from server.models import Photo, Signature, utcnow
from server.sync import scope
from server.sync.blobs import SHA256, LocalBlobStore, UploadError, put_chunk, upload_state

blp = Blueprint("blobs", __name__, url_prefix="/api/blobs", description="Content-addressed blobs")
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


def store() -> LocalBlobStore:
    return LocalBlobStore(Path(current_app.config["BLOB_DIR"]))


def checked_sha(sha256: str) -> str:
    if not SHA256.fullmatch(sha256):
        raise ApiError(404, "not_found", "Blobs are named by lower-case hex SHA-256.",
                       field="sha256")
    return sha256


@blp.route("/<sha256>/status", methods=["GET"])
@signed_in
def blob_status(sha256: str) -> Response:
    """How many bytes of this blob the server holds."""
    return json_response(upload_state(db.session, store(), checked_sha(sha256)).as_json())


@blp.route("/<sha256>", methods=["HEAD"])
@signed_in
def blob_head(sha256: str) -> Response:
    state = upload_state(db.session, store(), checked_sha(sha256))
    response = Response(status=200)
    response.headers["Upload-Offset"] = str(state.received)
    response.headers["Upload-Complete"] = "?1" if state.complete else "?0"
    if state.size is not None:
        response.headers["Upload-Length"] = str(state.size)
    return response


@blp.route("/<sha256>", methods=["PUT"])
@signed_in
def blob_put(sha256: str) -> Response:
    """One chunk at the received offset; the last one verifies the hash (P26-P28)."""
    sha256 = checked_sha(sha256)
    header = request.headers.get("Content-Range", "")
    match = CONTENT_RANGE.fullmatch(header.strip())
    data = request.get_data(cache=False)
    if match is None:
        if header:
            raise ApiError(422, "invalid", "Content-Range: bytes <start>-<end>/<total>.",
                           field="Content-Range")
        start, total = 0, len(data)  # the whole blob in one request
    else:
        start, end, total = (int(g) for g in match.groups())
        if end < start or end - start + 1 != len(data):
            raise ApiError(422, "invalid", "Content-Range does not match the body's length.",
                           field="Content-Range")
    before = upload_state(db.session, store(), sha256)
    try:
        state = put_chunk(db.session, store(), sha256=sha256, start=start, total=total,
                          data=data, max_bytes=int(current_app.config["MAX_BLOB_BYTES"]),
                          user_id=current_user.id, now=utcnow())
    except UploadError as error:
        db.session.rollback()
        raise ApiError(error.status, error.code, error.message, field="Content-Range",
                       details=error.details) from None
    return json_response(state.as_json(), 201 if state.complete and not before.complete else 200)


@blp.route("/<sha256>", methods=["GET"])
@signed_in
def blob_get(sha256: str) -> Response:
    """The bytes, to someone who may see an order that refers to them."""
    sha256 = checked_sha(sha256)
    state = upload_state(db.session, store(), sha256)
    if not state.complete:
        raise ApiError(404, "not_found", "No such blob.", field="sha256")
    if not is_staff():
        mine = scope.scope_orders(current_user.id)
        photo = select(Photo.id).where(Photo.sha256 == sha256, Photo.order_id.in_(mine))
        sign = select(Signature.id).where(Signature.image_sha256 == sha256,
                                          Signature.order_id.in_(mine))
        if db.session.scalar(select(or_(photo.exists(), sign.exists()))) is not True:
            raise ApiError(404, "not_found", "No such blob.", field="sha256")
    return Response(store().read(sha256), mimetype="application/octet-stream",
                    headers={"Content-Length": str(state.size)})
