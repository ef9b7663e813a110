// The live channel (server/live/): while the app is open, one Server-Sent Events stream says "your
// orders changed, pull" and this module starts a sync at once through the app's sync trigger. The
// only module that touches EventSource. It reconnects with backoff after a drop or a server
// restart, and every (re)connect starts a sync, so what changed while away is pulled too (the
// cursor protocol, not the stream, carries the data). It also tells the server which new orders
// this phone has pulled (delivered) and which the engineer opened (seen), for the dispatcher.
import * as api from "./api.js";
import * as db from "./db.js";
import { onProgress } from "./sync.js";

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
const ORDER_ROUTE = /^#\/order\/([^/]+)/;

export const state = { connected: false, connects: 0, wakes: 0 };
let app = null;
let source = null;
let timer = null;
let delay = 0;
const reported = { delivered: new Set(), seen: new Set() };

function connect() {
  clearTimeout(timer);
  timer = null;
  if (source || !app.user || !app.deviceId || typeof EventSource === "undefined") return;
  source = new EventSource(`/api/live/stream?device_id=${encodeURIComponent(app.deviceId)}`);
  source.addEventListener("open", () => {
    state.connected = true;
    state.connects += 1;
    delay = 0;
  });
  source.addEventListener("scope", () => {
    state.wakes += 1;
    app.syncNow("live");
  });
  source.addEventListener("closed", () => {
    // The session ended or the phone was revoked: no reconnect; the sync that follows meets the
    // server's answer (sign in again, or the revoked phone's wipe).
    drop();
    app.syncNow("live");
  });
  source.addEventListener("error", () => {
    // Closed by hand rather than left to EventSource: it gives up for good on an HTTP error and
    // retries a dead server at a fixed pace; here the wait doubles up to a ceiling, with jitter.
    drop();
    delay = Math.min(delay ? delay * 2 : FIRST_DELAY_MS, MAX_DELAY_MS);
    timer = setTimeout(connect, delay * (0.75 + Math.random() / 2));
  });
}

function drop() {
  if (source) source.close();
  source = null;
  state.connected = false;
}

async function report(what, orderIds) {
  const fresh = orderIds.filter((id) => !reported[what].has(id));
  if (!fresh.length || !app.user) return;
  try {
    await api.post("/api/live/reports", { what, order_ids: fresh.slice(0, 200) });
    for (const id of fresh) reported[what].add(id);
  } catch { /* offline or signed out: reported again after the next sync */ }
}

/** The new orders now on the phone: the ones still waiting to be accepted. */
async function deliveredOrders() {
  return (await db.allOf("order")).filter((r) => r.record && r.record.status === "assigned").map((r) => r.id);
}

function seenFromRoute() {
  const match = location.hash.match(ORDER_ROUTE);
  if (match) report("seen", [decodeURIComponent(match[1])]);
}

/** Wire the channel once; it opens after the first good sync of a signed-in phone. */
export function start(theApp) {
  app = theApp;
  let wasRunning = false;
  onProgress((sync) => {
    if (sync.running === wasRunning) return;
    wasRunning = sync.running;
    if (sync.running || sync.error) return;
    if (!app.user) { drop(); return; }
    deliveredOrders().then((ids) => report("delivered", ids)).then(seenFromRoute).catch(() => {});
    if (!source && !timer) connect();
  });
  window.addEventListener("hashchange", seenFromRoute);
  window.addEventListener("online", () => { if (!source) connect(); });
}
