"""Staff security console: devices and their last sync, revocation, quarantined work, roles, audit log.

Also the one endpoint a revoked phone may still call: it hands over its unsynced outbox, which is
stored as quarantined mutations for review and never applied.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request, session
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from server.api import blobs
from server.api.errors import ApiError
from server.api.sync import json_response
from server.auth import sessions
from server.auth.roles import require_role, staff_only
from server.extensions import db
from server.models import AuditLog, BlobUpload, Device, QuarantinedMutation, Role, User, utcnow
from server.security import DEVICE_KEY, audit, require_recent_auth
from server.sync.blobs import UploadError, partial_key, put_chunk

blp = Blueprint("admin", __name__, url_prefix="/api/admin", description="Devices, quarantine, audit")
quarantine_blp = Blueprint(
    "quarantine",
    __name__,
    url_prefix="/api/quarantine",
    description="Unsynced work handed over by a revoked device",
)
admin_only = require_role(Role.ADMIN)

# The hand-over is authenticated by the signed session cookie plus the X-Device-Id header (a custom
# header cannot be sent cross-site without a CORS preflight); the CSRF token may be gone by then.
CSRF_EXEMPT = {"quarantine.intake", "quarantine.intake_blob"}


class AdminDeviceSchema(Schema):
    id = fields.String()
    name = fields.String()
    user_id = fields.Integer()
    username = fields.Function(lambda d: d.user.username)
    user_display_name = fields.Function(lambda d: d.user.display_name)
    receipt_prefix = fields.String()
    registered_at = fields.DateTime()
    last_sync_at = fields.DateTime(allow_none=True)
    clock_offset_ms = fields.Integer(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoked_by_id = fields.Integer(allow_none=True)
    quarantined = fields.Method("_quarantined")

    def _quarantined(self, device: Device) -> int:
        return int(
            db.session.scalar(
                db.select(db.func.count())
                .select_from(QuarantinedMutation)
                .where(QuarantinedMutation.device_id == device.id, QuarantinedMutation.reviewed_at.is_(None))
            )
            or 0
        )


class RevokeSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    # Also sign the owner out everywhere (e.g. the password may have leaked with the phone).
    end_all_sessions = fields.Boolean(load_default=False)


class QuarantinedSchema(Schema):
    id = fields.Integer()
    device_id = fields.String()
    user_id = fields.Integer()
    username = fields.Method("_username")
    mutation_id = fields.String(allow_none=True)
    mutation_number = fields.Integer(allow_none=True)
    entity = fields.String(allow_none=True)
    entity_id = fields.String(allow_none=True)
    payload = fields.Dict()
    received_at = fields.DateTime()
    reviewed_at = fields.DateTime(allow_none=True)
    reviewed_by_id = fields.Integer(allow_none=True)
    review_note = fields.String(allow_none=True)

    def _username(self, row: QuarantinedMutation) -> str | None:
        user = db.session.get(User, row.user_id)
        return user.username if user else None


class QuarantineQuerySchema(Schema):
    state = fields.String(load_default="pending", validate=validate.OneOf(["pending", "reviewed", "all"]))
    device_id = fields.String(load_default=None, validate=validate.Length(max=64))


class ReviewSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class RoleSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))


class UserOutSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()


class AuditQuerySchema(Schema):
    action = fields.String(load_default=None, validate=validate.Length(max=40))
    before_id = fields.Integer(load_default=None)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class AuditSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    action = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor = fields.Method("_actor")
    target_type = fields.String(allow_none=True)
    target_id = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    details = fields.Dict()

    def _actor(self, row: AuditLog) -> str | None:
        user = db.session.get(User, row.actor_id) if row.actor_id else None
        return user.username if user else None


class MutationInSchema(Schema):
    # The outbox entry as the device kept it; only these few fields are indexed, the rest kept verbatim.
    class Meta:
        unknown = EXCLUDE

    id = fields.String(load_default=None, validate=validate.Length(max=64))
    number = fields.Integer(load_default=None)
    entity = fields.String(load_default=None, validate=validate.Length(max=64))
    entity_id = fields.String(load_default=None, validate=validate.Length(max=64))


class IntakeSchema(Schema):
    mutations = fields.List(fields.Dict(), required=True)


class IntakeOutSchema(Schema):
    received = fields.Integer()
    already_held = fields.Integer()


@blp.route("/devices")
class DevicesView(MethodView):
    @staff_only
    @blp.response(200, AdminDeviceSchema(many=True))
    def get(self) -> list[Device]:
        """Every registered phone with its owner, last sync and revocation."""
        return list(
            db.session.scalars(
                db.select(Device).order_by(Device.revoked_at.is_not(None), Device.last_sync_at.desc())
            )
        )


@blp.route("/devices/<device_id>/revoke", methods=["POST"])
@staff_only
@require_recent_auth
@blp.arguments(RevokeSchema)
@blp.response(200, AdminDeviceSchema)
def revoke_device(body: dict[str, Any], device_id: str) -> Device:
    """Revoke a phone: its session and sync stop at once; it wipes itself when it next connects."""
    device = db.session.get(Device, device_id)
    if device is None:
        raise ApiError(404, "not_found", "No such device.")
    if device.revoked:
        raise ApiError(409, "already_revoked", "This device is revoked already.")
    device.revoked_at = utcnow()
    device.revoked_by_id = current_user.id
    sessions.end_all(device.user_id, "device_revoked", device.revoked_at, device_id=device.id)
    if body["end_all_sessions"]:
        device.user.session_epoch += 1
        sessions.end_all(device.user_id, "device_revoked", device.revoked_at)
    audit(
        "device_revoked",
        target_type="device",
        target_id=device.id,
        commit=False,
        owner_id=device.user_id,
        reason=body["reason"],
        end_all_sessions=body["end_all_sessions"],
    )
    db.session.commit()
    return device


@blp.route("/quarantine")
@staff_only
@blp.arguments(QuarantineQuerySchema, location="query")
@blp.response(200, QuarantinedSchema(many=True))
def quarantine_list(query: dict[str, Any]) -> list[QuarantinedMutation]:
    """Work handed over by revoked phones, waiting for a person to decide what to redo by hand."""
    stmt = db.select(QuarantinedMutation).order_by(
        QuarantinedMutation.device_id, QuarantinedMutation.mutation_number, QuarantinedMutation.id
    )
    if query["state"] == "pending":
        stmt = stmt.where(QuarantinedMutation.reviewed_at.is_(None))
    elif query["state"] == "reviewed":
        stmt = stmt.where(QuarantinedMutation.reviewed_at.is_not(None))
    if query["device_id"]:
        stmt = stmt.where(QuarantinedMutation.device_id == query["device_id"])
    return list(db.session.scalars(stmt.limit(1000)))


@blp.route("/quarantine/<int:row_id>/review", methods=["POST"])
@staff_only
@blp.arguments(ReviewSchema)
@blp.response(200, QuarantinedSchema)
def quarantine_review(body: dict[str, str], row_id: int) -> QuarantinedMutation:
    """Mark quarantined work as reviewed, with what was done about it. It is never applied from here."""
    row = db.session.get(QuarantinedMutation, row_id)
    if row is None:
        raise ApiError(404, "not_found", "No such quarantined change.")
    row.reviewed_at = utcnow()
    row.reviewed_by_id = current_user.id
    row.review_note = body["note"]
    audit(
        "quarantine_reviewed",
        target_type="quarantined_mutation",
        target_id=row.id,
        commit=False,
        device_id=row.device_id,
    )
    db.session.commit()
    return row


@blp.route("/users/<int:user_id>/role", methods=["PUT"])
@admin_only
@require_recent_auth
@blp.arguments(RoleSchema)
@blp.response(200, UserOutSchema)
def change_role(body: dict[str, str], user_id: int) -> User:
    """Change a person's role (admin, recent sign-in); recorded in the audit log."""
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError(404, "not_found", "No such user.")
    if user.id == current_user.id and body["role"] != Role.ADMIN:
        raise ApiError(409, "last_admin", "You cannot take away your own admin role.", field="role")
    old = user.role
    if old != body["role"]:
        user.role = body["role"]
        audit("role_changed", target_type="user", target_id=user.id, commit=False, old=old, new=body["role"])
        db.session.commit()
    return user


@blp.route("/audit")
@admin_only
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditSchema(many=True))
def audit_log(query: dict[str, Any]) -> list[AuditLog]:
    """The audit log, newest first; page with before_id."""
    stmt = db.select(AuditLog).order_by(AuditLog.id.desc()).limit(query["limit"])
    if query["action"]:
        stmt = stmt.where(AuditLog.action == query["action"])
    if query["before_id"]:
        stmt = stmt.where(AuditLog.id < query["before_id"])
    return list(db.session.scalars(stmt))


def _session_owner_id() -> int | None:
    """The user id in the signed session cookie, even when the session no longer signs anyone in."""
    raw = str(session.get("_user_id", ""))
    user_id = raw.partition(":")[0]
    return int(user_id) if user_id.isdigit() else None


def _handing_over() -> Device:
    """The revoked phone handing its work over: accepted from the session that device was signed
    in with, or from a fresh sign-in of its owner."""
    device_id = request.headers.get("X-Device-Id", "")[:64]
    device = db.session.get(Device, device_id) if device_id else None
    if device is None:
        raise ApiError(403, "device_unknown", "Unknown device.", field="X-Device-Id")
    bound = session.get(DEVICE_KEY) == device.id and _session_owner_id() == device.user_id
    owner = current_user.is_authenticated and current_user.id == device.user_id
    if not (bound or owner):
        raise ApiError(401, "not_signed_in", "Sign in as this phone's owner to hand over its work.")
    if not device.revoked:
        raise ApiError(409, "device_not_revoked", "This device is active: sync normally.")
    return device


@quarantine_blp.route("/blobs/<sha256>", endpoint="intake_blob", methods=["PUT"])
def intake_blob(sha256: str) -> Response:
    """The bytes of a photo or signature a revoked phone had not uploaded, handed over whole
    before it wipes: stored like any blob (named by SHA-256, the hash checked) for the admin
    reviewing the quarantined work that names them. Storing bytes applies nothing."""
    device = _handing_over()
    sha256 = blobs.checked_sha(sha256)
    data = blobs.body_bytes(int(current_app.config["MAX_BLOB_BYTES"]))
    store = blobs.store()
    upload = db.session.get(BlobUpload, (sha256, device.user_id))
    if upload is not None:  # an upload cut off before the revocation: start it over
        store.discard_partial(partial_key(sha256, device.user_id))
        db.session.delete(upload)
        db.session.flush()
    try:
        state = put_chunk(
            db.session,
            store,
            sha256=sha256,
            start=0,
            total=len(data),
            data=data,
            limits=blobs.limits(),
            user_id=device.user_id,
            now=utcnow(),
        )
    except UploadError as error:
        db.session.rollback()
        error.field = "body"
        raise
    audit(
        "quarantine_blob_received",
        actor_id=device.user_id,
        target_type="device",
        target_id=device.id,
        sha256=sha256,
        size=len(data),
    )
    return json_response(state.as_json())


@quarantine_blp.route("", endpoint="intake", methods=["POST"])
@quarantine_blp.arguments(IntakeSchema)
@quarantine_blp.response(200, IntakeOutSchema)
def intake(body: dict[str, Any]) -> dict[str, int]:
    """A revoked phone hands over its unsynced outbox before wiping; kept for review, never applied.

    Accepted only for a revoked device, from the session that device was signed in with (or a fresh
    sign-in of its owner). Repeats are harmless: mutations are kept once per (device, mutation id).
    """
    device = _handing_over()
    if len(body["mutations"]) > int(current_app.config["MAX_PUSH_BATCH"]):
        raise ApiError(413, "too_large", "Too many mutations in one request.", field="mutations")
    held = set(
        db.session.scalars(
            db.select(QuarantinedMutation.mutation_id).where(QuarantinedMutation.device_id == device.id)
        )
    )
    received = already = 0
    for index, raw in enumerate(body["mutations"]):
        errors = MutationInSchema().validate(raw, partial=True)
        if errors:
            raise ApiError(422, "invalid", f"mutations.{index}: {errors}", field=f"mutations.{index}")
        mutation_id = str(raw.get("id")) if raw.get("id") is not None else None
        if mutation_id is not None and mutation_id in held:
            already += 1
            continue
        number = raw.get("number")
        db.session.add(
            QuarantinedMutation(
                device_id=device.id,
                user_id=device.user_id,
                mutation_id=mutation_id,
                mutation_number=number if isinstance(number, int) else None,
                entity=raw.get("entity"),
                entity_id=raw.get("entity_id"),
                payload=raw,
            )
        )
        if mutation_id is not None:
            held.add(mutation_id)
        received += 1
    audit(
        "quarantine_received",
        actor_id=device.user_id,
        target_type="device",
        target_id=device.id,
        commit=False,
        received=received,
        already_held=already,
    )
    db.session.commit()
    return {"received": received, "already_held": already}
