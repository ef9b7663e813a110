// One derivation of a visit from its facts: the mirror of server/domain/visit.py, fed the same
// facts (pinned schedule and its comparison, manual prices, the unit's paid repairs, the synced
// policy, the visit's local day). tests/unit/test_js_parity.py holds the two together.
import { computeCharges, MissingPrice } from "./charges.js";
import { lateness, decideWarranty } from "./rules.js";
import TABLES from "./generated/tables.js";

/** The unit's latest paid repair before this visit (this order's own never counts). */
export function previousPaidRepair(repairs, orderId, today) {
  let latest = null;
  for (const r of repairs || []) {
    if (r.order_id === orderId || !(r.repaired_on <= today) || !(r.total_fen > 0)) continue;
    if (!latest || r.repaired_on > latest.repaired_on
      || (r.repaired_on === latest.repaired_on && r.order_id > latest.order_id)) latest = r;
  }
  return latest ? { repaired_on: latest.repaired_on, cause: latest.cause || "unknown", paid: true } : null;
}

/**
 * facts: {order_id, category, today, policy, job, cause, parts: [{code, qty, trade_in_old_part}],
 *   purchase_date, manufacture_date, warranty_terms, appointment_start, appointment_end, arrived_at,
 *   schedule, other_schedule, manual (rule schedules, see charges.js), paid_repairs, travel_applies,
 *   badge_shown, schedule_shown, consent_given}
 * returns {lateness, warranty, charges, error} as domain/visit.py's derive_visit does.
 */
const KNOWN_CAUSES = new Set([...TABLES.causes, ...TABLES.disaster_kinds]);

export function deriveVisit(input) {
  // A cause the rules know, else "unknown" (a stored value is never a reason to fail).
  const facts = { ...input, cause: KNOWN_CAUSES.has(input.cause) ? input.cause : "unknown" };
  const policy = facts.policy || {};
  const late = facts.appointment_start && facts.arrived_at
    ? lateness(facts.appointment_start, facts.appointment_end || null, facts.arrived_at, policy) : null;
  const w = facts.warranty_terms
    ? decideWarranty({ purchaseDate: facts.purchase_date || null, manufactureDate: facts.manufacture_date || null,
      cause: facts.cause || "unknown", today: facts.today, policy: facts.warranty_terms })
    : { inWarranty: false, reason: "no_warranty_policy", expiresOn: null };
  const out = {
    lateness: late && { tier: late.tier, minutes: late.minutes, waiver: late.waiver, reason: late.reason },
    warranty: { in_warranty: w.inWarranty, reason: w.reason, expires_on: w.expiresOn || null },
    charges: null,
    error: null,
  };
  if (!facts.schedule) { out.error = { code: "no_fee_schedule" }; return out; }
  const arrived = !!facts.arrived_at;
  try {
    out.charges = computeCharges({
      category: facts.category, job: facts.job || null, schedule: facts.schedule,
      other_schedule: facts.other_schedule || null, manual: facts.manual || null, parts: facts.parts || [],
      in_warranty: w.inWarranty, cause: facts.cause || "unknown", travel_applies: !!facts.travel_applies,
      service_fee_applies: arrived, lateness: late,
      previous_repair: previousPaidRepair(facts.paid_repairs, facts.order_id, facts.today), today: facts.today,
      // Judged once the act was due: the badge at arrival, the schedule at consent.
      badge_shown: arrived ? !!facts.badge_shown : true,
      schedule_shown: facts.consent_given ? !!facts.schedule_shown : true,
      policy,
    });
  } catch (error) {
    if (!(error instanceof MissingPrice)) throw error;
    out.error = { code: "missing_price", kind: error.kind, item: error.code };
  }
  return out;
}
