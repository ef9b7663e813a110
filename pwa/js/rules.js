// Lateness tiers and warranty decisions on the device, mirrored from server/domain/lateness.py
// and server/domain/warranty.py, so the engineer sees the tier, the waiver and the reason offline.

import TABLES from "./generated/tables.js";

const DEFAULTS = TABLES.policy_defaults;
export const LATENESS_REASONS = TABLES.lateness_reasons;

/** Whole minutes after the moment the engineer was due, rounded up; 0 when early or on time. */
export function minutesLate(due, arrivedAt) {
  const seconds = (new Date(arrivedAt) - new Date(due)) / 1000;
  return Math.max(0, Math.ceil(seconds / 60));
}

/** When the engineer is late from: the agreed window's end, or a point appointment's time. */
export function dueAt(appointmentStart, appointmentEnd) {
  return appointmentEnd && new Date(appointmentEnd) > new Date(appointmentStart) ? appointmentEnd : appointmentStart;
}

/** Haier's tiers against the window's end, with Midea's waiver switch (domain/lateness.py). */
export function lateness(appointmentStart, appointmentEnd, arrivedAt, policy = {}) {
  const tolerance = policy.late_tolerance ?? DEFAULTS.late_tolerance; // seconds
  const enabled = policy.late_waiver_enabled ?? DEFAULTS.late_waiver_enabled;
  const due = dueAt(appointmentStart, appointmentEnd);
  const lateBy = (new Date(arrivedAt) - new Date(due)) / 1000;
  const minutes = minutesLate(due, arrivedAt);
  if (lateBy <= 0) return { tier: "on_time", minutes: 0, waiver: false, reason: "on_time" };
  if (lateBy < tolerance) return { tier: "late_minor", minutes, waiver: false, reason: "late_apologise" };
  if (enabled) return { tier: "late_major", minutes, waiver: true, reason: "late_arrival_waiver" };
  return { tier: "late_major", minutes, waiver: false, reason: "late_explain" };
}

export function addMonths(iso, months) {
  const [y, m, d] = iso.split("-").map(Number);
  const index = m - 1 + months;
  const year = y + Math.floor(index / 12);
  const month = (index % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, "0")}-${String(Math.min(d, last)).padStart(2, "0")}`;
}
const dayBefore = (iso) => new Date(Date.parse(`${iso}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);

/** Is a fault of `cause` on this unit covered `today`? {inWarranty, reason, params, expiresOn}. */
export function decideWarranty({ purchaseDate, manufactureDate, cause, today, policy, partCode = null }) {
  const why = ["flood", "fire", "lightning"].includes(cause) ? "disaster" : (cause || "unknown");
  const params = { category: policy?.category || "" };
  if (partCode !== null && partCode !== undefined) params.part_code = partCode;
  if (!policy) return { inWarranty: false, reason: "no_warranty_policy", params, expiresOn: null };
  let start;
  if (purchaseDate) {
    if (purchaseDate > today) return { inWarranty: false, reason: "purchase_date_in_future", params, expiresOn: null };
    start = purchaseDate; params.basis = "purchase_date";
  } else if (manufactureDate) {
    params.grace_months = policy.manufacture_grace_months ?? 3;
    start = addMonths(manufactureDate, params.grace_months); params.basis = "manufacture_date";
  } else {
    return { inWarranty: false, reason: "purchase_date_unknown", params, expiresOn: null };
  }
  const isMain = partCode !== null && (policy.main_parts || []).includes(partCode);
  let months = policy.whole_unit_months;
  if (isMain) months = Math.max(months, policy.main_parts_months || 0);
  const expiresOn = dayBefore(addMonths(start, months));
  Object.assign(params, { starts_on: start, months, expires_on: expiresOn });
  if (why === "misuse" || why === "disaster") return { inWarranty: false, reason: `excluded_${why}`, params, expiresOn };
  if (today > expiresOn) return { inWarranty: false, reason: "warranty_expired", params, expiresOn };
  const wholeExpired = today > dayBefore(addMonths(start, policy.whole_unit_months));
  const reason = isMain && wholeExpired ? "in_warranty_main_part" : why === "unknown" ? "in_warranty_cause_unknown" : "in_warranty";
  return { inWarranty: true, reason, params, expiresOn };
}
