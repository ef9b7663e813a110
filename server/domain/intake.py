"""Intake checks: missing or contradictory order data is flagged, never silently accepted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # the order cannot be worked as it stands: check with the customer file/customer
    WARNING = "warning"  # workable, but the engineer should confirm it when contacting the customer


@dataclass(frozen=True)
class IntakeData:
    customer_name: str | None = None
    phones: tuple[str, ...] = ()
    address: str | None = None
    brand: str | None = None
    model: str | None = None
    serial: str | None = None
    purchase_date: date | None = None
    manufacture_date: date | None = None
    symptom: str | None = None


@dataclass(frozen=True)
class IntakeIssue:
    field: str
    code: str
    severity: Severity


MOBILE = re.compile(r"1[3-9]\d{9}")
# Area code 0 + 2-3 digits, then a 7-8 digit subscriber number, optional extension.
LANDLINE = re.compile(r"0\d{2,3}\d{7,8}(?:#\d{1,6})?")
LOCAL_LANDLINE = re.compile(r"[2-9]\d{6,7}")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_EXTENSION = re.compile(r"(?:转|ext\.?|x)(\d{1,6})$", re.IGNORECASE)

MIN_ADDRESS_LENGTH = 6
# A street number, building, unit, room, lane, group...: something a visitor can find a door by.
_ADDRESS_DETAIL = re.compile(
    r"(?:\d+|[一二三四五六七八九十百千零〇两]+)\s*(?:号|栋|幢|座|室|楼|单元|弄|层|组|巷|排|户)"
    r"|\d+\s*[a-zA-Z]?\s*$|\b\d+\b|#\s*\d+"
)


def normalise_phone(raw: str) -> str:
    """Digits only, with a +86/0086 country prefix removed and an extension kept as '#123'."""
    text = raw.strip()
    ext = ""
    match = _EXTENSION.search(text)
    if match:
        ext = "#" + match.group(1)
        text = text[: match.start()]
    text = _PHONE_NOISE.sub("", text)
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text + ext


def phone_kind(raw: str) -> str | None:
    """ "mobile", "landline", "local_landline" (no area code) or None when not plausible."""
    number = normalise_phone(raw)
    if MOBILE.fullmatch(number):
        return "mobile"
    if LANDLINE.fullmatch(number):
        return "landline"
    if LOCAL_LANDLINE.fullmatch(number):
        return "local_landline"
    return None


def address_is_vague(address: str) -> bool:
    """Too short, or with no door-finding detail (just a city, district or street name)."""
    text = address.strip()
    return len(text) < MIN_ADDRESS_LENGTH or _ADDRESS_DETAIL.search(text) is None


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def check_intake(data: IntakeData, *, today: date) -> list[IntakeIssue]:
    """Every problem found on an order's intake data, errors first in field order."""
    issues: list[IntakeIssue] = []

    def flag(field: str, code: str, severity: Severity = Severity.ERROR) -> None:
        issues.append(IntakeIssue(field, code, severity))

    if _blank(data.customer_name):
        flag("customer_name", "missing_customer_name")

    phones = [p for p in data.phones if p.strip()]
    if not phones:
        flag("phones", "missing_phone")
    kinds = [phone_kind(p) for p in phones]
    for index, kind in enumerate(kinds):
        if kind is None:
            flag(f"phones[{index}]", "implausible_phone")
        elif kind == "local_landline":
            flag(f"phones[{index}]", "landline_without_area_code", Severity.WARNING)

    if _blank(data.address):
        flag("address", "missing_address")
    elif data.address is not None and address_is_vague(data.address):
        flag("address", "vague_address")

    if _blank(data.model):
        flag("model", "missing_model")
    if _blank(data.symptom):
        flag("symptom", "missing_symptom")

    if data.manufacture_date is not None and data.manufacture_date > today:
        flag("manufacture_date", "manufacture_date_in_future")
    if data.purchase_date is None:
        # Warranty then falls back to the manufacture date, if any: worth confirming.
        flag("purchase_date", "missing_purchase_date", Severity.WARNING)
    else:
        if data.purchase_date > today:
            flag("purchase_date", "purchase_date_in_future")
        if data.manufacture_date is not None and data.purchase_date < data.manufacture_date:
            flag("purchase_date", "purchase_before_manufacture")

    if _blank(data.brand):
        flag("brand", "missing_brand", Severity.WARNING)
    if _blank(data.serial):
        flag("serial", "missing_serial", Severity.WARNING)

    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    return sorted(issues, key=lambda i: order[i.severity])


UNIT_FIELDS = ("brand", "model", "serial", "purchase_date", "manufacture_date")


def _is_unit_issue(issue: dict[str, str]) -> bool:
    field = issue.get("field", "")
    return field == "unit_id" or field.startswith("unit.")


def recheck_unit(
    issues: list[dict[str, str]], unit: dict[str, object], *, today: date
) -> list[dict[str, str]]:
    """An order's stored intake issues after its unit was corrected (on site, or at the desk): the
    unit's own issues found again from the unit as it now stands, every other issue kept as it was.
    A corrected serial clears "missing_serial"; a purchase date typed after the manufacture date
    raises "purchase_before_manufacture" where there was none."""
    data = IntakeData(**{name: unit.get(name) for name in UNIT_FIELDS})  # type: ignore[arg-type]
    found = [
        {"field": f"unit.{i.field}", "code": i.code, "severity": i.severity.value}
        for i in check_intake(data, today=today)
        if i.field in UNIT_FIELDS
    ]
    return [i for i in issues if not _is_unit_issue(i)] + found


def same_contact(phones: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """Whether two sets of phone numbers share one, as dialled (spaces, dashes and +86 ignored)."""
    mine = {normalise_phone(p) for p in phones if p.strip()}
    return any(normalise_phone(p) in mine for p in other if p.strip())


def same_unit(a: tuple[str, str, str], b: tuple[str, str, str]) -> bool:
    """Whether two (category, brand, model) describe the same appliance: the same category, and the
    same brand and model where both are known (case and spaces ignored)."""

    def norm(text: str) -> str:
        return re.sub(r"\s+", "", text).casefold()

    if norm(a[0]) != norm(b[0]):
        return False
    return all(not norm(x) or not norm(y) or norm(x) == norm(y) for x, y in zip(a[1:], b[1:], strict=True))
