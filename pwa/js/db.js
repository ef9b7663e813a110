// The device's store, and the only module that touches IndexedDB: synced records, the outbox,
// photo and signature bytes, and small settings (meta). Everything else asks through here.
import { deleteDB, openDB } from "idb";

const NAME = "onsite";
let dbPromise = null;

export function open() {
  if (!dbPromise) {
    dbPromise = openDB(NAME, 1, {
      upgrade(db) {
        // Records as the server last sent them, keyed "entity:id"; local changes live in the outbox.
        const records = db.createObjectStore("records", { keyPath: "key" });
        records.createIndex("entity", "entity");
        records.createIndex("order", "order_id");
        // Mutations not yet acknowledged, keyed by the per-device mutation number (only grows).
        const outbox = db.createObjectStore("outbox", { keyPath: "number" });
        outbox.createIndex("entity_id", "entity_id");
        outbox.createIndex("order", "order_id");
        // Bytes by SHA-256, kept as ArrayBuffer + MIME (Safari mishandles stored Blobs).
        db.createObjectStore("blobs", { keyPath: "sha256" });
        db.createObjectStore("meta");
      },
      blocked() {},
      blocking() { dbPromise = null; },
    });
  }
  return dbPromise;
}

/** Erase the whole store (a revoked phone, after its outbox was handed over: see wipe.js). */
export async function destroy() {
  if (dbPromise) { (await dbPromise).close(); dbPromise = null; }
  await deleteDB(NAME);
}

export const recordKey = (entity, id) => `${entity}:${id}`;

// ---- meta ---------------------------------------------------------------------------------
export async function getMeta(key, fallback = null) {
  const value = await (await open()).get("meta", key);
  return value === undefined ? fallback : value;
}
/** Several meta values in one transaction: `fallbacks` names the keys and their defaults. */
export async function getMetaMany(fallbacks) {
  const tx = (await open()).transaction("meta");
  const keys = Object.keys(fallbacks);
  const values = await Promise.all(keys.map((k) => tx.store.get(k)));
  await tx.done;
  return Object.fromEntries(keys.map((k, i) => [k, values[i] === undefined ? fallbacks[k] : values[i]]));
}
export async function setMeta(key, value) { await (await open()).put("meta", value, key); }
export async function setMetaMany(values) {
  const tx = (await open()).transaction("meta", "readwrite");
  for (const [k, v] of Object.entries(values)) tx.store.put(v, k);
  await tx.done;
}

// ---- records ------------------------------------------------------------------------------
export async function getRecord(entity, id) {
  return (await open()).get("records", recordKey(entity, id));
}
export async function allOf(entity) {
  return (await open()).getAllFromIndex("records", "entity", entity);
}
export async function byOrder(orderId) {
  return (await open()).getAllFromIndex("records", "order", orderId);
}

/** Write a page of server records (and removals) in one transaction, plus meta like the cursor. */
export async function applyServerPage({ upserts = [], removals = [], meta = {} }) {
  const tx = (await open()).transaction(["records", "meta"], "readwrite");
  const records = tx.objectStore("records");
  for (const r of upserts) records.put(r);
  for (const key of removals) records.delete(key);
  const metaStore = tx.objectStore("meta");
  for (const [k, v] of Object.entries(meta)) metaStore.put(v, k);
  await tx.done;
}

/** Remove an order and its facts (scope removal) in one transaction. The conflicts this user's
 *  own pushes raised stay (they are still theirs to see and resolve, and the server keeps sending
 *  them); the order's other conflicts go with it, as the server stops sending them. */
export async function removeOrderRecords(orderId) {
  const tx = (await open()).transaction(["records", "meta"], "readwrite");
  const user = await tx.objectStore("meta").get("user");
  const records = tx.objectStore("records");
  const rows = await records.index("order").getAll(orderId);
  for (const row of rows) {
    const own = row.entity === "conflict" && user && row.record?.device_user_id === user.id;
    if (!own) records.delete(row.key);
  }
  records.delete(recordKey("order", orderId));
  await tx.done;
}

export async function clearRecords() {
  const tx = (await open()).transaction(["records", "meta"], "readwrite");
  await tx.objectStore("records").clear();
  for (const key of ["cursor", "first_pull_done", "provisional"]) tx.objectStore("meta").delete(key);
  await tx.done;
}

export async function countOrders() {
  return (await open()).countFromIndex("records", "entity", "order");
}

/** Store the rows whose keys are not stored yet (a preview never overwrites what a page brought);
 *  answers the keys it stored. `metaFor(keys)` names meta to write in the same transaction. */
export async function putAbsent(rows, metaFor = () => ({})) {
  const tx = (await open()).transaction(["records", "meta"], "readwrite");
  const records = tx.objectStore("records");
  const present = await Promise.all(rows.map((r) => records.getKey(r.key)));
  const stored = [];
  rows.forEach((r, i) => { if (present[i] === undefined) { records.put(r); stored.push(r.key); } });
  for (const [k, v] of Object.entries(metaFor(stored))) tx.objectStore("meta").put(v, k);
  await tx.done;
  return stored;
}

// ---- outbox -------------------------------------------------------------------------------
/** Append mutations atomically, numbering them from the device's counter, and save their blobs. */
export async function appendMutations(mutations, blobs = []) {
  const tx = (await open()).transaction(["outbox", "meta", "blobs"], "readwrite");
  const meta = tx.objectStore("meta");
  let number = (await meta.get("mutation_counter")) || 0;
  const out = [];
  for (const m of mutations) {
    number += 1;
    const row = { ...m, number, state: "pending", reason: null };
    tx.objectStore("outbox").put(row);
    out.push(row);
  }
  meta.put(number, "mutation_counter");
  for (const b of blobs) {
    const existing = await tx.objectStore("blobs").get(b.sha256);
    if (!existing) tx.objectStore("blobs").put({ uploaded: 0, state: "pending", ...b });
  }
  await tx.done;
  return out;
}

export async function outboxAll() { return (await open()).getAll("outbox"); }
export async function outboxCount() { return (await open()).count("outbox"); }
export async function outboxDelete(numbers) {
  const tx = (await open()).transaction("outbox", "readwrite");
  for (const n of numbers) tx.store.delete(n);
  await tx.done;
}
export async function outboxUpdate(rows) {
  const tx = (await open()).transaction("outbox", "readwrite");
  for (const r of rows) tx.store.put(r);
  await tx.done;
}

// ---- blobs --------------------------------------------------------------------------------
export async function getBlob(sha256) { return (await open()).get("blobs", sha256); }
export async function blobsPending() {
  return (await (await open()).getAll("blobs")).filter((b) => b.state !== "uploaded");
}
export async function blobProgress(sha256, fields) {
  const tx = (await open()).transaction("blobs", "readwrite");
  const row = await tx.store.get(sha256);
  if (row) tx.store.put({ ...row, ...fields });
  await tx.done;
}
/** Uploaded bytes that no pending mutation needs any more may go; metadata stays. */
export async function dropUploadedBytes(sha256) {
  const tx = (await open()).transaction("blobs", "readwrite");
  const row = await tx.store.get(sha256);
  if (row && row.state === "uploaded") tx.store.put({ ...row, bytes: null });
  await tx.done;
}

/** Benchmark floor: write raw rows with no sync logic (used by bench/pwa_initial_sync.py). */
export async function rawBulkPut(rows) {
  const tx = (await open()).transaction("records", "readwrite");
  for (const r of rows) tx.store.put(r);
  await tx.done;
}
