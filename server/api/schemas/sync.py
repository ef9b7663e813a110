"""The sync push's request and answer as PROTOCOL.md section 3 states them, for the OpenAPI
document (the push parses its batch itself, with orjson, for speed)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

OPS = ["create", "update"]
OUTCOMES = ["applied", "merged", "conflict", "duplicate", "rejected", "gap", "not_processed"]
# PROTOCOL.md section 3: why a mutation was rejected, or how it was stored.
REJECT_REASONS = [
    "malformed",
    "id_taken",
    "number_reused",
    "unknown_entity",
    "unknown_field",
    "read_only_field",
    "invalid_value",
    "too_long",
    "not_found",
    "already_exists",
    "out_of_scope",
    "immutable",
    "op_not_allowed",
    "base_version_ahead",
    "illegal_transition",
    "role_not_allowed",
    "reason_required",
    "consent_required_before_repair",
    "consent_not_needed_in_warranty",
    "loaner_not_returned",
    "follow_up_required_before_close",
    "unknown_status",
    "malformed_receipt_number",
    "wrong_device_prefix",
    "receipt_number_reused",
    "already_voided",
    "link_token_taken",
    "constraint_violated",
]
STORED_REASONS = [
    "fields_merged",
    "already_present",
    "field_conflict",
    "reassigned_work_kept",
    "order_reassigned",
    "order_cancelled_work_kept",
    "no_change",
]


class MutationSchema(Schema):
    id = fields.String(
        required=True, validate=validate.Length(max=64), metadata={"description": "A UUID the device made."}
    )
    number = fields.Integer(
        required=True,
        validate=validate.Range(min=0, max=2**63 - 1),
        metadata={"description": "The device's own counter, one more each time."},
    )
    entity = fields.String(required=True, metadata={"description": "PROTOCOL.md section 1."})
    entity_id = fields.String(required=True, validate=validate.Length(max=64))
    op = fields.String(required=True, validate=validate.OneOf(OPS))
    base_version = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=2**63 - 1))
    fields_ = fields.Dict(
        data_key="fields",
        required=True,
        keys=fields.String(),
        metadata={"description": "Only the fields the mutation sets."},
    )
    device_time = fields.String(allow_none=True, validate=validate.Length(max=40))


class PushBatchSchema(Schema):
    device_time = fields.String(allow_none=True, validate=validate.Length(max=40))
    mutations = fields.List(fields.Nested(MutationSchema), required=True, validate=validate.Length(max=2000))


class PushResultSchema(Schema):
    id = fields.String()
    number = fields.Integer(allow_none=True)
    entity = fields.String()
    entity_id = fields.String()
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    reason = fields.String(allow_none=True, validate=validate.OneOf(REJECT_REASONS + STORED_REASONS))
    params = fields.Dict()
    conflict_ids = fields.List(fields.String())
    time_suspect = fields.Boolean()
    record = fields.Dict(allow_none=True)
    first = fields.Dict(metadata={"description": "For `duplicate`: the first answer, as it was."})


class PushAnswerSchema(Schema):
    server_time = fields.DateTime()
    clock_offset_ms = fields.Integer(allow_none=True)
    last_applied_number = fields.Integer()
    results = fields.List(fields.Nested(PushResultSchema))


class BlobStateSchema(Schema):
    sha256 = fields.String()
    size = fields.Integer(allow_none=True)
    received = fields.Integer()
    complete = fields.Boolean()


PUSH_DOC = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": PushBatchSchema}}},
    "responses": {
        "200": {
            "description": "One result per mutation, in request order.",
            "content": {"application/json": {"schema": PushAnswerSchema}},
        }
    },
}
BLOB_CHUNK_DOC = {
    "parameters": [
        {
            "in": "header",
            "name": "Content-Range",
            "required": False,
            "description": "bytes <start>-<end>/<total>; without it the body is the whole blob.",
            "schema": {"type": "string", "pattern": r"^bytes \d+-\d+/\d+$"},
        }
    ],
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    "responses": {
        "200": {
            "description": "The caller's upload so far.",
            "content": {"application/json": {"schema": BlobStateSchema}},
        },
        "201": {
            "description": "The last chunk: verified and stored.",
            "content": {"application/json": {"schema": BlobStateSchema}},
        },
    },
}
