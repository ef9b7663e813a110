// Local changes as mutations (PROTOCOL.md section 3): each one numbered, kept in IndexedDB until
// the server acknowledges it, and applied at once to what the screens show (see orders.js).
import * as db from "./db.js";

const listeners = new Set();
export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
export function changed() { for (const fn of listeners) fn(); }

export const uuid = () => crypto.randomUUID();
export const nowIso = () => new Date().toISOString();

function mutation(entity, entityId, op, fields, baseVersion, orderId) {
  return { id: uuid(), entity, entity_id: entityId, op, base_version: baseVersion ?? null, fields,
    order_id: orderId, device_time: nowIso(), created_at: nowIso() };
}

/** An edit of an existing record, made on the version the device last received. */
export async function updateMut(entity, id, fields, orderId) {
  const current = await db.getRecord(entity, id);
  // Send only what this edit changes: a field sent unchanged would count as an edit in the merge.
  const touched = new Set((await db.outboxAll()).filter((m) => m.entity === entity && m.entity_id === id)
    .flatMap((m) => Object.keys(m.fields)));
  const changes = {};
  for (const [key, value] of Object.entries(fields)) {
    const same = current && JSON.stringify(current.record[key]) === JSON.stringify(value);
    if (key === "status" || touched.has(key) || !same) changes[key] = value;
  }
  return mutation(entity, id, "update", changes, current ? current.record.version : null,
    orderId ?? (entity === "order" ? id : current?.order_id));
}
export function createMut(entity, fields, id = uuid()) {
  return mutation(entity, id, "create", fields, null, fields.order_id);
}

/** Store mutations (and any bytes they refer to) in one transaction. */
export async function commit(mutations, blobs = []) {
  const rows = await db.appendMutations(mutations.filter((m) => m.op === "create" || Object.keys(m.fields).length), blobs);
  changed();
  return rows;
}

export async function update(entity, id, fields, orderId) {
  return commit([await updateMut(entity, id, fields, orderId)]);
}
export async function create(entity, fields, id) { return commit([createMut(entity, fields, id)]); }

/** A status change in a mutation of its own, with the milestone field that belongs to the step. */
export async function statusMut(order, target, { reason, milestones = {}, followUpOutcome } = {}) {
  const fields = { status: target, ...milestones };
  if (reason) fields.transition_reason = reason;
  if (followUpOutcome) fields.follow_up_outcome = followUpOutcome;
  return updateMut("order", order.id, fields, order.id);
}
export async function event(orderId, kind, data = {}) {
  return createMut("timeline_event", { order_id: orderId, kind, at: nowIso(), data });
}

export const pending = async () => (await db.outboxAll()).filter((m) => m.state === "pending");
export const rejected = async () => (await db.outboxAll()).filter((m) => m.state === "rejected");
export const count = () => db.outboxCount();

/** The engineer has read a rejection and drops the change (it was never stored). */
export async function discard(number) { await db.outboxDelete([number]); changed(); }

/** The orders with work on this phone not yet uploaded (changes or photo/signature bytes): what
 * the header counts and the list marks. A change that belongs to no order counts on its own. */
export async function unsentWork() {
  const [rows, blobs] = await Promise.all([pending(), db.blobsPending()]);
  const orders = new Set();
  let loose = 0;
  for (const item of [...rows, ...blobs]) {
    if (item.order_id) orders.add(String(item.order_id));
    else loose += 1;
  }
  return { orders, count: orders.size + loose };
}
