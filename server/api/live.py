"""The live channel's endpoints: the phone's event stream, its delivered/seen reports, and the
dispatcher's reading of every notice and every phone's channels."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from flask import Response, current_app
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select, update

from server.api.errors import ApiError
from server.auth import sessions
from server.auth.roles import signed_in, staff_only
from server.extensions import db
from server.live import start_listening
from server.live.stream import events
from server.models import Device, PushSubscription, Role, User, UserSession, utcnow
from server.push import notices

blp = Blueprint("live", __name__, url_prefix="/api/live", description="The live channel")
console_blp = Blueprint(
    "notices", __name__, url_prefix="/api/dispatch/notices", description="Who was told what, and who saw it"
)


class ReportSchema(Schema):
    what = fields.String(required=True, validate=validate.OneOf(notices.REPORTS))
    order_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=36)),
        required=True,
        validate=validate.Length(max=200),
    )


class StreamArgs(Schema):
    device_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "The caller's registered phone (EventSource cannot send headers)."},
    )


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), mimetype="application/json")


@blp.route("/stream", methods=["GET"])
@signed_in  # signed out is told so before its query is checked
@blp.arguments(StreamArgs, location="query", as_kwargs=True)
def stream(device_id: str) -> Response:
    """Server-Sent Events: `scope` ("pull now") whenever the caller's scope changed, heartbeats,
    and `closed` when the session ends or the phone is revoked (server/live/PROTOCOL.md)."""
    device = db.session.get(Device, device_id)
    if device is None or device.user_id != current_user.id:
        raise ApiError(403, "device_unknown", "This device is not registered to you.", field="device_id")
    if device.revoked:
        raise ApiError(403, "device_revoked", "This device has been revoked.", field="device_id")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    start_listening(app)
    user_id = int(current_user.id)
    live_session = sessions.current()
    session_id = live_session.id if live_session is not None else None
    device.live_since = utcnow()
    db.session.commit()
    db.session.remove()  # hold no database connection while the stream waits

    def woken(uid: int) -> None:
        with app.app_context():
            notices.live_sent(db.session, uid, utcnow())
            db.session.commit()

    def still_open() -> bool:
        with app.app_context():
            ended = db.session.scalar(select(UserSession.ended_at).where(UserSession.id == session_id))
            revoked = db.session.scalar(select(Device.revoked_at).where(Device.id == device_id))
            db.session.remove()
            return session_id is not None and ended is None and revoked is None

    def closed() -> None:
        with app.app_context():
            db.session.execute(update(Device).where(Device.id == device_id).values(live_until=utcnow()))
            db.session.commit()

    body = events(
        user_id,
        device_id,
        heartbeat=float(app.config["LIVE_HEARTBEAT_SECONDS"]),
        max_seconds=float(app.config["LIVE_STREAM_MAX_SECONDS"]),
        on_woken=woken,
        on_closed=closed,
        still_open=still_open,
    )
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


@blp.route("/reports", methods=["POST"])
@blp.arguments(ReportSchema)
@signed_in
def report(body: dict[str, Any]) -> Response:
    """The phone pulled these orders (delivered) or the engineer opened one (seen)."""
    changed = notices.report(db.session, int(current_user.id), body["order_ids"], body["what"], utcnow())
    db.session.commit()
    return _json({"recorded": changed})


@console_blp.route("", methods=["GET"])
@staff_only
def board_notices() -> Response:
    """Each order's latest notice as the board shows it, and every engineer's phones' channels."""
    now = utcnow()
    live_window = timedelta(seconds=float(current_app.config["LIVE_STREAM_MAX_SECONDS"]) + 60)
    subscribed = {
        device_id: last_ok
        for device_id, last_ok in db.session.execute(
            select(PushSubscription.device_id, PushSubscription.last_success_at)
        )
        if device_id
    }
    user_subscriptions = set(db.session.scalars(select(PushSubscription.user_id)))
    phones: dict[int, list[dict[str, Any]]] = {}
    for device in db.session.scalars(
        select(Device)
        .join(User, User.id == Device.user_id)
        .where(User.role == Role.ENGINEER, Device.revoked_at.is_(None))
    ):
        live = bool(
            device.live_since
            and (device.live_until is None or device.live_until < device.live_since)
            and now - device.live_since < live_window
        )
        channels = (["live"] if live else []) + (["push"] if device.id in subscribed else [])
        phones.setdefault(device.user_id, []).append(
            {"device_id": device.id, "name": device.name, "channels": channels}
        )
    sms_ready = bool(current_app.config.get("SMS_SMPP_HOST"))
    engineers = [
        {
            "user_id": uid,
            "phones": phones.get(uid, []),
            "sms": sms_ready and bool(phone),
            "push_user": uid in user_subscriptions,
        }
        for uid, phone in db.session.execute(select(User.id, User.phone).where(User.role == Role.ENGINEER))
    ]
    return _json({"notices": notices.board_states(db.session, now), "engineers": engineers})
