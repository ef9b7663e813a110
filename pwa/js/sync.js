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
  state.listReady = false; // set once orders to list are stored (a first sync's day orders, its first page)
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
  // The pull's cursor is read beside the outbox, not after the push: a push never moves it, and
  // on an incremental sync each store round trip is on the way to the request.
  const pullMeta = readPullMeta();
  pullMeta.catch(() => {}); // awaited below; a push failing first must not leave it unhandled
  await pushOutbox();
  report({ phase: "pull", done: 0, total: 0, unit: null });
  await pullAll({ meta: await pullMeta });
  report({ phase: "blobs", done: 0, total: 0 });
  // Photos whose bytes arrived change on the server (pending -> stored): take that too. With
  // nothing uploaded there is nothing to take, and a weak network is spared the round trip.
  if (await uploadBlobs()) await pullAll();
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

// A first sync (PROTOCOL.md P31, P32): the day's orders first so the list is usable at once, then
// pages whose windows the server plans, fetched IN_FLIGHT at a time and applied in order, each in
// one transaction with its cursor: a sync cut half-way goes on from the last whole page.
// The plan cuts small windows; the phone fetches them in growing runs (GROWTH): the first run is
// small, so the store starts writing its rows soon after the first page, and the later ones are
// large, so a 2,000-order scope is written in a handful of transactions (each costs a commit).
const STREAM_PAGE = 2000; // a streamed page is one transaction: few, and not so large the list waits
const FIRST_PAGE = 200; // small: the store starts writing while the server reads the windows
const WINDOW = 500;
const GROWTH = [1, 2, 4]; // windows per run, the last repeated
const IN_FLIGHT = 3;
const WINDOW_LIMIT = 10000;

/** The plan's windows joined into runs of GROWTH windows: [[since, until], ...]. */
export function runsOf(bounds) {
  const runs = [];
  for (let i = 0; i + 1 < bounds.length;) {
    const size = GROWTH[Math.min(runs.length, GROWTH.length - 1)];
    const end = Math.min(i + size, bounds.length - 1);
    runs.push([bounds[i], bounds[end]]);
    i = end;
  }
  return runs;
}

const pullUrl = (query) =>
  `/api/sync/pull?${query}&shape=columns&device_time=${encodeURIComponent(new Date().toISOString())}`;

/** A page sent column by column (PROTOCOL.md section 2c) as the list of changes it stands for:
 *  the records, then the removals, the order the store applies them in. */
async function getPage(query) {
  const t0 = performance.now();
  const page = await api.get(pullUrl(query));
  performance.measure("onsite:pull-fetch", { start: t0, detail: query });
  return expand(page);
}

/** A page as the list of changes it stands for: one sent column by column (PROTOCOL.md section
 *  2c) gives its records, then its removals, the order the store applies them in. */
function expand(page) {
  if (!page.tables) return page;
  const changes = [];
  for (const { entity, id, seq, fields, values } of page.tables) {
    for (let i = 0; i < id.length; i += 1) {
      const record = {};
      for (let f = 0; f < fields.length; f += 1) record[fields[f]] = values[f][i];
      changes.push({ entity, id: id[i], seq: seq[i], record });
    }
  }
  changes.push(...page.removals);
  const rest = { ...page, changes };
  delete rest.tables;
  delete rest.removals;
  return rest;
}

const readPullMeta = () => db.getMetaMany({ cursor: 0, first_pull_done: false });

/** Pull until nothing more; `meta`: the cursor and first-pull flag when already read. */
export async function pullAll({ limit = 500, meta: known = null } = {}) {
  const meta = { ...(known || (await readPullMeta())) };
  let since = meta.cursor;
  let pages = 0;
  for (;;) {
    let page;
    try {
      // A first pull that answered has_more was not through (its last page would have said so).
      if (since === 0 || !meta.first_pull_done) {
        const end = await pullPlanned(since);
        pages += end.pages;
        if (!end.has_more) break;
        since = end.cursor;
        continue;
      }
      page = await getPage(`since=${since}&limit=${limit}`);
    } catch (error) {
      if (error.status === 410) { await db.clearRecords(); since = 0; meta.first_pull_done = false; continue; }
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

/** A first sync from 0: the day's orders, and beside them every page in one streamed answer
 *  (PROTOCOL.md section 2d, P35), each applied as it arrives: one round trip, and the store
 *  writes one page while the next is on its way. Cut half-way, it answers the cursor of the last
 *  whole page, from which the sync goes on with a plan (pullPlanned), not from 0. */
async function pullStreamed() {
  const provisional = new Set(await db.getMeta("provisional", []));
  const day = dayOrders(provisional);
  day.catch(() => {}); // its failure is the pages' failure too, reported there
  let progress = null;
  let last = null;
  let pages = 0;
  let t0 = performance.now();
  try {
    for await (const body of api.lines(pullUrl(`since=0&limit=${STREAM_PAGE}&stream=true`))) {
      performance.measure("onsite:pull-fetch", { start: t0, detail: `stream page ${pages}` });
      const page = expand(body);
      if (!progress) {
        await day;
        progress = { done: 0, total: page.orders || 0 };
        report({ phase: "pull", done: 0, total: progress.total, unit: "orders" });
      }
      await applyPlanned(page, provisional, progress);
      last = page;
      pages += 1;
      t0 = performance.now();
    }
  } catch (error) {
    if (!last || !error.offline) throw error; // nothing whole came, or not a cut: as any pull fails
  }
  if (!last) throw new api.ApiError(0, "offline", "No connection.");
  const whole = last.last === true;
  if (whole && !last.has_more) changed();
  return { pages, has_more: !whole || last.has_more, cursor: last.cursor };
}

/** A first sync that goes on from a cursor: the planned windows. Answers where it ended. */
async function pullPlanned(since) {
  if (since === 0) return pullStreamed();
  const provisional = new Set(await db.getMeta("provisional", []));
  const day = since === 0 ? dayOrders(provisional) : Promise.resolve();
  day.catch(() => {}); // its failure is the pages' failure too, reported there
  const first = await getPage(`since=${since}&limit=${FIRST_PAGE}&plan=true&window=${WINDOW}`);
  // The windows of a plan made from 0 are read as a first pull too (P31): no grants to expand.
  const windows = runsOf([first.cursor, ...(first.plan || [])]);
  const fetching = [];
  const start = () => {
    if (fetching.length >= windows.length) return;
    const [from, until] = windows[fetching.length];
    const pending = fetchWindow(from, until, since === 0);
    pending.catch(() => {}); // awaited in order below; an early failure must not go unhandled
    fetching.push(pending);
  };
  for (let i = 0; i < IN_FLIGHT; i += 1) start();
  await day;
  const progress = { done: since ? await db.countOrders() : 0, total: first.orders || 0 };
  report({ phase: "pull", done: progress.done, total: progress.total, unit: "orders" });
  await applyPlanned(first, provisional, progress);
  let last = first;
  for (let i = 0; i < windows.length; i += 1) {
    const pages = await fetching[i];
    start();
    for (const page of pages) { await applyPlanned(page, provisional, progress); last = page; }
  }
  if (!last.has_more) changed();
  return { pages: windows.length + 1, has_more: last.has_more, cursor: last.cursor };
}

/** One planned window (since, until]: one page, unless one sequence number carried more. */
async function fetchWindow(since, until, fromStart) {
  const pages = [];
  for (let from = since; from < until;) {
    const page = await getPage(`since=${from}&until=${until}&limit=${WINDOW_LIMIT}${fromStart ? "&first=true" : ""}`);
    pages.push(page);
    if (page.cursor <= from) break;
    from = page.cursor;
  }
  return pages;
}

/** One page of the first pull. The last one (nothing more after it) ends the first pull in its
 *  own transaction: the preview rows no page brought (gone from scope meanwhile) go with it. */
async function applyPlanned(page, provisional, progress) {
  let orders = 0;
  for (const change of page.changes) {
    if (change.entity === "order" && !change.removed) orders += 1;
    provisional.delete(db.recordKey(change.entity, change.id));
  }
  if (page.has_more) {
    await applyPage(page, { provisional: [...provisional] });
  } else {
    await applyPage(page, { provisional: [], first_pull_done: true }, [...provisional]);
    provisional.clear();
  }
  state.pulled = (state.pulled || 0) + page.changes.length;
  progress.done = Math.min(progress.total || Infinity, progress.done + orders);
  report({ done: progress.done, total: progress.total, listReady: state.listReady || orders > 0 });
}

/** Today's appointments, stored only where the pages have not brought the row yet. */
async function dayOrders(provisional) {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const end = new Date(start.getTime() + 24 * 3600 * 1000);
  const body = await api.get(`/api/sync/day?start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`);
  const rows = body.changes.map((c) => wrap(c.entity, c.record, c.id));
  // The keys stored are remembered in the same transaction: no preview row is ever left unlisted.
  await db.putAbsent(rows, (keys) => {
    for (const key of keys) provisional.add(key);
    return { provisional: [...provisional] };
  });
  if (rows.length) report({ listReady: true });
}

async function applyPage(page, extraMeta = {}, dropKeys = []) {
  const upserts = [];
  const removals = [...dropKeys];
  const gone = [];
  for (const change of page.changes) {
    if (change.removed) {
      if (change.entity === "order") gone.push(change);
      else removals.push(db.recordKey(change.entity, change.id));
    } else {
      upserts.push(wrap(change.entity, change.record, change.id));
    }
  }
  const t0 = performance.now();
  await db.applyServerPage({ upserts, removals,
    meta: { cursor: page.cursor, server_offset_ms: page.clock_offset_ms ?? null, ...extraMeta } });
  performance.measure("onsite:pull-store", { start: t0, detail: upserts.length });
  for (const change of gone) await removeOrder(change);
}

/** Did the engineer record anything on the order (accepted it or went further)? */
function recordedWork(order) {
  return ["accepted_at", "contacted_at", "departed_at", "arrived_at"].some((f) => order[f]) || !!order.diagnosis;
}

/** An order left this device's scope: drop it, but remember what happened if work on it is unsent. */
async function removeOrder(change) {
  const kept = await db.getRecord("order", change.id);
  const unsent = (await db.outboxAll()).filter((m) => m.order_id === change.id);
  if (kept && (unsent.length || change.reason === "reassigned")) {
    const notices = await db.getMeta("scope_notices", []);
    notices.push({ order_id: change.id, number: kept.record.number, reason: change.reason || "removed",
      unsent: unsent.length, worked: recordedWork(kept.record), at: new Date().toISOString() });
    await db.setMeta("scope_notices", notices.slice(-50));
  }
  await db.removeOrderRecords(change.id);
}

// ---- blobs --------------------------------------------------------------------------------
/** Upload what is pending; answers how many blobs it handled. */
export async function uploadBlobs() {
  const pending = await db.blobsPending();
  for (const blob of pending) await uploadBlob(blob);
  return pending.length;
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
