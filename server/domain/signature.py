"""Signature binding: the canonical bytes of the summary a customer signs, and their SHA-256.

The PWA (JavaScript) must produce byte-identical output, so the form is exact:

Fields (all nine required, no others): order_id, customer_name, unit, work_done, parts,
charge_lines, total_fen, ratings, signed_at.

Values, recursively:
- object: keys are snake_case ASCII (``[a-z_][a-z0-9_]*``; never integer-like, which JavaScript
  would reorder), written in ascending order (code-point order = UTF-16 order for ASCII);
- array: in the given order;
- string: Unicode NFC; lone surrogates are refused;
- integer: |n| <= 2**53 - 1 (money is integer fen; ratings are integers); floats are refused;
- true, false, null as such;
- time: `signed_at` (and any datetime value) is written in UTC as ``YYYY-MM-DDTHH:MM:SSZ``,
  fractional seconds dropped (JavaScript: ``d.toISOString().replace(/\\.\\d{3}Z$/, "Z")``);
  a `signed_at` string must be ISO-8601 with a zone offset and is rewritten the same way;
  a date is ``YYYY-MM-DD``.

Serialisation: JSON with no whitespace at all (separators "," and ":"), non-ASCII characters
written as themselves (no \\u escapes), the usual JSON escapes for ``"`` ``\\`` and control
characters (\\b \\f \\n \\r \\t short, others \\u00xx lowercase), encoded as UTF-8 with no BOM
and no trailing newline. This is exactly ``JSON.stringify`` of the key-sorted, NFC-normalised
value, UTF-8 encoded by ``TextEncoder``. See CANONICAL_SUMMARY.md for a worked example.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from .decision import Decision

FIELDS = frozenset(
    {
        "order_id",
        "customer_name",
        "unit",
        "work_done",
        "parts",
        "charge_lines",
        "total_fen",
        "ratings",
        "signed_at",
    }
)
MAX_SAFE_INTEGER = 2**53 - 1
_KEY = re.compile(r"[a-z_][a-z0-9_]*")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class CanonicalFormError(ValueError):
    """The summary cannot be put in canonical form; `code` and `path` say why and where."""

    def __init__(self, code: str, path: str) -> None:
        super().__init__(f"{code} at {path}")
        self.code = code
        self.path = path


def format_utc(moment: datetime) -> str:
    """A datetime as the canonical form writes it: UTC, whole seconds, 'Z'."""
    return _time(moment, "time")


# The one ISO-8601 form both sides read: a calendar date, hours and minutes, optional seconds and
# fraction, and a zone (Z or +HH:MM / +HHMM). Without the zone it is naive; anything else is no time.
_ZONED_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})")
_NAIVE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?")


def _time(value: object, path: str) -> str:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        if _NAIVE_TIME.fullmatch(value):
            raise CanonicalFormError("naive_datetime", path)
        if not _ZONED_TIME.fullmatch(value) or int(value[:4]) < 1000:
            raise CanonicalFormError("invalid_time", path)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise CanonicalFormError("invalid_time", path) from None
    else:
        raise CanonicalFormError("invalid_time", path)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CanonicalFormError("naive_datetime", path)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _canonical(value: object, path: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalFormError("integer_out_of_range", path)
        return int(value)
    if isinstance(value, float):
        raise CanonicalFormError("float_not_allowed", path)
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise CanonicalFormError("lone_surrogate", path)
        return unicodedata.normalize("NFC", str(value))
    if isinstance(value, datetime):
        return _time(value, path)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key in sorted(value, key=str):  # in key order: the first fault is the same one JS finds
            if not isinstance(key, str) or not _KEY.fullmatch(key):
                raise CanonicalFormError("invalid_key", f"{path}.{key}")
            out[key] = _canonical(value[key], f"{path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [_canonical(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise CanonicalFormError("unsupported_value", path)


def canonical_summary(order_summary: Mapping[str, Any]) -> bytes:
    """The exact bytes a signature approves (see the module docstring for the form)."""
    keys = set(order_summary)
    if missing := sorted(FIELDS - keys):
        raise CanonicalFormError("missing_field", missing[0])
    if unknown := sorted(keys - FIELDS):
        raise CanonicalFormError("unknown_field", str(unknown[0]))
    value = {key: _canonical(order_summary[key], key) for key in sorted(FIELDS)}
    value["signed_at"] = _time(order_summary["signed_at"], "signed_at")
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return text.encode("utf-8")


def summary_hash(summary: Mapping[str, Any]) -> str:
    """Lower-case hex SHA-256 of the canonical summary."""
    return hashlib.sha256(canonical_summary(summary)).hexdigest()


def verify_signature_binding(stored_hash: str, current_summary: Mapping[str, Any]) -> Decision:
    """Does a stored signature's hash still name this summary? `summary_invalid` (params `code`,
    `path`) when the summary is not in canonical form, `hash_mismatch` when it hashes otherwise."""
    try:
        current = summary_hash(current_summary)
    except CanonicalFormError as error:
        return Decision.refuse("summary_invalid", code=error.code, path=error.path)
    if hmac.compare_digest(str(stored_hash).lower(), current):
        return Decision.allow("verified", hash=current)
    return Decision.refuse("hash_mismatch", stored_hash=stored_hash, current_hash=current)


def check_signature(
    summary: Mapping[str, Any],
    sent_hash: str,
    *,
    order_id: str,
    order_number: str,
    total_fen: int | None,
    charge_lines: Any,
) -> Decision:
    """Does a signature bind the order as the server holds it? (PROTOCOL P22.)

    `verified`; else refused with `summary_invalid`, `hash_mismatch`, `wrong_order` (the summary
    names neither the order's id nor its number) or `charges_differ` (its total, or its charge
    lines when the order's charges have lines, are not the order's).
    """
    bound = verify_signature_binding(sent_hash, summary)
    if not bound:
        return bound
    if summary.get("order_id") not in (order_id, order_number):
        return Decision.refuse("wrong_order")
    if summary.get("total_fen") != total_fen:
        return Decision.refuse("charges_differ")
    if charge_lines is not None and charge_lines != summary.get("charge_lines"):
        return Decision.refuse("charges_differ")
    return bound


def binding_status(decision: Decision) -> tuple[str, str]:
    """A signature's stored (status, status_reason) for a check's decision."""
    if decision.allowed:
        return "verified", ""
    if decision.reason == "summary_invalid":
        return "invalid", f"summary_{decision.params['code']}"[:60]
    return "invalid", decision.reason
