"""The merge core, sans-I/O: a device's edit against the server's row and its history -> a decision.

Plain JSON-ready values in, plain values out; no session, no clock (P15-P18).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from server.domain import states
from server.domain.decision import Decision

IGNORED = frozenset(
    {"version", "change_seq", "updated_at", "updated_by_id", "updated_device_id", "created_at"}
)


@dataclass(frozen=True)
class Delta:
    """The fields one version of a row set, and the device that set them (None: not a device)."""

    version: int
    changes: Mapping[str, Any]
    device_id: str | None
    user_id: int | None = None


@dataclass(frozen=True)
class FieldConflict:
    """One field changed on both sides: the three values and whose value stands for now."""

    field: str
    base: Any
    server: Any
    device: Any
    winner: str  # "server" | "device"
    server_user_id: int | None = None


@dataclass(frozen=True)
class Merge:
    """What to write and why: outcome applied | merged | conflict, with a reason code."""

    outcome: str
    reason: str | None
    apply: dict[str, Any] = field(default_factory=dict)
    conflicts: tuple[FieldConflict, ...] = ()


def base_values(history: Sequence[Delta], base_version: int) -> dict[str, Any]:
    """Each field's value as of `base_version`, as far as the history knows it."""
    values: dict[str, Any] = {}
    for delta in sorted(history, key=lambda d: d.version):
        if delta.version > base_version:
            break
        values.update(delta.changes)
    return values


def three_way(
    *,
    device_fields: Mapping[str, Any],
    current: Mapping[str, Any],
    current_version: int,
    base_version: int,
    history: Sequence[Delta],
    device_id: str,
    device_owned: Callable[[str], bool],
) -> Merge:
    """Merge a device's field values into the current row, per field, against the base version."""
    since = sorted((d for d in history if d.version > base_version), key=lambda d: d.version)
    complete = {d.version for d in since} >= set(range(base_version + 1, current_version + 1))
    last_touch: dict[str, Delta] = {}
    for delta in since:
        for name in delta.changes:
            last_touch[name] = delta
    others_changed = {
        name for name, delta in last_touch.items() if delta.device_id != device_id and name not in IGNORED
    }
    base = base_values(history, base_version)
    apply: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    for name, value in device_fields.items():
        server_value = current.get(name)
        if value == server_value:
            continue
        if complete:
            changed = name in others_changed
        else:  # history incomplete: any difference since an older base counts as a change
            changed = current_version > base_version
        if not changed:
            apply[name] = value
            continue
        if name in base and value == base[name]:
            continue  # the device sent the value it was given, not an edit: the server's change stands
        winner = "device" if device_owned(name) else "server"
        touch = last_touch.get(name)
        conflicts.append(
            FieldConflict(name, base.get(name), server_value, value, winner, touch.user_id if touch else None)
        )
        if winner == "device":
            apply[name] = value
    if conflicts:
        return Merge("conflict", "field_conflict", apply, tuple(conflicts))
    if others_changed - set(device_fields):
        return Merge("merged", "fields_merged", apply)
    if not apply:
        return Merge("applied", "no_change", apply)
    return Merge("applied", None, apply)


def decide_status(
    current: str,
    target: str,
    *,
    role: str,
    context: states.TransitionContext | Mapping[str, object],
) -> Decision:
    """A status change follows the state machine from the server's current status (P15)."""
    if current == target:
        return Decision.allow("no_change", current=current, target=target)
    return states.transition(current, target, role=role, context=context)


def decide_create(
    existing: Mapping[str, Any] | None, device_fields: Mapping[str, Any]
) -> tuple[str, str | None]:
    """A fact created on a device: new, already there (union by id), or a clash of ids (P18)."""
    if existing is None:
        return "create", None
    if all(existing.get(name) == value for name, value in device_fields.items()):
        return "merged", "already_present"
    return "rejected", "already_exists"
