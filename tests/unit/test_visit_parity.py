"""The phone's visit derivation (pwa/js/visit.js) equals the server's (domain/visit.py) on the same
facts: lateness against the window's end, warranty, prices from two schedules and manual prices,
trade-in, the three waivers and the repeat-repair history, over generated visits."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain import fees
from server.domain.policy import ServicePolicy
from server.domain.visit import PaidRepair, VisitFacts, derive_visit
from server.domain.warranty import WarrantyPolicy
from server.pwa_tables import write as write_tables

HERE = Path(__file__).parent
NODE = shutil.which("node") or "node"
CODES = ["PUMP", "BOARD", "MOTOR"]
JOBS = ["repair", "replace"]
CATEGORIES = ["washing_machine", "refrigerator"]
TODAY = date(2026, 11, 25)
WINDOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def run_js(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    write_tables()
    proc = subprocess.run(
        [NODE, str(HERE / "js_visit.mjs")],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(proc.stdout)


fen = st.integers(0, 30_000)


@st.composite
def schedules(draw: Any, version: str) -> dict[str, Any]:
    labour = [[c, j, draw(fen)] for c in CATEGORIES for j in JOBS if draw(st.booleans())]
    return {
        "version": version,
        "labour": labour,
        "parts": {c: draw(fen) for c in CODES if draw(st.integers(0, 4))},
        "travel_fen": draw(fen),
        "service_fee_fen": draw(fen),
        "trade_in": {c: draw(fen) for c in CODES if draw(st.booleans())},
    }


def rule_schedule(raw: dict[str, Any] | None) -> fees.FeeSchedule | None:
    if raw is None:
        return None
    return fees.FeeSchedule(
        str(raw["version"]),
        {(c, j): f for c, j, f in raw["labour"]},
        raw["parts"],
        raw.get("travel_fen", 0),
        raw.get("service_fee_fen", 0),
        raw.get("trade_in", {}),
    )


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


@st.composite
def visits(draw: Any) -> dict[str, Any]:
    category = draw(st.sampled_from(CATEGORIES))
    window = draw(st.sampled_from([0, 60, 120]))
    start = WINDOW
    end = start + timedelta(minutes=window) if window else None
    tolerance = draw(st.sampled_from([0, 300, 900, 1800]))
    # Seconds after the window's end, the tolerance's boundary drawn often.
    edges = [tolerance - 1, tolerance, tolerance + 1, 0, 1]
    arrived = draw(st.sampled_from(edges) | st.integers(-3600, 3 * 3600) | st.none())
    arrived = None if arrived is None else (end or start) + timedelta(seconds=arrived)
    policy = {
        "late_tolerance": tolerance,
        "late_waiver_enabled": draw(st.booleans()),
        "late_waiver_scope": draw(st.sampled_from(["whole_visit", "service_only"])),
        "repeat_repair_window_days": draw(st.sampled_from([180, 365])),
        "repeat_repair_window_days_by_category": {"washing_machine": draw(st.sampled_from([365, 730]))},
    }
    repairs = [
        {
            "order_id": draw(st.sampled_from(["o-self", "o-1", "o-2"])),
            "repaired_on": (TODAY - timedelta(days=draw(st.integers(-10, 900)))).isoformat(),
            "cause": draw(st.sampled_from(["manufacturing_fault", "misuse"])),
            "total_fen": draw(st.sampled_from([0, 100, 18000])),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    purchase = draw(st.none() | st.integers(0, 1500).map(lambda d: (TODAY - timedelta(days=d)).isoformat()))
    return {
        "order_id": "o-self",
        "category": category,
        "today": TODAY.isoformat(),
        "policy": policy,
        "job": draw(st.none() | st.sampled_from(JOBS)),
        "cause": draw(st.sampled_from(["manufacturing_fault", "misuse", "disaster", "unknown", "flood"])),
        "parts": [
            {
                "code": draw(st.sampled_from(CODES)),
                "qty": draw(st.integers(1, 3)),
                "trade_in_old_part": draw(st.booleans()),
            }
            for _ in range(draw(st.integers(0, 3)))
        ],
        "purchase_date": purchase,
        "manufacture_date": draw(st.none() | st.just("2024-02-29")),
        "warranty_terms": draw(
            st.none()
            | st.just(
                {
                    "category": category,
                    "whole_unit_months": 12,
                    "main_parts_months": 36,
                    "main_parts": ["MOTOR"],
                }
            )
        ),
        "appointment_start": draw(st.just(iso(start)) | st.none()),
        "appointment_end": iso(end),
        "arrived_at": iso(arrived),
        "schedule": draw(st.none() | schedules("1")),
        "other_schedule": draw(st.none() | schedules("2")),
        "manual": draw(
            st.none()
            | st.builds(
                lambda p: {
                    "version": "manual",
                    "labour": [[category, "repair", p]],
                    "parts": {"BOARD": p},
                    "trade_in": {},
                },
                fen,
            )
        ),
        "paid_repairs": repairs,
        "travel_applies": draw(st.booleans()),
        "badge_shown": draw(st.booleans()),
        "schedule_shown": draw(st.booleans()),
        "consent_given": draw(st.booleans()),
    }


def python_derive(case: dict[str, Any]) -> dict[str, Any]:
    terms = case["warranty_terms"]

    def when(v):
        return None if v is None else datetime.fromisoformat(v.replace("Z", "+00:00"))

    return derive_visit(
        VisitFacts(
            order_id=case["order_id"],
            category=case["category"],
            today=date.fromisoformat(case["today"]),
            policy=ServicePolicy.from_mapping(case["policy"]),
            job=case["job"],
            cause=case["cause"],
            parts=[fees.PartUsed(p["code"], p["qty"], p["trade_in_old_part"]) for p in case["parts"]],
            purchase_date=date.fromisoformat(case["purchase_date"]) if case["purchase_date"] else None,
            manufacture_date=date.fromisoformat(case["manufacture_date"])
            if case["manufacture_date"]
            else None,
            warranty_terms=None
            if terms is None
            else WarrantyPolicy(
                terms["category"],
                terms["whole_unit_months"],
                terms["main_parts_months"],
                frozenset(terms["main_parts"]),
            ),
            appointment_start=when(case["appointment_start"]),
            appointment_end=when(case["appointment_end"]),
            arrived_at=when(case["arrived_at"]),
            schedule=rule_schedule(case["schedule"]),
            other_schedule=rule_schedule(case["other_schedule"]),
            manual=rule_schedule(case["manual"]),
            paid_repairs=[
                PaidRepair(r["order_id"], date.fromisoformat(r["repaired_on"]), r["cause"], r["total_fen"])
                for r in case["paid_repairs"]
            ],
            travel_applies=case["travel_applies"],
            badge_shown=case["badge_shown"],
            schedule_shown=case["schedule_shown"],
            consent_given=case["consent_given"],
        )
    )


collected: list[dict[str, Any]] = []


@settings(max_examples=600, deadline=None, database=None, derandomize=True)
@given(visits())
def _collect(case: dict[str, Any]) -> None:
    collected.append(case)


def test_the_phone_derives_every_generated_visit_as_the_server_does() -> None:
    collected.clear()
    _collect()
    answers = run_js(collected)
    assert len(answers) == len(collected) >= 100
    kinds = set()
    for case, got in zip(collected, answers, strict=True):
        expected = python_derive(case)
        assert got == {"ok": json.loads(json.dumps(expected))}, case
        kinds |= {w["code"] for w in (expected["charges"] or {}).get("waivers", [])}
        kinds.add((expected["error"] or {}).get("code", "priced"))
        late = expected["lateness"]
        if late and case["arrived_at"] and case["policy"]["late_tolerance"]:
            due = case["appointment_end"] or case["appointment_start"]
            gap = (
                datetime.fromisoformat(case["arrived_at"].replace("Z", "+00:00"))
                - datetime.fromisoformat(due.replace("Z", "+00:00"))
            ).total_seconds()
            if gap == case["policy"]["late_tolerance"]:
                kinds.add("at_the_tolerance")
    # The generated visits reach every waiver and both ways a visit cannot be priced.
    assert {
        "late_arrival",
        "repeat_repair",
        "badge_not_shown",
        "schedule_not_shown",
        "missing_price",
        "no_fee_schedule",
        "priced",
        "at_the_tolerance",
    } <= kinds
