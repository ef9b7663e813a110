"""The sans-I/O merge core on plain data: which field edits apply, merge, or conflict."""

from __future__ import annotations

from server.sync.merge import Delta, three_way

ON_SITE = {"diagnosis", "appointment_confirmed"}.__contains__


def merge(device_fields, history, current, base_version=1, device_id="phone-a"):
    return three_way(
        device_fields=device_fields,
        current=current,
        current_version=max(d.version for d in history),
        base_version=base_version,
        history=history,
        device_id=device_id,
        device_owned=ON_SITE,
    )


HISTORY = [
    Delta(1, {"priority": "normal", "diagnosis": "", "appointment_confirmed": False}, None, 1),
    Delta(2, {"appointment_confirmed": True, "priority": "high"}, None, 7),
]
CURRENT = {"priority": "high", "diagnosis": "", "appointment_confirmed": True}


def test_a_field_the_device_sent_unchanged_from_its_base_does_not_override_the_server():
    result = merge({"appointment_confirmed": False, "diagnosis": "drain pump blocked"}, HISTORY, CURRENT)
    assert result.conflicts == ()
    assert result.apply == {"diagnosis": "drain pump blocked"}
    assert result.outcome == "merged"


def test_the_same_field_changed_on_both_sides_is_a_conflict_with_both_values():
    result = merge({"priority": "low"}, HISTORY, CURRENT)
    [conflict] = result.conflicts
    assert (conflict.base, conflict.server, conflict.device) == ("normal", "high", "low")
    assert conflict.winner == "server" and result.apply == {}


def test_disjoint_fields_merge_silently():
    result = merge({"diagnosis": "seal worn"}, HISTORY, CURRENT)
    assert result.outcome == "merged" and result.apply == {"diagnosis": "seal worn"}
