"""The phone's mirrored rules agree with the server's on generated cases, value for value.

For each rule Hypothesis draws EXAMPLES cases (plus fixed boundary cases), the Python rule answers
each one, and the PWA's JavaScript answers all of them in one Node process
(tests/unit/js_parity_rules.mjs). Rules: warranty (domain/warranty.py, pwa/js/rules.js), lateness
(domain/lateness.py, pwa/js/rules.js), service clocks (domain/service_levels.py,
pwa/js/service-levels.js), the engineer's state machine (domain/states.py, pwa/js/states.js) and
the signed summary (domain/signature.py, pwa/js/summary.js). Charges and the visit are held
together by test_js_parity.py.

Every date and time is drawn from fixed ranges: nothing here reads today's date. Node is required:
without it these tests fail, they never skip.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.domain.lateness import lateness
from server.domain.policy import ServicePolicy
from server.domain.service_levels import deadlines
from server.domain.signature import CanonicalFormError, canonical_summary, summary_hash
from server.domain.states import TRANSITIONS, OrderStatus, Role, legal_targets, transition
from server.domain.warranty import DISASTER_KINDS, Cause, WarrantyPolicy, add_months, decide_warranty

HERE = Path(__file__).parent
RUNNER = HERE / "js_parity_rules.mjs"
EXAMPLES = int(os.environ.get("RULE_PARITY_EXAMPLES", "300"))
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)


# --- running both sides ------------------------------------------------------------------------


def run_js(kind: str, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The JavaScript rule's answer to every case, from one Node process."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed to check the PWA's rules against the server's (install node >= 20)")
    proc = subprocess.run(
        [node, str(RUNNER)],
        input=json.dumps({"kind": kind, "cases": cases}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        pytest.fail(f"the JavaScript runner failed on {kind}:\n{proc.stderr}")
    answers = json.loads(proc.stdout)
    assert len(answers) == len(cases)
    return answers


def drawn(strategy: st.SearchStrategy[Any], count: int = EXAMPLES) -> list[Any]:
    """`count` cases drawn by Hypothesis (no database: every run draws afresh)."""
    found: list[Any] = []

    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(case: Any) -> None:
        found.append(case)

    collect()
    return found


def assert_agree(
    kind: str,
    cases: list[dict[str, Any]],
    python: Callable[[dict[str, Any]], Any],
    phone_view: Callable[[Any], Any] = lambda answer: answer,
) -> None:
    """Both sides give the same answer on every case (the smallest disagreements are shown)."""
    js = run_js(kind, cases)
    bad = []
    for case, got in zip(cases, js, strict=True):
        want = python(case)
        if phone_view(got) != want:
            bad.append((case, want, got))
    if bad:
        bad.sort(key=lambda item: len(json.dumps(item[0], default=str)))
        shown = "\n".join(
            f"case:   {json.dumps(c, ensure_ascii=False)}\npython: {w}\njs:     {g}" for c, w, g in bad[:5]
        )
        pytest.fail(f"{len(bad)} of {len(cases)} {kind} cases differ; the smallest:\n{shown}")


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def millis(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - EPOCH) // MS


# --- warranty ----------------------------------------------------------------------------------

CATEGORIES = ["washing_machine", "refrigerator", "air_conditioner", "water_heater"]
PART_CODES = ["compressor", "motor", "pcb", "pump", "AC-CAP"]
CAUSES = [c.value for c in Cause] + sorted(DISASTER_KINDS)
DAYS = st.dates(date(2000, 1, 1), date(2040, 12, 31))


@st.composite
def warranty_cases(draw: st.DrawFn) -> dict[str, Any]:
    category = draw(st.sampled_from(CATEGORIES))
    policy: dict[str, Any] = {
        "category": category,
        "whole_unit_months": draw(st.integers(0, 72)),
        "main_parts_months": draw(st.integers(0, 144)),
        "main_parts": draw(st.lists(st.sampled_from(PART_CODES), unique=True, max_size=3)),
    }
    if draw(st.booleans()):  # the synced record has no grace; both sides default to 3 months
        policy["manufacture_grace_months"] = draw(st.integers(0, 24))
    purchase = draw(st.none() | DAYS)
    made = draw(st.none() | DAYS)
    start = purchase or (add_months(made, policy.get("manufacture_grace_months", 3)) if made else None)
    anchors = [draw(DAYS)]
    if start is not None:  # the days around the start and both expiries
        anchors += [
            start,
            add_months(start, policy["whole_unit_months"]) - timedelta(days=1),
            add_months(start, max(policy["whole_unit_months"], policy["main_parts_months"]))
            - timedelta(days=1),
        ]
    today = draw(st.sampled_from(anchors)) + timedelta(days=draw(st.integers(-2, 2)))
    return {
        "purchaseDate": purchase and purchase.isoformat(),
        "manufactureDate": made and made.isoformat(),
        "cause": draw(st.sampled_from(CAUSES)),
        "today": today.isoformat(),
        "policy": policy,
        "partCode": draw(st.none() | st.sampled_from(PART_CODES)),
    }


WARRANTY_BOUNDARIES = [
    # 12 months from 31 Jan 2025: the last covered day is 30 Jan 2026.
    {
        "purchaseDate": "2025-01-31",
        "manufactureDate": None,
        "cause": "unknown",
        "today": today,
        "policy": {
            "category": "refrigerator",
            "whole_unit_months": 12,
            "main_parts_months": 36,
            "main_parts": ["compressor"],
        },
        "partCode": part,
    }
    for today in ("2026-01-29", "2026-01-30", "2026-01-31", "2028-01-30", "2028-01-31")
    for part in (None, "compressor")
] + [
    # month ends: 31 Aug + 6 months = 28/29 Feb; a manufacture date plus the grace; a future purchase
    {
        "purchaseDate": p,
        "manufactureDate": m,
        "cause": c,
        "today": t,
        "policy": {
            "category": "washing_machine",
            "whole_unit_months": 6,
            "main_parts_months": 0,
            "main_parts": [],
        },
        "partCode": None,
    }
    for p, m, t, c in [
        ("2023-08-31", None, "2024-02-28", "manufacturing_fault"),
        ("2023-08-31", None, "2024-02-29", "manufacturing_fault"),
        ("2023-08-31", None, "2024-03-01", "manufacturing_fault"),
        (None, "2023-05-31", "2024-02-28", "unknown"),
        (None, "2023-05-31", "2024-02-29", "unknown"),
        ("2026-03-02", None, "2026-03-01", "unknown"),
        ("2026-03-01", None, "2026-03-01", "flood"),
        (None, None, "2026-03-01", "misuse"),
    ]
]


def python_warranty(case: dict[str, Any]) -> dict[str, Any]:
    raw = case["policy"]
    policy = WarrantyPolicy(
        category=raw["category"],
        whole_unit_months=raw["whole_unit_months"],
        main_parts_months=raw["main_parts_months"],
        main_parts=frozenset(raw["main_parts"]),
        **(
            {"manufacture_grace_months": raw["manufacture_grace_months"]}
            if "manufacture_grace_months" in raw
            else {}
        ),
    )
    day = lambda text: date.fromisoformat(text) if text else None  # noqa: E731
    got = decide_warranty(
        day(case["purchaseDate"]),
        raw["category"],
        case["cause"],
        date.fromisoformat(case["today"]),
        policy,
        case["partCode"],
        manufacture_date=day(case["manufactureDate"]),
    )
    return {
        "inWarranty": got.in_warranty,
        "reason": got.reason,
        "params": {k: v.isoformat() if isinstance(v, date) else v for k, v in got.params.items()},
        "expiresOn": got.expires_on and got.expires_on.isoformat(),
    }


def test_warranty_decisions_agree() -> None:
    cases = WARRANTY_BOUNDARIES + drawn(warranty_cases())
    assert_agree("warranty", cases, python_warranty, lambda got: got.get("ok", got))


# --- lateness ----------------------------------------------------------------------------------

ZONES = [
    UTC,
    timezone(timedelta(hours=8)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=14)),
]
MOMENTS = st.datetimes(datetime(2024, 1, 1), datetime(2030, 12, 31)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
)  # the phone's clock: milliseconds


def ms_around(centre: int, spread: int) -> st.SearchStrategy[timedelta]:
    return st.integers(centre - spread, centre + spread).map(lambda n: n * MS)


def policy_for_js(policy: ServicePolicy | None, names: tuple[str, ...], full: bool) -> dict[str, Any]:
    """The policy as the phone holds it: the whole synced record, or only the names given."""
    if policy is None:
        return {}
    values = policy.to_mapping()
    return values if full else {n: values[n] for n in names}


@st.composite
def lateness_cases(draw: st.DrawFn) -> dict[str, Any]:
    tolerance = draw(st.just(timedelta(minutes=15)) | st.integers(0, 7_200_000).map(lambda n: n * MS))
    policy = draw(
        st.none()
        | st.builds(ServicePolicy, late_tolerance=st.just(tolerance), late_waiver_enabled=st.booleans())
    )
    zone = draw(st.sampled_from(ZONES))
    start = draw(MOMENTS).replace(tzinfo=zone)
    end = draw(st.none() | st.sampled_from([start]) | ms_around(0, 4 * 3_600_000).map(lambda d: start + d))
    due = end if end is not None and end > start else start
    effective = (policy or ServicePolicy()).late_tolerance // MS
    late_by = draw(
        ms_around(0, 3_000)
        | ms_around(effective, 3_000)
        | ms_around(0, 6 * 3_600_000)
        | st.integers(-3, 200).map(lambda n: n * timedelta(minutes=1))
    )
    arrived = (due + late_by).astimezone(draw(st.sampled_from(ZONES)))
    return {
        "start": iso(start),
        "end": end and iso(end),
        "arrived": iso(arrived),
        "_policy": policy,  # for the Python side only (dropped before JSON)
        "policy": policy_for_js(policy, ("late_tolerance", "late_waiver_enabled"), draw(st.booleans())),
    }


def lateness_boundaries() -> list[dict[str, Any]]:
    """A 10:00-12:00 window: before it, in it, at its end, 14:59 / 15:00 / 15:01 after, a point."""
    cst = timezone(timedelta(hours=8))
    start, end = datetime(2026, 6, 1, 10, tzinfo=cst), datetime(2026, 6, 1, 12, tzinfo=cst)
    cases = []
    after = (-3600, 0, 1, 600, 7200, 7200.001, 7200 + 899, 7200 + 899.999, 7200 + 900, 7200 + 901, 7201 + 900)
    for off in after:
        arrived = start + timedelta(seconds=off)
        for policy in (None, ServicePolicy(late_waiver_enabled=False)):
            cases.append(
                {
                    "start": iso(start),
                    "end": iso(end),
                    "arrived": iso(arrived),
                    "_policy": policy,
                    "policy": policy_for_js(policy, ("late_waiver_enabled",), False),
                }
            )
        cases.append({"start": iso(end), "end": None, "arrived": iso(arrived), "_policy": None, "policy": {}})
    return cases


def python_lateness(case: dict[str, Any]) -> dict[str, Any]:
    end = datetime.fromisoformat(case["end"]) if case["end"] else None
    got = lateness(
        datetime.fromisoformat(case["start"]),
        datetime.fromisoformat(case["arrived"]),
        case["_policy"],
        appointment_end=end,
    )
    return {"ok": dataclasses.asdict(got)}


def for_json(cases: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """The cases without their Python-only keys, and the full cases by position."""
    return [{k: v for k, v in c.items() if not k.startswith("_")} for c in cases], dict(enumerate(cases))


def assert_agree_with_private(
    kind: str, cases: list[dict[str, Any]], python: Callable[[dict[str, Any]], Any]
) -> None:
    public, full = for_json(cases)
    for i, c in enumerate(public):
        c["_i"] = i
    assert_agree(kind, public, lambda c: python(full[c["_i"]]))


def test_lateness_tiers_agree() -> None:
    assert_agree_with_private("lateness", lateness_boundaries() + drawn(lateness_cases()), python_lateness)


# --- service clocks ----------------------------------------------------------------------------

CLOCK_NAMES = ("contact_within", "on_site_within", "complete_within", "follow_up_within")


@st.composite
def deadline_cases(draw: st.DrawFn) -> dict[str, Any]:
    duration = st.integers(0, 10 * 86_400).map(lambda s: timedelta(seconds=s)) | st.integers(
        0, 10 * 86_400_000
    ).map(lambda n: n * MS)
    policy = draw(st.none() | st.builds(ServicePolicy, **{n: duration for n in CLOCK_NAMES}))
    reported = draw(MOMENTS).replace(tzinfo=draw(st.sampled_from(ZONES)))
    on_site = (policy or ServicePolicy()).on_site_within

    def when() -> str | None:  # none, or near the report (at the 48 hours, too), in any zone
        if draw(st.booleans()):
            return None
        moment = reported + draw(ms_around(0, 10 * 86_400_000) | st.sampled_from([on_site, timedelta(0)]))
        return iso(moment.astimezone(draw(st.sampled_from(ZONES))))

    return {
        "reported_at": iso(reported),
        "requested_window_start": when(),
        "requested_window_end": when(),
        "completed_at": when(),
        "_policy": policy,
        "policy": policy_for_js(policy, CLOCK_NAMES, draw(st.booleans()))
        if policy
        else draw(st.sampled_from([None, {}])),
    }


def python_deadlines(case: dict[str, Any]) -> dict[str, Any]:
    moment = lambda text: datetime.fromisoformat(text) if text else None  # noqa: E731
    due = deadlines(
        moment(case["reported_at"]),
        moment(case["requested_window_start"]),
        moment(case["completed_at"]),
        case["_policy"],
        requested_window_end=moment(case["requested_window_end"]),
    )
    return {"ok": {k: millis(v) for k, v in dataclasses.asdict(due).items()}}


def test_service_clocks_agree() -> None:
    assert_agree_with_private("deadlines", drawn(deadline_cases()), python_deadlines)


def test_order_list_clock_is_due_by_the_service_clocks() -> None:
    """views/list.js clockOf: whichever clock it shows is due when deadlines() says, synced policy."""
    cases = []
    for i, case in enumerate(drawn(deadline_cases(), count=max(EXAMPLES // 3, 20))):
        reported = datetime.fromisoformat(case["reported_at"])
        order = {
            "status": ["assigned", "accepted", "contacted", "scheduled", "on_site", "in_repair"][i % 6],
            "reported_at": case["reported_at"],
            "requested_window_start": case["requested_window_start"],
            "requested_window_end": case["requested_window_end"],
            "completed_at": case["completed_at"],
            "contacted_at": case["reported_at"] if i % 4 else None,
            "arrived_at": case["reported_at"] if i % 3 == 0 else None,
        }
        cases.append({**case, "order": order, "now": millis(reported + timedelta(hours=i % 100))})
    public, _ = for_json(cases)
    for case, got in zip(cases, run_js("clock", public), strict=True):
        assert "ok" in got and got["ok"] is not None, (case, got)
        want = getattr(
            deadlines(
                datetime.fromisoformat(case["reported_at"]),
                case["requested_window_start"] and datetime.fromisoformat(case["requested_window_start"]),
                case["completed_at"] and datetime.fromisoformat(case["completed_at"]),
                case["_policy"],
                requested_window_end=case["requested_window_end"]
                and datetime.fromisoformat(case["requested_window_end"]),
            ),
            f"{got['ok']['kind']}_by",
        )
        assert got["ok"]["due"] == millis(want), (public[cases.index(case)], got)
        assert got["ok"]["overdue"] == (case["now"] > millis(want))


def test_service_clocks_read_the_policy_names_in_seconds() -> None:
    """The worked numbers of test_service_levels.py, with the operator's policy as the phone holds it."""
    cst = timezone(timedelta(hours=8))
    reported = datetime(2026, 11, 23, 9, 30, tzinfo=cst)
    policy = ServicePolicy(contact_within=timedelta(hours=1), complete_within=timedelta(hours=24))
    case = {
        "reported_at": iso(reported),
        "requested_window_start": None,
        "requested_window_end": None,
        "completed_at": iso(datetime(2026, 11, 24, 16, tzinfo=cst)),
        "policy": policy.to_mapping(),
    }
    [got] = run_js("deadlines", [case])
    assert (
        got["ok"]
        == {
            "contact_by": millis(datetime(2026, 11, 23, 10, 30, tzinfo=cst)),
            "on_site_by": millis(datetime(2026, 11, 25, 9, 30, tzinfo=cst)),
            "complete_by": millis(datetime(2026, 11, 25, 9, 30, tzinfo=cst)),  # never before the visit
            "follow_up_by": millis(datetime(2026, 11, 27, 16, tzinfo=cst)),
        }
        == python_deadlines({**case, "_policy": policy})["ok"]
    )


# --- the engineer's state machine --------------------------------------------------------------


def test_the_phone_reads_tables_generated_from_the_server() -> None:
    """states.js, service-levels.js, rules.js and views/conflicts.js read pwa/js/generated/tables.js:
    it must be what server/domain/tables.py makes of the Python now (`make pwa` writes it)."""
    from server.domain.tables import module_text, tables
    from server.pwa_tables import DEFAULT_OUT
    from server.sync.entities import DISPATCHER_OWNED

    owned = {name: sorted(fields) for name, fields in DISPATCHER_OWNED.items()}
    assert DEFAULT_OUT.exists() and DEFAULT_OUT.read_text(encoding="utf-8") == module_text(tables(owned)), (
        "pwa/js/generated/tables.js is missing or stale: run .venv/bin/python -m server.pwa_tables"
    )


STATUSES = [s.value for s in OrderStatus]
NOT_STATUSES = ["", "Assigned", "constructor", "__proto__", "toString", "hasOwnProperty", "done"]
# What str.strip() removes and String.prototype.trim() does not, and the other way round (U+FEFF).
ODD_BLANKS = ["\x1c", "\x1f", "\x85", "\ufeff", "\u200b", "\u3000", "\u2028", " \t\n"]
# The phone knows the engineer's moves only: a move that is someone else's, or a status it has
# never heard of, is simply not one of its moves.
PHONE_VIEW = {"role_not_allowed": "illegal_transition", "unknown_status": "illegal_transition"}


@st.composite
def state_cases(draw: st.DrawFn) -> dict[str, Any]:
    current = draw(st.sampled_from(STATUSES) | st.sampled_from(NOT_STATUSES))
    moves = [t.value for (s, t) in TRANSITIONS if s.value == current]
    target = draw(
        st.sampled_from(moves)
        if moves and draw(st.booleans())
        else st.sampled_from(STATUSES) | st.sampled_from(NOT_STATUSES)
    )
    if current == target and current not in STATUSES:
        target = "received"  # an unknown status moved to itself: the phone cannot tell it is unknown
    blanks = st.lists(st.sampled_from(ODD_BLANKS), max_size=3).map("".join)
    padded = st.sampled_from(ODD_BLANKS).map(lambda b: f"{b}late{b}")
    reason = draw(st.none() | st.text(max_size=5) | blanks | padded)
    return {
        "current": current,
        "target": target,
        "context": {
            "reason": reason,
            "inWarranty": draw(st.sampled_from([None, True, False])),
            "consentGiven": draw(st.booleans()),
            "loanerOut": draw(st.booleans()),
        },
    }


def python_states(case: dict[str, Any]) -> dict[str, Any]:
    ctx = case["context"]
    got = transition(
        case["current"],
        case["target"],
        role=Role.ENGINEER,
        context={
            "reason": ctx["reason"],
            "in_warranty": ctx["inWarranty"],
            "consent_given": ctx["consentGiven"],
            "loaner_out": ctx["loanerOut"],
        },
    )
    rule = None
    if case["current"] in STATUSES and case["target"] in STATUSES:
        rule = TRANSITIONS.get((OrderStatus(case["current"]), OrderStatus(case["target"])))
    return {
        "ok": {
            "allowed": got.allowed,
            "reason": PHONE_VIEW.get(got.reason, got.reason),
            "targets": [t.value for t in legal_targets(case["current"], Role.ENGINEER)],
            "reason_required": bool(rule and Role.ENGINEER in rule.roles and rule.reason_required),
        }
    }


def state_boundaries() -> list[dict[str, Any]]:
    """Every pair of statuses with no reason, a blank one and a real one, out of warranty; and every
    move that needs a reason with each of the blanks the two languages disagree on."""

    def case(s: str, t: str, r: str | None) -> dict[str, Any]:
        return {
            "current": s,
            "target": t,
            "context": {"reason": r, "inWarranty": False, "consentGiven": False, "loanerOut": False},
        }

    needing = [(s.value, t.value) for (s, t), rule in TRANSITIONS.items() if rule.reason_required]
    return [case(s, t, r) for s in STATUSES for t in STATUSES for r in (None, " ", "customer declined")] + [
        case(s, t, r) for s, t in needing for r in ODD_BLANKS
    ]


def test_engineer_moves_agree() -> None:
    assert_agree("states", state_boundaries() + drawn(state_cases()), python_states)


# --- the signed summary ------------------------------------------------------------------------

KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
# Text that normalisation and escaping treat specially: combining marks, Hangul, compatibility
# ideographs, the Angstrom sign, line separators, control characters, quotes, astral characters.
AWKWARD = [
    "e\u0301",
    "\u1100\u1161\u11a8",
    "\uf900",
    "\u212b",
    "\u2028",
    "\u2029",
    "\x00",
    "\x1f",
    "\x7f",
    '"',
    "\\",
    "/",
    "\u00e9",
    "王",
    "😀",
    "\U0002a6d6",
    "\ufeff",
    "\u0344",
    "\u0958",
]
TEXT = st.lists(st.characters(codec="utf-8") | st.sampled_from(AWKWARD), max_size=8).map("".join)
SAFE = 2**53 - 1
SCALARS = st.none() | st.booleans() | st.integers(-SAFE, SAFE) | st.sampled_from([SAFE, -SAFE, 0]) | TEXT
JSONISH = st.recursive(
    SCALARS, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(KEYS, kids, max_size=3), max_leaves=8
)


@st.composite
def signed_at(draw: st.DrawFn) -> str:
    """A signing time as ISO 8601 with a zone: Z, +hh:mm or +hhmm, with 0 to 7 fraction digits."""
    zone = draw(st.sampled_from([*ZONES, timezone(timedelta(hours=-9, minutes=-30))]))
    moment = draw(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31), timezones=st.just(UTC)))
    local = moment.astimezone(zone)
    fraction = draw(st.sampled_from(["", ".0", ".123", ".999", ".123456", ".9999999"]))
    offset = local.strftime("%z")
    written = draw(st.sampled_from([f"{offset[:3]}:{offset[3:]}", offset] + (["Z"] if zone is UTC else [])))
    return local.strftime("%Y-%m-%dT%H:%M:%S") + fraction + written


FAULTS = {
    "float": st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f != int(f)),
    "integer_out_of_range": st.sampled_from([SAFE + 1, -SAFE - 1, 2**60, -(2**60)]),
    "invalid_key": st.sampled_from(["Bad", "1a", "a-b", "", "é", "a\n", "_A", "0"]),
    "lone_surrogate": st.sampled_from(["\ud800", "a\udc00b", "\udbff", "x\udfff"]),
    "naive_time": st.sampled_from(["2026-11-25T10:00:00", "2026-11-25", "2026-11-25T10:00:00.5"]),
    "bad_time": st.sampled_from(["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-25T10:00:00+24:00"]),
}
FIELD_NAMES = sorted(
    [
        "order_id",
        "customer_name",
        "unit",
        "work_done",
        "parts",
        "charge_lines",
        "total_fen",
        "ratings",
        "signed_at",
    ]
)


def through_json(value: Any) -> Any:
    """What the other side reads: JSON joins a surrogate pair into one character, as a phone's would."""
    return json.loads(json.dumps(value))


@st.composite
def summary_cases(draw: st.DrawFn) -> dict[str, Any]:
    line = st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["labour", "part", "travel", "waiver"]),
            "code": TEXT,
            "qty": st.integers(-3, 99),
            "unit_fen": st.integers(-SAFE, SAFE),
            "amount_fen": st.integers(-SAFE, SAFE),
        },
        optional={"reason": TEXT, "schedule_version": st.none() | TEXT, "extra": JSONISH},
    )
    summary: dict[str, Any] = {
        "order_id": draw(TEXT),
        "customer_name": draw(TEXT),
        "unit": draw(st.dictionaries(KEYS, JSONISH, max_size=4)),
        "work_done": draw(TEXT),
        "parts": draw(st.lists(line, max_size=3)),
        "charge_lines": draw(st.lists(line, max_size=3)),
        "total_fen": draw(st.integers(-SAFE, SAFE)),
        "ratings": draw(st.none() | st.dictionaries(KEYS, st.none() | st.integers(1, 5) | st.booleans())),
        "signed_at": draw(signed_at()),
    }
    fault = draw(st.none() | st.sampled_from([*FAULTS, "missing_field", "unknown_field"]))
    if fault in ("naive_time", "bad_time"):
        summary["signed_at"] = draw(FAULTS[fault])
    elif fault == "missing_field":
        del summary[draw(st.sampled_from(FIELD_NAMES))]
    elif fault == "unknown_field":
        summary[draw(KEYS.filter(lambda k: k not in FIELD_NAMES) | st.sampled_from(["Extra", "é"]))] = 1
    elif fault is not None:  # one bad value (or key) somewhere in one field
        bad = draw(FAULTS[fault])
        name = draw(st.sampled_from(["unit", "parts", "ratings", "total_fen", "work_done"]))
        if fault == "invalid_key":
            summary[name] = {**(summary[name] if isinstance(summary[name], dict) else {}), bad: 1}
        elif name in ("unit", "ratings"):
            summary[name] = {**(summary[name] or {}), draw(KEYS): [bad]}
        elif name == "parts":
            summary[name] = [*summary[name], {"qty": bad}]
        else:
            summary[name] = bad
    return through_json(summary)


def python_summary(case: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"ok": {"text": canonical_summary(case).decode(), "hash": summary_hash(case)}}
    except CanonicalFormError as error:
        return {"error": error.code, "path": error.path}


def summary_examples() -> list[dict[str, Any]]:
    """The worked example of CANONICAL_SUMMARY.md, and awkward text, as the fixtures test has them."""
    doc = (HERE.parents[1] / "server" / "domain" / "CANONICAL_SUMMARY.md").read_text()
    example = json.loads(re.search(r"```json\n(.*?)```", doc, re.S).group(1))
    awkward = {
        **example,
        "customer_name": 'Cafe\u0301 "王"\t\x01',
        "work_done": "line\nline\u2028",
        "signed_at": "2026-11-25T23:59:59.999-05:00",
    }
    return [
        example,
        awkward,
        {**example, "total_fen": SAFE},
        {**example, "total_fen": SAFE + 1},
        {**example, "total_fen": 1.5},
        {**example, "unit": {"Bad": 1}},
        {**example, "extra": 1},
    ]


def test_signed_summary_is_byte_identical() -> None:
    cases = summary_examples() + drawn(summary_cases())
    assert_agree("summary", cases, python_summary)


def test_signed_summary_worked_example_hash() -> None:
    doc = (HERE.parents[1] / "server" / "domain" / "CANONICAL_SUMMARY.md").read_text()
    expected = re.search(r"SHA-256: `([0-9a-f]{64})`", doc).group(1)
    [got] = run_js("summary", summary_examples()[:1])
    assert got["ok"]["hash"] == python_summary(summary_examples()[0])["ok"]["hash"] == expected
    assert unicodedata.is_normalized("NFC", got["ok"]["text"])


# --- forms the two sides once read differently ------------------------------------------------


def test_warranty_params_name_the_part_and_the_grace_months() -> None:
    policy = {
        "category": "refrigerator",
        "whole_unit_months": 12,
        "main_parts_months": 36,
        "main_parts": ["compressor"],
    }
    asked = {"cause": "unknown", "today": "2026-06-01", "policy": policy}
    cases = [
        {**asked, "purchaseDate": "2025-01-31", "manufactureDate": None, "partCode": "compressor"},
        {**asked, "purchaseDate": None, "manufactureDate": "2025-01-31", "partCode": None},
    ]
    assert [got["ok"] for got in run_js("warranty", cases)] == [python_warranty(c) for c in cases]


# Signing times outside the one form both read (YYYY-MM-DDTHH:MM[:SS[.f]] with Z, +hh:mm or +hhmm),
# which datetime.fromisoformat and Date alone would read differently: both refuse them alike.
SIGNED_AT_GAPS = [
    "2026-11-25T23Z",
    "2026-11-25T23:59:59+05",
    "2026-11-25T23:59:59+05:30:15",
    "20261125T235959Z",
    "2026-W48-3T10:00:00Z",
    "2026-11-25T23:59:59,5Z",
    "2026-11-25T10:00:00.Z",  # the server only
    "2026-11-25t23:59:59z",
    "2026-11-25T24:00:00Z",
    "2026-02-30T10:00:00Z",  # the phone only (30 Feb!)
    "0999-11-25T10:00:00Z",  # both, written "999-..." by the server and "0999-..." by the phone
    "2026-11-25T10:00:00Z ",
    "yesterday",  # refused by both, with different codes
]


def test_signing_times_outside_the_one_form_are_refused_alike() -> None:
    base = summary_examples()[0]
    cases = [{**base, "signed_at": text} for text in SIGNED_AT_GAPS]
    assert run_js("summary", cases) == [python_summary(c) for c in cases]


def test_a_summary_with_two_faults_names_the_same_first_one() -> None:
    base = summary_examples()[0]
    cases = [{**base, "unit": {"b": 1.5, "A": 1}}, {**base, "unit": {"Bad": 1}}]
    assert run_js("summary", cases) == [python_summary(c) for c in cases]


def arrival_cases() -> st.SearchStrategy[dict[str, Any]]:
    """An address in one city (or none known), a position some way from it, and the radius: from
    metres away (inside the radius) to kilometres (far)."""
    lat = st.floats(min_value=35.9, max_value=36.4, allow_nan=False)
    lng = st.floats(min_value=120.0, max_value=120.7, allow_nan=False)
    address = st.fixed_dictionaries({"lat": lat, "lng": lng})
    step = st.one_of(st.floats(-0.002, 0.002), st.floats(-0.05, 0.05))  # ~200 m or ~5 km in latitude
    return st.fixed_dictionaries(
        {
            "address": address,
            "known": st.booleans(),
            "d_lat": step,
            "d_lng": step,
            "accuracy_m": st.integers(3, 500),
            "radius_m": st.integers(50, 1000),
        }
    ).map(
        lambda c: {
            "location": c["address"] if c["known"] else None,
            "position": {
                "lat": c["address"]["lat"] + c["d_lat"],
                "lng": c["address"]["lng"] + c["d_lng"],
                "accuracy_m": c["accuracy_m"],
            },
            "radius_m": c["radius_m"],
        }
    )


def test_the_phone_and_the_server_read_an_arrival_position_alike() -> None:
    """pwa/js/position.js arrivalEvidence and server/domain/arrival.py check_arrival: the same
    distance to the metre and the same "far from the address" on generated positions."""
    from server.domain.arrival import check_arrival

    cases = drawn(arrival_cases())
    far = 0
    for case, got in zip(cases, run_js("arrival", cases), strict=True):
        assert "ok" in got, (case, got)
        phone = got["ok"]
        server = check_arrival({"position": case["position"], **phone}, case["location"], case["radius_m"])
        assert server is not None
        assert phone["distance_m"] == server.distance_m, case
        assert phone.get("far_from_address") == server.far_from_address or case["location"] is None, case
        assert not server.disagrees, case
        far += bool(server.far_from_address)
    assert 0 < far < len(cases)  # both sides of the radius were drawn
