"""Sync endpoints: pull the changes after a cursor, push a batch of mutations (PROTOCOL.md)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import brotli
import orjson
from flask import Response, current_app, request, stream_with_context
from flask_compress import Compress
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api import json_body
from server.api.errors import ApiError
from server.api.schemas.sync import PUSH_DOC
from server.auth.devices import current_device
from server.auth.roles import is_staff, signed_in
from server.extensions import db
from server.models import Device, ServicePolicyRecord, utcnow
from server.sync import clocks, derive
from server.sync.entities import FieldError, parse_time
from server.sync.pull import (
    MAX_LIMIT,
    ResetRequired,
    as_columns,
    day_orders,
    plan,
    pull,
    scope_size,
    stream,
    stream_bound,
)
from server.sync.push import Batch, Options, paused_collector, push

blp = Blueprint("sync", __name__, url_prefix="/api/sync", description="Offline sync")
# Pull answers are compressed when the client asks (Accept-Encoding: br, gzip): JSON records
# shrink about tenfold, which decides a first sync on a weak mobile network. Only the pull
# endpoints: nothing else in the app is compressed by this.
compress = Compress()
COMPRESS_DEFAULTS = {
    "COMPRESS_REGISTER": False,
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_BR_LEVEL": 4,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 1024,
    # A streamed pull compresses itself, flushing after each page (see _encoded): left to
    # Flask-Compress, its pages would wait in the compressor until the stream ends.
    "COMPRESS_STREAMS": False,
}
STREAM_FIRST_PAGE = 200  # small: the phone starts writing while the server reads the rest
DAY_ORDERS_LIMIT = 100


@blp.record_once
def _init_compress(state: Any) -> None:
    for key, value in COMPRESS_DEFAULTS.items():
        state.app.config.setdefault(key, value)
    compress.init_app(state.app)


JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
MAX_MUTATION_NUMBER = 2**63 - 1  # the mutation log's BIGINT


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, option=JSON_OPTIONS), status=status, mimetype="application/json")


class PullArgs(Schema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**53 - 1))
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_LIMIT))
    until = fields.Integer(load_default=None, validate=validate.Range(min=0, max=2**53 - 1))
    plan = fields.Boolean(load_default=False)
    window = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_LIMIT))
    first = fields.Boolean(load_default=False)
    stream = fields.Boolean(load_default=False)
    shape = fields.String(load_default="changes", validate=validate.OneOf(["changes", "columns"]))
    device_time = fields.String(load_default=None, validate=validate.Length(max=40))


class DayArgs(Schema):
    start = fields.String(required=True, validate=validate.Length(max=40))
    end = fields.String(required=True, validate=validate.Length(max=40))


def _device_time(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return parse_time(value, "device_time")
    except FieldError as error:
        raise ApiError(
            422, "invalid", "device_time: not an ISO-8601 time with a zone.", field="device_time"
        ) from error


def ensure_policy_record(session: Any) -> None:
    """Make the service policy record from the configuration, once per installation."""
    if session.get(ServicePolicyRecord, derive.POLICY_ID) is None:
        derive.policy_record(session)
        session.commit()


@blp.route("/pull", methods=["GET"])
@blp.arguments(PullArgs, location="query", as_kwargs=True)
@signed_in
@compress.compressed()
def pull_changes(
    since: int,
    limit: int | None,
    until: int | None,
    plan: bool,
    window: int | None,
    first: bool,
    stream: bool,
    shape: str,
    device_time: str | None,
) -> Response:
    """The changes in the caller's scope after `since`, one page (PROTOCOL.md section 2).

    With `plan=true` the answer also holds `plan`, the cursors that cut the rest into pages a
    phone may fetch side by side with `until` (`window` items each, default `limit`), and
    `orders`, how many orders the scope holds.
    `first=true` reads a window of a plan made from 0 as a first pull (P31); `shape=columns`
    sends the records column by column. `stream=true` sends every page up to the newest number
    in one answer, one per line (section 2d, P35)."""
    device = current_device()
    assert device is not None
    if until is not None and until < since:
        raise ApiError(422, "invalid", "until: not below since.", field="until")
    now = utcnow()
    offset = clocks.offset_ms(_device_time(device_time), now)
    page_size = limit or int(current_app.config["PULL_PAGE_SIZE"])
    if since == 0:  # a phone's first pull: the policy record it prices with must exist
        ensure_policy_record(db.session)
    if stream:
        if plan or until is not None or first:
            raise ApiError(422, "invalid", "stream: not with plan, until or first.", field="stream")
        return _stream(device, since, page_size, shape, offset, now)
    try:
        bounds = _plan(since, window or page_size) if plan else None
        page = pull(
            db.session,
            user_id=current_user.id,
            staff=is_staff(),
            since=since,
            limit=page_size,
            until=bounds[0] if bounds else until,
            first=first or since == 0,
        )
    except ResetRequired as reset:
        raise _reset(reset) from None
    if bounds is not None:
        page["plan"] = bounds[1:] if page["cursor"] == bounds[0] else bounds
        page["orders"] = scope_size(db.session, current_user.id, is_staff())
    if device.last_pull_cursor != page["cursor"] or clocks.worth_recording(
        device.last_sync_at, device.clock_offset_ms, offset, now
    ):
        db.session.execute(
            db.update(Device)
            .where(Device.id == device.id)
            .values(
                last_sync_at=now,
                last_pull_cursor=page["cursor"],
                **({"clock_offset_ms": offset} if offset is not None else {}),
            )
        )
        db.session.commit()
    page["server_time"] = now
    page["clock_offset_ms"] = offset
    return json_response(as_columns(page) if shape == "columns" else page)


def _reset(reset: ResetRequired) -> ApiError:
    return ApiError(
        410,
        "reset_required",
        "This cursor is older than the retained history: pull again from 0.",
        field="since",
        details={"horizon": reset.horizon},
    )


def _stream(device: Device, since: int, limit: int, shape: str, offset: Any, now: Any) -> Response:
    """The pages after `since` as lines of JSON, each page compressed and flushed as it is read,
    so the phone stores the first while the server reads the next (PROTOCOL.md section 2d)."""
    try:
        upto = stream_bound(db.session, since)
    except ResetRequired as reset:
        raise _reset(reset) from None
    user_id, staff, device_id = int(current_user.id), is_staff(), device.id
    orders = scope_size(db.session, user_id, staff)
    encoding = request.accept_encodings.best_match(["br", "gzip"])

    def lines() -> Iterator[bytes]:
        pages = stream(
            db.session,
            user_id=user_id,
            staff=staff,
            since=since,
            upto=upto,
            first_limit=min(STREAM_FIRST_PAGE, limit),
            limit=limit,
        )
        cursor = since
        for index, page in enumerate(pages):
            cursor = page["cursor"]
            page["last"] = cursor >= upto
            if index == 0:
                page.update(orders=orders, server_time=now, clock_offset_ms=offset)
            body = as_columns(page) if shape == "columns" else page
            yield orjson.dumps(body, option=JSON_OPTIONS) + b"\n"
        db.session.execute(
            db.update(Device)
            .where(Device.id == device_id)
            .values(
                last_sync_at=now,
                last_pull_cursor=cursor,
                **({"clock_offset_ms": offset} if offset is not None else {}),
            )
        )
        db.session.commit()

    response = Response(stream_with_context(_encoded(lines(), encoding)), mimetype="application/x-ndjson")
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each page on at once
    if encoding:
        response.headers["Content-Encoding"] = encoding
    return response


def _encoded(lines: Iterator[bytes], encoding: str | None) -> Iterator[bytes]:
    """Compress line by line, flushing after each, with the levels the other pulls use."""
    config = current_app.config
    if encoding == "br":
        brotli_stream = brotli.Compressor(quality=int(config["COMPRESS_BR_LEVEL"]))
        for line in lines:
            yield brotli_stream.process(line) + brotli_stream.flush()
        yield brotli_stream.finish()
    elif encoding == "gzip":
        gzip_stream = zlib.compressobj(int(config["COMPRESS_LEVEL"]), zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        for line in lines:
            yield gzip_stream.compress(line) + gzip_stream.flush(zlib.Z_SYNC_FLUSH)
        yield gzip_stream.flush()
    else:
        yield from lines


def _plan(since: int, page_size: int) -> list[int]:
    return plan(
        db.session,
        user_id=current_user.id,
        staff=is_staff(),
        since=since,
        per_page=page_size,
        first=since == 0,
    )


@blp.route("/day", methods=["GET"])
@signed_in  # signed out is told so before its query is checked
@blp.arguments(DayArgs, location="query", as_kwargs=True)
@compress.compressed()
def day(start: str, end: str) -> Response:
    """The caller's orders with an appointment in [start, end), with customers and units: what a
    phone shows while its first pull is still coming (PROTOCOL.md section 2, P32)."""
    assert current_device() is not None
    begin, finish = _query_time(start, "start"), _query_time(end, "end")
    if finish < begin:
        raise ApiError(422, "invalid", "end: not before start.", field="end")
    changes = day_orders(db.session, user_id=current_user.id, start=begin, end=finish, limit=DAY_ORDERS_LIMIT)
    return json_response({"changes": changes})


def _query_time(value: str, name: str) -> Any:
    try:
        return parse_time(value, name)
    except FieldError as error:
        raise ApiError(422, "invalid", f"{name}: not an ISO-8601 time with a zone.", field=name) from error


@blp.route("/push", methods=["POST"])
@blp.doc(**PUSH_DOC)
@signed_in
def push_mutations() -> Response:
    """Apply a batch of mutations and answer each one's outcome (PROTOCOL.md section 3)."""
    device = current_device()
    assert device is not None
    with paused_collector():  # from parsing the batch to encoding the answer
        body = _push_body(request.get_data(cache=False))
        now = utcnow()
        batch = Batch(
            device_id=device.id,
            user=current_user._get_current_object(),
            staff=is_staff(),
            mutations=body["mutations"],
            device_time=_device_time(body.get("device_time")),
            now=now,
        )
        answer = push(
            db.session,
            batch,
            Options(
                commit_every=int(current_app.config["SYNC_PUSH_COMMIT_EVERY"]),
                pause_seconds=float(current_app.config["SYNC_TEST_PAUSE_SECONDS"]),
            ),
        )
        answer["server_time"] = now
        response = json_response(answer)
        # Freed now by reference counting: left alive, the parsed batch would be the first
        # thing the collector walks when it is back on.
        del body, answer
    return response


def _push_body(data: bytes) -> dict[str, Any]:
    """The batch, parsed with orjson (a day's batch in a fraction of the stdlib's time)."""
    # Nesting inside a mutation's fields is judged field by field by the sync engine.
    body = json_body.parse(data, max_depth=None)
    if not isinstance(body, dict) or not isinstance(body.get("mutations"), list):
        raise ApiError(422, "invalid", "Send a JSON object with a list `mutations`.", field="mutations")
    if len(body["mutations"]) > int(current_app.config["MAX_PUSH_BATCH"]):
        raise ApiError(
            413,
            "too_large",
            f"At most {current_app.config['MAX_PUSH_BATCH']} mutations per push.",
            field="mutations",
        )
    for index, mutation in enumerate(body["mutations"]):
        number = mutation.get("number") if isinstance(mutation, dict) else None
        if isinstance(number, int) and not 0 <= number <= MAX_MUTATION_NUMBER:
            raise ApiError(
                422,
                "invalid",
                f"mutations.{index}.number: from 0 to 2**63 - 1.",
                field=f"mutations.{index}.number",
            )
    sent_time = body.get("device_time")
    if sent_time is not None and (not isinstance(sent_time, str) or len(sent_time) > 40):
        raise ApiError(
            422, "invalid", "device_time: an ISO-8601 time with a zone, or null.", field="device_time"
        )
    return body
