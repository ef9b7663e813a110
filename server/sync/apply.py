"""Check a pushed mutation's envelope and hand it to its room: a create (facts.py) or an
update (edits.py). Raises Rejected / FieldError, which roll its savepoint back (P20)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from server.sync.context import PushContext, Rejected
from server.sync.edits import edit
from server.sync.entities import (
    SPECS,
    parse_fields,
)
from server.sync.facts import create


def apply_mutation(ctx: PushContext, raw: Mapping[str, Any], device_time: datetime | None) -> dict[str, Any]:
    """Apply one processed mutation; raises Rejected / FieldError to roll its savepoint back."""
    spec = SPECS.get(raw.get("entity"))  # type: ignore[arg-type]
    if spec is None:
        raise Rejected("unknown_entity", field="entity")
    op = raw.get("op")
    if op not in ("create", "update"):
        raise Rejected("malformed", field="op")
    if op not in spec.ops:
        raise Rejected("immutable" if spec.immutable and op == "update" else "op_not_allowed", field="op")
    entity_id = raw.get("entity_id")
    if not isinstance(entity_id, str) or not 1 <= len(entity_id) <= 36:
        raise Rejected("malformed", field="entity_id")
    sent = raw.get("fields")
    if not isinstance(sent, Mapping):
        raise Rejected("malformed", field="fields")
    sent = dict(sent)
    extras = {k: sent.pop(k) for k in ("transition_reason", "follow_up_outcome", "lines") if k in sent}
    if "lines" in extras and spec.name != "receipt":
        raise Rejected("unknown_field", field="lines")
    if spec.name != "order" and (set(extras) - {"lines"}):
        raise Rejected("unknown_field", field=sorted(set(extras) - {"lines"})[0])
    fields = parse_fields(spec, sent, ctx.role, op)
    if op == "create":
        return create(ctx, spec, entity_id, fields, extras, device_time)
    base_version = raw.get("base_version")
    if not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 0:
        raise Rejected("malformed", field="base_version")
    return edit(ctx, spec, entity_id, fields, extras, base_version, device_time)
