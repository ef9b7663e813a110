// What the screens read: server records with the outbox's pending changes laid on top
// ("rebased" on every pull), joined into an order with its customer, unit, facts and prices.
import * as db from "./db.js";
import { DEFAULT_POLICY, schedule as toSchedule } from "./charges.js";
import { deriveVisit } from "./visit.js";

const FACTS = ["timeline_event", "part_used", "photo", "signature", "rating", "receipt", "payment",
  "follow_up", "appointment_change", "conflict"];

function overlay(records, mutations, entity) {
  const byId = new Map(records.map((r) => [r.id, { ...r, _pending: false }]));
  for (const m of mutations) {
    if (m.entity !== entity || m.state !== "pending") continue;
    const base = byId.get(m.entity_id);
    if (m.op === "create") byId.set(m.entity_id, { id: m.entity_id, ...(base || {}), ...m.fields, _pending: true });
    else if (base) byId.set(m.entity_id, { ...base, ...m.fields, _pending: true });
  }
  return [...byId.values()];
}

export async function listOrders() {
  const [orders, customers, mutations] = await Promise.all([db.allOf("order"), db.allOf("customer"), db.outboxAll()]);
  const byCustomer = new Map(customers.map((c) => [c.id, c.record]));
  return overlay(orders.map((o) => o.record), mutations, "order")
    .map((o) => ({ ...o, customer: byCustomer.get(o.customer_id) || null }))
    .sort((a, b) => String(a.appointment_start || "9").localeCompare(String(b.appointment_start || "9")));
}

/** The synced service policy: {values (ServicePolicy's names, durations in seconds), timezone,
 * version}; the Python defaults until the first sync brings the record. */
export function policyOf(records) {
  const row = (records || []).map((r) => r.record || r).find((r) => r && r.id === 1);
  return { values: { ...DEFAULT_POLICY, ...(row?.values || {}) }, timezone: row?.timezone || "Asia/Shanghai",
    version: row ? row.version : 0 };
}

export async function loadCatalogue() {
  const [parts, schedules, policies, service] = await Promise.all([db.allOf("part"), db.allOf("fee_schedule"),
    db.allOf("warranty_policy"), db.allOf("service_policy")]);
  return { parts: parts.map((p) => p.record).filter((p) => p.active !== false),
    schedules: schedules.map((s) => s.record), warrantyPolicies: policies.map((p) => p.record),
    policy: policyOf(service) };
}

/** An order with everything its screens need, or null when it is not (any more) on the device. */
export async function loadOrder(id) {
  const [rec, facts, mutations] = await Promise.all([db.getRecord("order", id), db.byOrder(id), db.outboxAll()]);
  const mine = mutations.filter((m) => m.order_id === id);
  if (!rec && !mine.some((m) => m.entity === "order")) return null;
  const [order] = overlay(rec ? [rec.record] : [], mine, "order");
  if (!order) return null;
  const grouped = {};
  for (const entity of FACTS) {
    grouped[entity] = overlay(facts.filter((f) => f.entity === entity).map((f) => f.record), mine, entity);
  }
  const [customer, unit, catalogue] = await Promise.all([db.getRecord("customer", order.customer_id),
    db.getRecord("unit", order.unit_id), loadCatalogue()]);
  const [unitNow] = unit ? overlay([unit.record], mine, "unit") : [null];
  return { order, customer: customer?.record || null, unit: unitNow, ...grouped, catalogue,
    rejected: mine.filter((m) => m.state === "rejected"), unsynced: mine.filter((m) => m.state === "pending").length };
}

/** The schedule an order is charged by: the one it is pinned to, and nothing else (the server
 * pins every order when it is made; a re-pin is a dispatcher's act). */
export function scheduleFor(order, schedules) {
  return schedules.find((s) => s.id === order.fee_schedule_id) || null;
}

export function asRuleSchedule(raw) {
  const labour = [];
  const parts = {};
  const tradeIn = {};
  for (const item of raw.items || []) {
    if (item.kind === "labour") labour.push([item.category, item.job, item.amount_fen]);
    else if (item.kind === "part") parts[item.part_code] = item.amount_fen;
    else if (item.kind === "trade_in") tradeIn[item.part_code] = item.amount_fen;
  }
  return toSchedule({ version: raw.version, labour, parts, travel_fen: raw.travel_fen || 0,
    service_fee_fen: raw.service_fee_fen || 0, trade_in: tradeIn });
}

/** The manual prices a dispatcher approved for this order, as a schedule of last resort. */
export function manualSchedule(order) {
  const prices = order.manual_prices || [];
  if (!prices.length) return null;
  const labour = [];
  const parts = {};
  for (const p of prices) {
    if (p.kind === "labour" && String(p.code).includes("/")) {
      const [category, ...job] = String(p.code).split("/");
      labour.push([category, job.join("/"), p.amount_fen]);
    } else if (p.kind === "part") parts[p.code] = p.amount_fen;
  }
  return toSchedule({ version: "manual", labour, parts });
}

/** The visit's day where the service centre is (the arrival's, else today). */
export function localDay(moment, timezone) {
  const at = moment ? new Date(moment) : new Date();
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(at);
}

/** The facts of a visit as both sides' rules read them (domain/visit.py's VisitFacts). */
export function visitFacts(bundle, now = null) {
  const { order, unit, catalogue } = bundle;
  const raw = scheduleFor(order, catalogue.schedules);
  const otherRaw = raw?.compare_with_id ? catalogue.schedules.find((s) => s.id === raw.compare_with_id) : null;
  const policy = catalogue.policy;
  const terms = catalogue.warrantyPolicies.find((p) => p.category === unit?.category) || null;
  return {
    order_id: order.id, category: unit?.category || "", today: localDay(order.arrived_at || now, policy.timezone),
    policy: policy.values, job: order.job_code || null, cause: order.cause || "unknown",
    parts: bundle.part_used.filter((p) => !p.removed)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) // by id, as the server orders them
      .map((p) => ({ code: p.part_code, qty: p.qty || 1, trade_in_old_part: !!p.trade_in })),
    purchase_date: unit?.purchase_date || null, manufacture_date: unit?.manufacture_date || null,
    warranty_terms: terms, appointment_start: order.appointment_start || null, appointment_end: order.appointment_end || null,
    arrived_at: order.arrived_at || null, schedule: raw ? asRuleSchedule(raw) : null,
    other_schedule: otherRaw ? asRuleSchedule(otherRaw) : null, manual: manualSchedule(order),
    paid_repairs: unit?.paid_repairs || [], travel_applies: !!order.travel_applies, badge_shown: !!order.badge_shown,
    schedule_shown: !!order.schedule_shown, consent_given: !!order.consent_at,
    _raw: raw, _other: otherRaw,
  };
}

/** The order's charges as they stand on the device, or {error, kind, item} when they cannot be
 * priced: one derivation (visit.js) for every screen, the summary and the receipt. */
export function chargesOf(bundle) {
  const { order } = bundle;
  const issued = bundle.receipt.some((r) => !r.voided_at);
  if (issued && order.charges?.lines) {
    // Receipted: every screen shows what the customer saw, signed and was given, never a recomputation.
    const schedule = scheduleFor(order, bundle.catalogue.schedules);
    return { ...order.charges, waivers: order.charges.waivers || [], notes: order.charges.notes || [],
      total_fen: order.total_fen, recorded: true, schedule, inputs: { schedule_ids: order.charges.schedule_ids || [],
        policy_version: order.charges.policy_version ?? null, today: order.charges.today || null },
      warranty: { in_warranty: order.in_warranty === true, reason: order.warranty_reason || "" },
      derived: { lateness: null, warranty: null, charges: order.charges, error: null }, lateness: null };
  }
  const facts = visitFacts(bundle);
  const derived = deriveVisit(facts);
  const inputs = { schedule_ids: [facts._raw, facts._other].filter(Boolean).map((s) => s.id),
    policy_version: bundle.catalogue.policy.version, today: facts.today };
  if (derived.error) return { ...derived.error, error: derived.error.code, derived, inputs, schedule: facts._raw };
  return { ...derived.charges, derived, inputs, schedule: facts._raw, warranty: derived.warranty, lateness: derived.lateness };
}
