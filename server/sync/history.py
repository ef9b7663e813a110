"""Row history: the changes each version of a mergeable row made, the three-way merge's memory (P16)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import (
    RowVersion,
)
from server.sync.context import PushContext
from server.sync.entities import (
    SPECS,
    EntitySpec,
)
from server.sync.merge import Delta


def row_history(session: Session, spec: EntitySpec, entity_id: str) -> list[Delta]:
    rows = session.execute(
        select(RowVersion.version, RowVersion.changes, RowVersion.device_id, RowVersion.user_id).where(
            RowVersion.table_name == spec.table, RowVersion.row_id == entity_id
        )
    ).all()
    return [Delta(r.version, r.changes, r.device_id, r.user_id) for r in rows]


def load_history(ctx: PushContext, targets: list[tuple[str, str]]) -> None:
    """The row history of the rows a batch edits, one query per table and 500 rows."""
    wanted: dict[str, set[str]] = {}
    for name, entity_id in targets:
        if len(entity_id) <= 64:
            wanted.setdefault(SPECS[name].table, set()).add(entity_id)
    for table, id_set in wanted.items():
        ids = sorted(id_set)
        for key in ids:
            ctx.history[(table, key)] = []
        for start in range(0, len(ids), 500):
            rows = ctx.session.execute(
                select(
                    RowVersion.row_id,
                    RowVersion.version,
                    RowVersion.changes,
                    RowVersion.device_id,
                    RowVersion.user_id,
                ).where(RowVersion.table_name == table, RowVersion.row_id.in_(ids[start : start + 500]))
            )
            for r in rows:
                ctx.history[(table, r.row_id)].append(Delta(r.version, r.changes, r.device_id, r.user_id))


def cached_history(ctx: PushContext, spec: EntitySpec, entity_id: str) -> list[Delta]:
    key = (spec.table, entity_id)
    found = ctx.history.get(key)
    if found is None:
        found = ctx.history[key] = row_history(ctx.session, spec, entity_id)
    return found
