// The order state machine's engineer moves, mirrored from server/domain/states.py so the screen
// offers only legal next steps (the server still decides; a refusal comes back with its reason).

export const ENGINEER_MOVES = {
  assigned: ["accepted", "returned_to_dispatch"],
  accepted: ["contacted", "guided_by_phone", "returned_to_dispatch"],
  contacted: ["scheduled", "guided_by_phone", "returned_to_dispatch"],
  scheduled: ["departed", "guided_by_phone", "returned_to_dispatch"],
  guided_by_phone: ["scheduled", "completed"],
  departed: ["on_site", "scheduled", "returned_to_dispatch"],
  on_site: ["diagnosed"],
  diagnosed: ["awaiting_consent", "in_repair", "awaiting_part", "taken_back", "completed"],
  awaiting_consent: ["in_repair", "completed"],
  in_repair: ["completed", "awaiting_part", "taken_back"],
  awaiting_part: ["in_repair", "scheduled", "returned_to_dispatch"],
  taken_back: ["in_repair", "awaiting_part"],
  reopened: ["contacted", "scheduled"],
};

const REASON_REQUIRED = new Set(["assigned>returned_to_dispatch", "accepted>returned_to_dispatch",
  "contacted>returned_to_dispatch", "scheduled>returned_to_dispatch", "departed>scheduled",
  "departed>returned_to_dispatch", "diagnosed>completed", "awaiting_consent>completed",
  "awaiting_part>returned_to_dispatch"]);

export const DONE = new Set(["completed", "follow_up_done", "closed", "cancelled", "returned_to_dispatch"]);

export function legalTargets(status) { return ENGINEER_MOVES[status] || []; }
export function reasonRequired(from, to) { return REASON_REQUIRED.has(`${from}>${to}`); }

/** The same guards as the server: consent before out-of-warranty repair, loaner back before completion. */
export function check(from, to, { reason, inWarranty, consentGiven, loanerOut } = {}) {
  if (from === to) return { allowed: false, reason: "already_in_status" };
  if (!legalTargets(from).includes(to)) return { allowed: false, reason: "illegal_transition" };
  if (reasonRequired(from, to) && !(reason && reason.trim())) return { allowed: false, reason: "reason_required" };
  if (to === "in_repair" && inWarranty !== true && !consentGiven) return { allowed: false, reason: "consent_required_before_repair" };
  if (to === "awaiting_consent" && inWarranty === true) return { allowed: false, reason: "consent_not_needed_in_warranty" };
  if (to === "completed" && loanerOut) return { allowed: false, reason: "loaner_not_returned" };
  return { allowed: true, reason: "transition_allowed" };
}
