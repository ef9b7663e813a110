// What the screens read: server records with the outbox's pending changes laid on top
// ("rebased" on every pull), joined into an order with its customer, unit, facts and prices.
import * as db from "./db.js";
import { computeCharges, schedule as toSchedule } from "./charges.js";

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

export async function loadCatalogue() {
  const [parts, schedules, policies] = await Promise.all([db.allOf("part"), db.allOf("fee_schedule"),
    db.allOf("warranty_policy")]);
  return { parts: parts.map((p) => p.record).filter((p) => p.active !== false),
    schedules: schedules.map((s) => s.record), warrantyPolicies: policies.map((p) => p.record) };
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
  return { order, customer: customer?.record || null, unit: unit?.record || null, ...grouped, catalogue,
    rejected: mine.filter((m) => m.state === "rejected"), unsynced: mine.filter((m) => m.state === "pending").length };
}

/** The schedule an order is charged by: the one it pins, else the newest published one. */
export function scheduleFor(order, schedules) {
  const pinned = schedules.find((s) => s.id === order.fee_schedule_id);
  if (pinned) return pinned;
  return [...schedules].filter((s) => s.published_at).sort((a, b) => b.version - a.version)[0] || schedules[0] || null;
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

export function lateMinutes(order) {
  if (!order.arrived_at || !order.appointment_start) return null;
  return Math.max(0, Math.ceil((new Date(order.arrived_at) - new Date(order.appointment_start)) / 60000));
}

/** The charges of an order as they stand on the device, or {error} when they cannot be priced. */
export function chargesOf(bundle, policy) {
  const { order, unit, catalogue } = bundle;
  const raw = scheduleFor(order, catalogue.schedules);
  if (!raw) return { error: "no_fee_schedule" };
  const other = raw.compare_with_id ? catalogue.schedules.find((s) => s.id === raw.compare_with_id) : null;
  try {
    const charges = computeCharges({
      category: unit?.category || "", job: order.job_code || null, schedule: asRuleSchedule(raw),
      other_schedule: other ? asRuleSchedule(other) : null,
      parts: bundle.part_used.filter((p) => !p.removed).map((p) => ({ code: p.part_code, qty: p.qty || 1,
        trade_in_old_part: !!p.trade_in })),
      in_warranty: order.in_warranty === true, cause: order.cause || "unknown",
      travel_applies: !!order.travel_applies, service_fee_applies: !!raw.service_fee_fen && !!order.arrived_at,
      lateness_minutes: lateMinutes(order),
      // Recorded on site: the badge at arrival, the schedule at the consent step (违规免单 otherwise).
      badge_shown: order.arrived_at ? !!order.badge_shown : true,
      schedule_shown: order.consent_at ? !!order.schedule_shown : true,
      policy,
    });
    return { ...charges, schedule: raw };
  } catch (error) {
    return { error: error.code ? `missing_price` : "charges_failed", detail: error.message };
  }
}
