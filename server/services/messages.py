"""English text for the reason codes the domain returns; the PWA translates the codes itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TEXT: Mapping[str, str] = {
    "illegal_transition": "An order cannot go from {current} to {target}.",
    "role_not_allowed": "Only {allowed_roles} may move an order from {current} to {target}.",
    "reason_required": "A reason is required for this change.",
    "already_in_status": "The order is already {current}.",
    "unknown_status": "Unknown status.",
    "consent_required_before_repair": "Out of warranty: get the customer's consent to the "
    "charges before repairing.",
    "consent_not_needed_in_warranty": "The unit is in warranty: no consent to charges is needed.",
    "loaner_not_returned": "A loaner unit is still with the customer.",
    "follow_up_required_before_close": "Close the order only after a satisfied follow-up call.",
    "customer_refused_reschedule": "The customer did not agree to the new time; reassign the order instead.",
    "not_assignable": "Only engineers can be assigned orders.",
    "same_engineer": "The order is already assigned to this engineer.",
    "intake_incomplete": "The order's intake data is incomplete or contradictory.",
    "duplicate_open_order": "This customer already has open order {number} for this appliance.",
    "draft_needs_contact": "A draft needs a phone number to call the customer back.",
}


def text_for(code: str, params: Mapping[str, Any] | None = None) -> str:
    """A readable sentence for a reason code (the code itself when none is known)."""
    template = TEXT.get(code)
    if template is None:
        return code.replace("_", " ")
    try:
        return template.format(**dict(params or {}))
    except (KeyError, IndexError, ValueError):
        return template
