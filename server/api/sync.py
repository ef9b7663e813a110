"""Sync endpoints: pull the changes after a cursor, push a batch of mutations (PROTOCOL.md)."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, current_app, request
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
from server.sync.pull import MAX_LIMIT, ResetRequired, pull
from server.sync.push import Batch, Options, paused_collector, push

blp = Blueprint("sync", __name__, url_prefix="/api/sync", description="Offline sync")
JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
MAX_MUTATION_NUMBER = 2**63 - 1  # the mutation log's BIGINT


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, option=JSON_OPTIONS), status=status, mimetype="application/json")


class PullArgs(Schema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**53 - 1))
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_LIMIT))
    device_time = fields.String(load_default=None, validate=validate.Length(max=40))


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
def pull_changes(since: int, limit: int | None, device_time: str | None) -> Response:
    """The changes in the caller's scope after `since`, one page (PROTOCOL.md section 2)."""
    device = current_device()
    assert device is not None
    now = utcnow()
    offset = clocks.offset_ms(_device_time(device_time), now)
    page_size = limit or int(current_app.config["PULL_PAGE_SIZE"])
    if since == 0:  # a phone's first pull: the policy record it prices with must exist
        ensure_policy_record(db.session)
    try:
        page = pull(db.session, user_id=current_user.id, staff=is_staff(), since=since, limit=page_size)
    except ResetRequired as reset:
        raise ApiError(
            410,
            "reset_required",
            "This cursor is older than the retained history: pull again from 0.",
            field="since",
            details={"horizon": reset.horizon},
        ) from None
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
    return json_response(page)


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
