"""The PWA's charge rules and canonical summary agree with the server's, on shared fixtures."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.domain.fees import ChargeInput, FeeSchedule, PartUsed, PreviousRepair, compute_charges
from server.domain.lateness import Lateness, lateness
from server.domain.policy import ServicePolicy
from server.domain.signature import CanonicalFormError, canonical_summary, summary_hash
from server.domain.visit import charges_json

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "fixtures" / "charges_cases.json"
NODE = shutil.which("node") or "node"  # `make test` needs Node for the PWA build anyway


def run_js(kind: str, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [NODE or "node", str(HERE / "js_rules.mjs")],
        input=json.dumps({"kind": kind, "cases": cases}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(proc.stdout)


def schedule(raw: dict[str, Any]) -> FeeSchedule:
    return FeeSchedule(
        version=str(raw["version"]),
        labour={(c, j): fen for c, j, fen in raw.get("labour", [])},
        parts=raw.get("parts", {}),
        travel_fen=raw.get("travel_fen", 0),
        service_fee_fen=raw.get("service_fee_fen", 0),
        trade_in=raw.get("trade_in", {}),
    )


DUE = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def case_policy(case: dict[str, Any]) -> ServicePolicy:
    pol = case.get("policy", {})
    return ServicePolicy.from_mapping(
        {
            "late_tolerance": timedelta(minutes=pol.get("late_tolerance_minutes", 15)),
            "late_waiver_enabled": pol.get("late_waiver_enabled", True),
            "late_waiver_scope": pol.get("late_waiver_scope", "whole_visit"),
            "currency": pol.get("currency", "CNY"),
        }
    )


def case_lateness(case: dict[str, Any]) -> Lateness | None:
    """A case's recorded lateness (minutes after the window's end) as the domain judges it."""
    minutes = case.get("lateness_minutes")
    if minutes is None:
        return None
    return lateness(DUE, DUE + timedelta(minutes=minutes), case_policy(case))


def js_case(case: dict[str, Any]) -> dict[str, Any]:
    """The case as the phone's rules take it: the lateness decision and ServicePolicy's names."""
    late = case_lateness(case)
    out = {k: v for k, v in case.items() if k != "lateness_minutes"}
    out["lateness"] = (
        None if late is None else {"tier": late.tier, "minutes": late.minutes, "waiver": late.waiver}
    )
    out["policy"] = case_policy(case).to_mapping()
    return out


def python_charges(case: dict[str, Any]) -> dict[str, Any]:
    policy = case_policy(case)
    prev = case.get("previous_repair")
    charges = compute_charges(
        ChargeInput(
            category=case["category"],
            job=case.get("job"),
            schedule=schedule(case["schedule"]),
            other_schedule=schedule(case["other_schedule"]) if case.get("other_schedule") else None,
            parts=[
                PartUsed(p["code"], p.get("qty", 1), p.get("trade_in_old_part", False))
                for p in case.get("parts", [])
            ],
            warranty=case.get("in_warranty", False),
            cause=case.get("cause", "unknown"),
            travel_applies=case.get("travel_applies", False),
            service_fee_applies=case.get("service_fee_applies", False),
            lateness=case_lateness(case),
            previous_repair=PreviousRepair(
                date.fromisoformat(prev["repaired_on"]), prev.get("cause", "unknown"), prev.get("paid", True)
            )
            if prev
            else None,
            today=date.fromisoformat(case["today"]) if case.get("today") else None,
            schedule_shown=case.get("schedule_shown", True),
            badge_shown=case.get("badge_shown", True),
            policy=policy,
        )
    )
    return charges_json(charges)


def random_cases(count: int, seed: int) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    codes = ["PUMP", "BOARD", "MOTOR", "BELT"]

    def sched(version: str) -> dict[str, Any]:
        return {
            "version": version,
            "labour": [
                ["washing_machine", "repair", rnd.randint(0, 9000)],
                ["fridge", "repair", rnd.randint(0, 9000)],
            ],
            "parts": {c: rnd.randint(0, 20000) for c in codes if rnd.random() < 0.8},
            "travel_fen": rnd.randint(0, 3000),
            "service_fee_fen": rnd.randint(0, 5000),
            "trade_in": {c: rnd.randint(0, 25000) for c in codes if rnd.random() < 0.4},
        }

    cases = []
    for _ in range(count):
        pinned = sched("2026-03")
        # every part priced somewhere, so both sides compute rather than raise
        for c in codes:
            pinned["parts"].setdefault(c, rnd.randint(100, 20000))
        case: dict[str, Any] = {
            "category": rnd.choice(["washing_machine", "fridge"]),
            "job": rnd.choice(["repair", None]),
            "schedule": pinned,
            "other_schedule": sched("2026-09") if rnd.random() < 0.5 else None,
            "parts": [
                {"code": rnd.choice(codes), "qty": rnd.randint(1, 3), "trade_in_old_part": rnd.random() < 0.5}
                for _ in range(rnd.randint(0, 3))
            ],
            "in_warranty": rnd.random() < 0.3,
            "cause": rnd.choice(["unknown", "manufacturing_fault", "misuse", "disaster", "flood"]),
            "travel_applies": rnd.random() < 0.5,
            "service_fee_applies": rnd.random() < 0.5,
            "lateness_minutes": rnd.choice([None, 0, 10, 15, 16, 20, 90]),
            "schedule_shown": rnd.random() < 0.9,
            "badge_shown": rnd.random() < 0.9,
            "policy": {
                "late_waiver_scope": rnd.choice(["whole_visit", "service_only"]),
                "late_waiver_enabled": rnd.random() < 0.9,
            },
        }
        if rnd.random() < 0.3:
            case["today"] = "2026-11-25"
            case["previous_repair"] = {
                "repaired_on": rnd.choice(["2026-01-10", "2025-01-10", "2024-06-01"]),
                "cause": "unknown",
                "paid": rnd.random() < 0.8,
            }
        cases.append(case)
    return cases


def test_charges_match_the_server_on_the_shared_fixtures() -> None:
    cases = json.loads(FIXTURES.read_text())
    assert run_js("charges", [js_case(c) for c in cases]) == [{"ok": python_charges(c)} for c in cases]


def test_charges_match_the_server_on_random_visits() -> None:
    cases = random_cases(300, seed=5)
    js = run_js("charges", [js_case(c) for c in cases])
    for case, got in zip(cases, js, strict=True):
        assert got == {"ok": python_charges(case)}, case


def test_canonical_summary_worked_example_is_byte_identical() -> None:
    doc = (HERE.parents[1] / "server" / "domain" / "CANONICAL_SUMMARY.md").read_text()
    example = json.loads(re.search(r"```json\n(.*?)```", doc, re.S).group(1))
    expected_hash = re.search(r"SHA-256: `([0-9a-f]{64})`", doc).group(1)
    [got] = run_js("summary", [example])
    assert got["ok"]["text"].encode() == canonical_summary(example)
    assert got["ok"]["hash"] == summary_hash(example) == expected_hash


def test_canonical_summary_agrees_on_awkward_text_and_refusals() -> None:
    base = {
        "order_id": "SO-1",
        "customer_name": 'Cafe\u0301 "王"\t\x01',
        "unit": {"brand": "M", "z_last": None},
        "work_done": "line\nline\u2028",
        "parts": [],
        "charge_lines": [{"amount_fen": -5, "kind": "waiver"}],
        "total_fen": 0,
        "ratings": {"declined": True, "repair_quality": None},
        "signed_at": "2026-11-25T23:59:59.999-05:00",
    }
    cases = [base, {**base, "total_fen": 1.5}, {**base, "extra": 1}, {**base, "unit": {"Bad": 1}}]
    got = run_js("summary", cases)
    assert got[0]["ok"]["text"].encode() == canonical_summary(base)
    assert got[0]["ok"]["hash"] == summary_hash(base)
    for case, answer in zip(cases[1:], got[1:], strict=True):
        with pytest.raises(CanonicalFormError) as refused:
            canonical_summary(case)
        assert answer == {"error": refused.value.code}
