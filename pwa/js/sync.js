// The sync client (server/sync/PROTOCOL.md): push the outbox in order, upload blobs with resume,
// pull pages into the store, and tell the screens how far it got. Composes api.js and db.js.
import * as api from "./api.js";
import * as db from "./db.js";
import { changed } from "./outbox.js";

export const CHUNK = 128 * 1024;
const PUSH_BATCH = 500;
const listeners = new Set();
let running = null;
let again = false;

// `attempt`: how the last sync ended ({at, ok, code}): the header tells the engineer that, not
// navigator.onLine, which stays true on a dead connection.
export const state = { running: false, phase: "idle", done: 0, total: 0, error: null, blobs: {}, attempt: null };
export function onProgress(fn) { listeners.add(fn); return () => listeners.delete(fn); }
function report(patch) {
  Object.assign(state, patch);
  for (const fn of listeners) fn(state);
}

/** Run one sync (or join the one running, and run again after it for what came in meanwhile). */
export function syncNow(reason = "manual") {
  if (running) { again = true; return running; }
  state.pulled = 0; // changes received by this sync (and any re-run it absorbs): the screens redraw on them
  running = (async () => {
    try {
      do {
        again = false;
        await runOnce(reason);
      } while (again);
      report({ running: false, phase: "idle", error: null, attempt: { at: new Date().toISOString(), ok: true, code: null } });
    } catch (error) {
      const code = error.offline ? "offline" : error.code || (error.status ? `http_${error.status}` : String(error));
      report({ running: false, phase: "idle", error: code, attempt: { at: new Date().toISOString(), ok: false, code } });
      throw error;
    } finally {
      running = null;
      changed();
    }
  })();
  return running;
}

async function runOnce() {
  performance.mark("onsite:sync-start");
  report({ running: true, phase: "push", done: 0, total: 0, error: null });
  await pushOutbox();
  report({ phase: "pull", done: 0, total: 0 });
  await pullAll();
  report({ phase: "blobs", done: 0, total: 0 });
  await uploadBlobs();
  // Photos whose bytes arrived change on the server (pending -> stored): take that too.
  await pullAll();
  await db.setMeta("last_sync_at", new Date().toISOString());
  performance.measure("onsite:sync", "onsite:sync-start");
}

// ---- push ---------------------------------------------------------------------------------
const ACKED = new Set(["applied", "merged", "conflict", "duplicate"]);

export async function pushOutbox() {
  for (let guard = 0; guard < 50; guard += 1) {
    const pending = (await db.outboxAll()).filter((m) => m.state === "pending").sort((a, b) => a.number - b.number);
    if (!pending.length) return;
    const batch = pending.slice(0, PUSH_BATCH);
    report({ total: pending.length });
    const body = await api.post("/api/sync/push", {
      device_time: new Date().toISOString(),
      mutations: batch.map((m) => ({ id: m.id, number: m.number, entity: m.entity, entity_id: m.entity_id,
        op: m.op, base_version: m.base_version, fields: m.fields, device_time: m.device_time })),
    });
    const byId = new Map(batch.map((m) => [m.id, m]));
    const drop = [];
    const keep = [];
    const upserts = [];
    let gapAt = null;
    for (const result of body.results || []) {
      const m = byId.get(result.id);
      if (!m) continue;
      // A replay is answered with its first result: a mutation first rejected stays rejected.
      const first = result.outcome === "duplicate" && result.first ? result.first : result;
      if (ACKED.has(first.outcome)) {
        drop.push(m.number);
        const rec = first.record || result.record;
        if (rec) upserts.push(wrap(result.entity || m.entity, rec, result.entity_id || m.entity_id));
      } else if (first.outcome === "rejected") {
        keep.push({ ...m, state: "rejected", reason: first.reason, params: first.params || {} });
      } else if (result.outcome === "gap" && gapAt === null) {
        gapAt = body.last_applied_number;
      }
    }
    await db.applyServerPage({ upserts });
    await db.outboxDelete(drop);
    await db.outboxUpdate(keep);
    report({ done: state.done + drop.length + keep.length });
    if (gapAt !== null) await renumberAfter(gapAt);
    changed();
  }
}

/** The server expects last+1 next: what it never processed is numbered on from there. */
async function renumberAfter(last) {
  const rows = (await db.outboxAll()).filter((m) => m.state === "pending").sort((a, b) => a.number - b.number);
  if (!rows.length || rows[0].number === last + 1) return;
  await db.outboxDelete(rows.map((r) => r.number));
  await db.outboxUpdate(rows.map((r, i) => ({ ...r, number: last + 1 + i })));
  await db.setMeta("mutation_counter", Math.max(last + rows.length, await db.getMeta("mutation_counter", 0)));
}

// ---- pull ---------------------------------------------------------------------------------
export function wrap(entity, record, id = record.id ?? record.code) {
  const orderId = entity === "order" ? String(id) : record.order_id ?? null;
  return { key: db.recordKey(entity, id), entity, id: String(id), order_id: orderId, record };
}

export async function pullAll({ limit = 500 } = {}) {
  let since = await db.getMeta("cursor", 0);
  let pages = 0;
  for (;;) {
    let page;
    try {
      page = await api.get(`/api/sync/pull?since=${since}&limit=${limit}&device_time=${encodeURIComponent(new Date().toISOString())}`);
    } catch (error) {
      if (error.status === 410) { await db.clearRecords(); since = 0; continue; }
      throw error;
    }
    await applyPage(page);
    state.pulled = (state.pulled || 0) + page.changes.length;
    since = page.cursor;
    pages += 1;
    report({ done: state.done + page.changes.length, total: page.has_more ? 0 : state.done + page.changes.length });
    if (!page.has_more) break;
  }
  if (pages) changed();
}

async function applyPage(page) {
  const upserts = [];
  const removals = [];
  const gone = [];
  for (const change of page.changes) {
    if (change.removed) {
      if (change.entity === "order") gone.push(change);
      else removals.push(db.recordKey(change.entity, change.id));
    } else {
      upserts.push(wrap(change.entity, change.record, change.id));
    }
  }
  await db.applyServerPage({ upserts, removals, meta: { cursor: page.cursor, server_offset_ms: page.clock_offset_ms ?? null } });
  for (const change of gone) await removeOrder(change);
}

/** An order left this device's scope: drop it, but remember what happened if work on it is unsent. */
async function removeOrder(change) {
  const kept = await db.getRecord("order", change.id);
  const unsent = (await db.outboxAll()).filter((m) => m.order_id === change.id);
  if (kept && (unsent.length || change.reason === "reassigned")) {
    const notices = await db.getMeta("scope_notices", []);
    notices.push({ order_id: change.id, number: kept.record.number, reason: change.reason || "removed",
      unsent: unsent.length, at: new Date().toISOString() });
    await db.setMeta("scope_notices", notices.slice(-50));
  }
  await db.removeOrderRecords(change.id);
}

// ---- blobs --------------------------------------------------------------------------------
export async function uploadBlobs() {
  const pending = await db.blobsPending();
  for (const blob of pending) await uploadBlob(blob);
}

async function uploadBlob(blob) {
  const total = blob.bytes.byteLength;
  const progress = (received) => {
    state.blobs[blob.sha256] = { received, total };
    report({});
  };
  let { received, complete } = await api.get(`/api/blobs/${blob.sha256}/status`);
  if (complete) { await finish(blob); progress(total); return; }
  for (let guard = 0; guard < 10000 && received < total; guard += 1) {
    progress(received);
    const end = Math.min(received + CHUNK, total);
    try {
      const answer = await api.sendBytes("PUT", `/api/blobs/${blob.sha256}`, blob.bytes.slice(received, end),
        { "Content-Range": `bytes ${received}-${end - 1}/${total}` });
      received = answer.complete ? total : answer.received;
      await db.blobProgress(blob.sha256, { uploaded: received });
    } catch (error) {
      if (error.code === "offset_mismatch") {
        received = error.body?.error?.details?.received ?? (await api.get(`/api/blobs/${blob.sha256}/status`)).received;
      } else if (error.code === "hash_mismatch") {
        await db.blobProgress(blob.sha256, { state: "corrupt" });
        throw error;
      } else {
        throw error;
      }
    }
  }
  progress(total);
  await finish(blob);
}

async function finish(blob) {
  await db.blobProgress(blob.sha256, { state: "uploaded", uploaded: blob.bytes ? blob.bytes.byteLength : 0 });
  changed();
}

export const isRunning = () => !!running;
