// Charges for a visit, computed on the device: a line-for-line port of server/domain/fees.py
// (same rules, same order, same reason codes, integer fen). tests/unit/test_js_parity.py runs
// both over generated cases and compares the results value for value. The tables (causes, waiver
// scopes, policy defaults) are generated from the Python (server/domain/tables.py).
import TABLES from "./generated/tables.js";

export const WHOLE_VISIT = "whole_visit";
export const SERVICE_ONLY = "service_only";
const SCOPE_KINDS = Object.fromEntries(Object.entries(TABLES.waiver_scope_kinds).map(([k, v]) => [k, new Set(v)]));
const DISASTER_KINDS = new Set(TABLES.disaster_kinds);
const CAUSES = new Set(TABLES.causes);
const EXCLUDED = new Set(TABLES.excluded_causes);

/** The service policy under ServicePolicy's names (durations in seconds), defaults from Python. */
export const DEFAULT_POLICY = Object.freeze({ ...TABLES.policy_defaults });

export class MissingPrice extends Error {
  constructor(kind, code) { super(`no price for ${kind} '${code}'`); this.kind = kind; this.code = code; }
}

export function parseCause(value) {
  if (DISASTER_KINDS.has(value)) return "disaster";
  if (!CAUSES.has(value)) throw new Error(`not a cause: ${value}`);
  return value;
}

const labourKey = (category, job) => `${category}\u0000${job}`;

/** A schedule as the rules read it: {version, labour: Map, parts, travel_fen, service_fee_fen, trade_in}. */
export function schedule({ version, labour = [], parts = {}, travel_fen = 0, service_fee_fen = 0, trade_in = {} }) {
  const map = new Map();
  for (const [category, job, fen] of labour) map.set(labourKey(category, job), fen);
  return { version: String(version), labour: map, parts, travel_fen, service_fee_fen, trade_in };
}

const own = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

function lowest(kind, code, lookup, pinned, other, manual) {
  const mine = lookup(pinned);
  const theirs = other ? lookup(other) : undefined;
  if (mine === undefined && theirs === undefined) {
    const approved = manual ? lookup(manual) : undefined;
    if (approved === undefined) throw new MissingPrice(kind, code);
    return { unit: approved, schedule: manual, reason: "manual_price" };
  }
  if (theirs !== undefined && other && (mine === undefined || theirs < mine)) {
    return { unit: theirs, schedule: other, reason: "lower_of_two_schedules" };
  }
  return { unit: mine, schedule: pinned, reason: "schedule_price" };
}

function daysBetween(fromIso, toIso) {
  return Math.round((Date.parse(`${toIso}T00:00:00Z`) - Date.parse(`${fromIso}T00:00:00Z`)) / 86400000);
}

/**
 * The lines, waivers and total for one visit.
 * input: {category, job, schedule, other_schedule?, manual?, parts: [{code, qty, trade_in_old_part}],
 *         in_warranty, cause, travel_applies, service_fee_applies, lateness?: {tier, minutes, waiver},
 *         previous_repair?: {repaired_on, cause, paid}, today?, schedule_shown, badge_shown, policy}
 */
export function computeCharges(input) {
  const policy = { ...DEFAULT_POLICY, ...(input.policy || {}) };
  const pinned = input.schedule;
  const other = input.other_schedule || null;
  const manual = input.manual || null;
  const cause = parseCause(input.cause || "unknown");
  const inWarranty = !!input.in_warranty;
  const free = inWarranty && !EXCLUDED.has(cause);
  const notes = [];
  if (inWarranty && !free) notes.push({ code: `warranty_excluded_${cause}`, params: {} });
  const lines = [];

  const priced = (kind, code, qty, price) => {
    let amount;
    let reason;
    if (free) { amount = 0; reason = "in_warranty"; } else {
      amount = price.unit * qty;
      reason = price.reason;
    }
    lines.push({ kind, code, qty, unit_fen: price.unit, amount_fen: amount, reason,
      schedule_version: price.schedule.version });
  };

  if (input.job !== null && input.job !== undefined) {
    const key = labourKey(input.category, input.job);
    priced("labour", input.job, 1,
      lowest("labour", `${input.category}/${input.job}`, (s) => s.labour.get(key), pinned, other, manual));
  }
  for (const part of input.parts || []) {
    const qty = part.qty === undefined ? 1 : part.qty;
    if (!Number.isInteger(qty) || qty < 1) throw new Error("a part's quantity must be a positive whole number");
    const price = lowest("part", part.code, (s) => (own(s.parts, part.code) ? s.parts[part.code] : undefined),
      pinned, other, manual);
    priced("part", part.code, qty, price);
    if (part.trade_in_old_part && !free) {
      const offers = [pinned, other].filter((s) => s && own(s.trade_in, part.code))
        .map((s) => [s.trade_in[part.code], s]);
      if (!offers.length) {
        notes.push({ code: "no_trade_in_credit", params: { part_code: part.code } });
      } else {
        let best = offers[0];
        for (const offer of offers.slice(1)) if (offer[0] > best[0]) best = offer;
        const fen = Math.min(best[0], price.unit);
        lines.push({ kind: "trade_in", code: part.code, qty, unit_fen: -fen, amount_fen: -fen * qty,
          reason: "trade_in_credit", schedule_version: best[1].version });
      }
    }
  }
  if (input.travel_applies) priced("travel", "travel", 1, lowest("travel", "travel", (s) => s.travel_fen, pinned, other));
  if (input.service_fee_applies) {
    priced("service_fee", "service_fee", 1,
      lowest("service_fee", "service_fee", (s) => s.service_fee_fen, pinned, other));
  }

  const subtotal = Math.max(0, lines.reduce((sum, l) => sum + l.amount_fen, 0));
  const waivers = findWaivers(input, cause, policy, notes);
  let bestAmount = 0;
  let bestCode = null;
  for (const [waiver, scope] of waivers) {
    const kinds = SCOPE_KINDS[scope];
    let amount = lines.filter((l) => kinds.has(l.kind)).reduce((sum, l) => sum + l.amount_fen, 0);
    amount = Math.min(Math.max(amount, 0), subtotal);
    if (amount > bestAmount) { bestAmount = amount; bestCode = waiver.code; }
  }
  if (bestCode !== null) {
    lines.push({ kind: "waiver", code: bestCode, qty: 1, unit_fen: -bestAmount, amount_fen: -bestAmount,
      reason: bestCode, schedule_version: null });
  }
  return { lines, subtotal_fen: subtotal, waivers: waivers.map(([w]) => w), notes,
    total_fen: Math.max(0, subtotal - bestAmount), currency: policy.currency };
}

function findWaivers(input, cause, policy, notes) {
  const found = [];
  if (input.lateness && input.lateness.waiver) {
    found.push([{ code: "late_arrival", params: { minutes: input.lateness.minutes,
      tolerance_minutes: Math.floor(policy.late_tolerance / 60) } }, policy.late_waiver_scope]);
  }
  const previous = input.previous_repair;
  if (previous && previous.paid !== false) {
    if (!input.today) throw new Error("today is needed to judge a repeat repair");
    const days = daysBetween(previous.repaired_on, input.today);
    const byCategory = policy.repeat_repair_window_days_by_category || {};
    const window = own(byCategory, input.category) ? byCategory[input.category] : policy.repeat_repair_window_days;
    const params = { days_since: days, window_days: window, repaired_on: previous.repaired_on };
    if (!(days >= 0 && days <= window)) notes.push({ code: "repeat_repair_window_passed", params });
    else if (EXCLUDED.has(cause)) notes.push({ code: `repeat_repair_excluded_${cause}`, params });
    else found.push([{ code: "repeat_repair", params }, WHOLE_VISIT]);
  }
  if (input.schedule_shown === false) found.push([{ code: "schedule_not_shown", params: {} }, WHOLE_VISIT]);
  if (input.badge_shown === false) found.push([{ code: "badge_not_shown", params: {} }, WHOLE_VISIT]);
  return found;
}
