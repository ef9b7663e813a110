"""The service policy in force: every device syncs it, the console's labels read it, an admin
changes it (recent sign-in, audited); phones compute with the new numbers after their next sync."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.errors import ApiError
from server.auth.roles import require_role, signed_in
from server.domain.policy import ServicePolicy
from server.extensions import db
from server.models import Role, ServicePolicyRecord
from server.security import audit, require_recent_auth
from server.services import policy as policy_service
from server.sync import derive

blp = Blueprint("policy", __name__, url_prefix="/api/policy", description="The service policy")


class PolicySchema(Schema):
    values = fields.Dict(metadata={"description": "ServicePolicy's fields; durations in seconds"})
    timezone = fields.String()
    version = fields.Integer()


class PolicyInSchema(Schema):
    values = fields.Dict(required=True, metadata={"description": "the settings to change, by name"})
    timezone = fields.String(validate=validate.Length(min=1, max=60))


def _body(row: ServicePolicyRecord) -> dict[str, Any]:
    return {"values": row.values, "timezone": row.timezone, "version": row.version}


@blp.route("", methods=["GET"])
@signed_in
@blp.response(200, PolicySchema)
def get_policy() -> dict[str, Any]:
    """The policy in force, under ServicePolicy's names."""
    row = derive.policy_record(db.session)
    db.session.commit()
    return _body(row)


@blp.route("", methods=["PUT"])
@require_role(Role.ADMIN)
@require_recent_auth
@blp.arguments(PolicyInSchema)
@blp.response(200, PolicySchema)
@blp.alt_response(422, description="A setting unknown or out of its range; `field` names it")
def put_policy(body: dict[str, Any]) -> dict[str, Any]:
    """Change some settings; the rest stay. Refused whole when any one does not fit."""
    row = derive.policy_record(db.session)
    for name, value in body["values"].items():
        try:
            ServicePolicy.from_mapping({name: value})
        except (ValueError, TypeError) as error:
            raise ApiError(422, "invalid", str(error), f"values.{name}") from None
    merged = {**row.values, **body["values"]}
    try:
        values = ServicePolicy.from_mapping(merged).to_mapping()
    except (ValueError, TypeError) as error:
        raise ApiError(422, "invalid", str(error), "values") from None
    zone = body.get("timezone", row.timezone)
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        raise ApiError(422, "invalid", "Not a time zone.", "timezone") from None
    if values != row.values or zone != row.timezone:
        old = row.values
        row.values, row.timezone = values, zone
        audit(
            "policy_changed",
            target_type="service_policy",
            target_id=row.id,
            commit=False,
            changed={k: [old.get(k), v] for k, v in values.items() if old.get(k) != v},
        )
        db.session.commit()
        policy_service.forget()
    return _body(row)
