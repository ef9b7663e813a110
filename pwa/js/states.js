// The order state machine's engineer moves, mirrored from server/domain/states.py so the screen
// offers only legal next steps (the server still decides; a refusal comes back with its reason).
// The moves and the pairs that need a reason come from the generated tables (server/domain/tables.py).

import TABLES from "./generated/tables.js";

export const ENGINEER_MOVES = Object.freeze(Object.fromEntries(
  Object.entries(TABLES.engineer_moves).map(([from, targets]) => [from, Object.freeze([...targets])])));
const REASON_REQUIRED = new Set(TABLES.reason_required);

export const DONE = new Set(["completed", "follow_up_done", "closed", "cancelled", "returned_to_dispatch"]);

// What Python's str.strip() removes (str.isspace): JavaScript's trim() differs (it keeps U+001C-U+001F
// and U+0085, and removes U+FEFF), so "is there a reason" is decided by this set on both sides.
// eslint-disable-next-line no-control-regex -- Python's whitespace set includes U+001C-U+001F
const BLANK = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

export function legalTargets(status) {
  return Object.hasOwn(ENGINEER_MOVES, status) ? ENGINEER_MOVES[status] : [];
}
export function reasonRequired(from, to) { return REASON_REQUIRED.has(`${from}>${to}`); }
const hasReason = (reason) => typeof reason === "string" && !BLANK.test(reason);

/** The same guards as the server: consent before out-of-warranty repair, loaner back before completion. */
export function check(from, to, { reason, inWarranty, consentGiven, loanerOut } = {}) {
  if (from === to) return { allowed: false, reason: "already_in_status" };
  if (!legalTargets(from).includes(to)) return { allowed: false, reason: "illegal_transition" };
  if (reasonRequired(from, to) && !hasReason(reason)) return { allowed: false, reason: "reason_required" };
  if (to === "in_repair" && inWarranty !== true && consentGiven !== true) return { allowed: false, reason: "consent_required_before_repair" };
  if (to === "awaiting_consent" && inWarranty === true) return { allowed: false, reason: "consent_not_needed_in_warranty" };
  if (to === "completed" && loanerOut === true) return { allowed: false, reason: "loaner_not_returned" };
  return { allowed: true, reason: "transition_allowed" };
}
