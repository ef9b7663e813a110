// The composition root: wires the store, API, sync client and service-worker bridge to the
// screens, routes by hash, and runs sync on start, reconnect, visibility, a timer and push.
import * as api from "./api.js";
import * as db from "./db.js";
import * as bridge from "./sw-bridge.js";
import * as outbox from "./outbox.js";
import * as sync from "./sync.js";
import * as live from "./live.js";
import * as i18n from "./i18n.js";
import * as issuer from "./issuer.js";
import * as lock from "./lock.js";
import * as wipe from "./wipe.js";
import * as customerMode from "./customer-mode.js";
import { LOCAL_KEYS, refreshLocalKeys } from "./passkeys.js";
import { words } from "./views/security.js";
import { h, replace, toast } from "./ui.js";
import { policyOf } from "./orders.js";
import * as statusBar from "./views/status.js";
import * as login from "./views/login.js";
import * as list from "./views/list.js";
import * as order from "./views/order.js";
import * as charges from "./views/charges.js";
import * as handoff from "./views/handoff.js";
import * as receipt from "./views/receipt.js";
import * as conflicts from "./views/conflicts.js";
import * as settings from "./views/settings.js";

const TIMER_MS = 60_000;
const root = document.getElementById("app");
const app = {
  api, db, outbox, sync, bridge, user: null, deviceId: null, receiptPrefix: null, storage: null,
  online: navigator.onLine, needsSignIn: false, updateReady: false,
  go(hash) { if (location.hash === hash) render(); else location.hash = hash; },
  render: () => render(),
  syncNow: (reason) => runSync(reason),
};
Object.assign(app, i18n.bind(app));

const ROUTES = [
  [/^#\/order\/([^/]+)\/charges$/, charges],
  [/^#\/order\/([^/]+)\/handoff$/, handoff],
  [/^#\/order\/([^/]+)\/receipt$/, receipt],
  [/^#\/order\/([^/]+)$/, order],
  [/^#\/conflicts$/, conflicts],
  [/^#\/settings$/, settings],
];

let cleanup = null;
const main = h("main", { class: "screen" });
const chrome = h("div", { class: "chrome" });

// Renders run one at a time: a view awaits its data before it writes the screen, so two renders
// side by side (a background sync's and the engineer's tap) could finish out of order and leave the
// older screen showing. Asked for while one runs, one more render follows it; more asks join that one.
let rendering = Promise.resolve();
let renderWaiting = false;
function render() {
  if (renderWaiting) return rendering;
  renderWaiting = true;
  rendering = rendering.then(() => { renderWaiting = false; return renderOnce(); })
    .catch((error) => { console.error("render failed", error); });
  return rendering;
}

/** A render that a finished sync asks for: it waits its turn and then draws only if the engineer is
 *  not in the middle of something (busy() is asked when it runs, not when it was queued, so a form
 *  that appeared meanwhile keeps what was typed into it). */
function renderIfIdle() {
  if (renderWaiting) return rendering; // a render is coming anyway
  rendering = rendering.then(async () => { if (!(await busy())) await renderOnce(); })
    .catch((error) => { console.error("render failed", error); });
  return rendering;
}

async function renderOnce() {
  if (cleanup) { try { cleanup(); } catch { /* a view's teardown never blocks the next */ } cleanup = null; }
  // Customer hand-off locks the device to one order until the engineer's PIN releases it.
  const locked = await db.getMeta("handoff", null);
  document.documentElement.lang = app.lang;
  if (locked) {
    document.body.classList.add("customer-mode");
    const target = `#/order/${locked}/handoff`;
    if (location.hash !== target) history.replaceState(null, "", target);
    replace(root, main);
    cleanup = await handoff.render(main, app, [locked]);
    return;
  }
  document.body.classList.remove("customer-mode");
  if (!app.user) {
    replace(root, main);
    cleanup = await login.render(main, app);
    return;
  }
  replace(root, chrome, main);
  statusBar.render(chrome, app);
  const hash = location.hash || "#/";
  for (const [pattern, view] of ROUTES) {
    const match = hash.match(pattern);
    if (match) { cleanup = await view.render(main, app, match.slice(1).map(decodeURIComponent)); return; }
  }
  cleanup = await list.render(main, app);
}

// A sync cut by the network or a server error is tried again soon, then less and less often.
const RETRY_FIRST_MS = 2_000;
let retryDelay = 0;
let retryTimer = null;
function retryLater() {
  retryDelay = Math.min(retryDelay ? retryDelay * 2 : RETRY_FIRST_MS, TIMER_MS);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => runSync("retry"), retryDelay);
}

/** One sync; the engineer's own tap ("sync now") is answered with what happened. */
async function runSync(reason) {
  const manual = reason === "manual";
  if (!app.user) return;
  if (!navigator.onLine) {
    if (manual) toast(app.t("sync.result.offline"), "error");
    return;
  }
  // While the customer holds the phone nothing syncs; the work waits in the outbox for the engineer.
  if (!(await customerMode.settle())) return;
  try {
    await sync.syncNow(reason);
    if (sync.state.pulled) app.policy = policyOf(await db.allOf("service_policy")).values;
    retryDelay = 0;
    clearTimeout(retryTimer);
    if (manual) {
      const left = (await outbox.unsentWork()).count;
      toast(left ? app.t("sync.result.partial", { n: left }) : app.t("sync.result.done"));
    }
    if (sync.state.pulled) await renderIfIdle();
  } catch (error) {
    if (error.offline || error.status >= 500) retryLater();
    if (wipe.isRevocation(error)) {
      // This phone was revoked: hand the outbox over to quarantine, then erase (docs/security.md).
      const result = await wipe.handleRevocation();
      if (result.wiped) { revokedNotice(result); return; }
      app.needsSignIn = result.reason === "sign_in_needed";
    } else if (error.status === 401 || error.status === 403) {
      app.needsSignIn = error.code !== "device_revoked" && error.code !== "customer_mode";
      if (error.code === "csrf_failed" || error.code === "not_signed_in") await refreshSession();
    } else if (error.offline || error.status >= 500) {
      if (manual) toast(app.t("sync.result.unreachable"), "error");
    } else {
      toast(app.t("sync.failed", { code: error.code || String(error) }), "error");
    }
  }
  statusBar.refresh(app);
}

/** Is the engineer in the middle of something a re-render would throw away? */
async function busy() {
  if (await db.getMeta("handoff", null)) return true;
  const active = document.activeElement;
  if (active && main.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return true;
  // A sheet (reschedule, nobody home, ...) open on the order screen is work in progress too.
  return !!main.querySelector(".form-host > *, .pin-pad, .pin-setup, canvas, [data-sheet]");
}

async function refreshSession() {
  try {
    const s = await api.session();
    app.needsSignIn = !s.user || s.user.username !== app.user?.username;
    await issuer.remember(app, s);
  } catch { /* offline: keep working from the store */ }
}

async function start() {
  await i18n.init(app);
  await issuer.load(app);
  const meta = await Promise.all(["user", "device_id", "receipt_prefix", "storage_persisted"].map((k) => db.getMeta(k)));
  [app.user, app.deviceId, app.receiptPrefix, app.storage] = meta;
  if (!app.deviceId) { app.deviceId = crypto.randomUUID(); await db.setMeta("device_id", app.deviceId); }
  api.setDeviceId(app.deviceId);
  outbox.onChange(() => statusBar.refresh(app));
  let wasRunning = false;
  let listShown = false;
  sync.onProgress((state) => {
    statusBar.progress(app);
    if (state.running !== wasRunning) { wasRunning = state.running; statusBar.refresh(app); }
    // A first sync stores the day's orders before the rest: show the list as soon as they are in.
    if (state.listReady && !listShown && (location.hash || "#/") === "#/") { listShown = true; render(); }
    if (!state.running) listShown = false;
  });
  window.addEventListener("hashchange", render);
  window.addEventListener("online", () => { app.online = true; statusBar.refresh(app); runSync("online"); });
  window.addEventListener("offline", () => { app.online = false; statusBar.refresh(app); });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") runSync("visible"); });
  setInterval(() => { if (document.visibilityState === "visible") runSync("timer"); }, TIMER_MS);
  bridge.on("message", (message) => {
    if (message.type === "SYNC_NOW") runSync("push");
    if (message.type === "OPEN" && message.url) location.hash = message.url.split("#")[1] ? `#${message.url.split("#")[1]}` : "#/";
  });
  bridge.on("update", () => { app.updateReady = true; statusBar.refresh(app); });
  live.start(app); // the live channel wakes sync through app.syncNow while the app is open
  await render();
  document.documentElement.dataset.ready = "1";
  performance.mark("onsite:interactive");
  if (app.user) startLock();
  bridge.register().catch(() => {});
  askPersistence();
  if (app.user) { await refreshSession(); runSync("start"); }
}

async function askPersistence() {
  if (!navigator.storage || !navigator.storage.persist) { app.storage = "unsupported"; return; }
  const already = await navigator.storage.persisted();
  const granted = already || (await navigator.storage.persist().catch(() => false));
  app.storage = granted ? "granted" : "denied";
  await db.setMeta("storage_persisted", app.storage);
  statusBar.refresh(app);
}

/** After the wipe only the notice shows; the app is signed out in memory too. */
function revokedNotice(result) {
  app.user = null;
  window.removeEventListener("hashchange", render);
  wipe.renderNotice(root, result, { t: words(app), onAgain: () => location.reload() });
}

let lockStarted = false;
/** The idle/hand-off lock (lock.js): it locks only once a passkey or an unlock PIN is set. */
function startLock() {
  if (lockStarted) return;
  lockStarted = true;
  // The phone comes back from the customer when the hand-off lock is opened (handoff.js).
  lock.onChange((locked, reason) => { if (!locked && reason === "handoff") handoff.endIfActive(app); });
  lock.initLock({ app: root, t: words(app), username: () => app.user?.username || "" }).catch(() => {});
}

/** Sign-in finished: remember the user and this device's receipt prefix, then sync. */
app.signedIn = async (user) => {
  let device;
  try {
    device = await api.registerDevice(app.deviceId, navigator.userAgent.slice(0, 100));
  } catch (error) {
    // The owner signed in again on a revoked phone: now its work can be handed over, then erased.
    const result = wipe.isRevocation(error) ? await wipe.handleRevocation() : null;
    if (result?.wiped) { revokedNotice(result); return; }
    throw error;
  }
  app.user = { id: user.id, username: user.username, display_name: user.display_name, role: user.role,
    badge_no: user.badge_no };
  app.receiptPrefix = device.receipt_prefix;
  app.needsSignIn = false;
  await db.setMetaMany({ user: app.user, receipt_prefix: device.receipt_prefix });
  wipe.forgetWipe();
  // The engineer's passkeys (public keys, so the lock can check them offline) and the session's
  // service block (the company and complaint line the receipt prints) come beside the first sync,
  // not before it: on a weak network each is a round trip the engineer would wait through.
  const beside = Promise.all([refreshLocalKeys().catch(() => {}).then(startLock), refreshSession()]);
  await render();
  await Promise.all([runSync("sign-in"), beside]);
};

/** Sign out, refused while anything on this device has not reached the server. */
app.signOut = async () => {
  const unsynced = (await outbox.count()) + (await db.blobsPending()).length;
  if (unsynced) { toast(app.t("logout.refused", { n: unsynced }), "error"); return false; }
  await api.logout();
  await db.clearRecords();
  // The next person on this phone registers it afresh (a device belongs to one user on the server).
  app.deviceId = crypto.randomUUID();
  api.setDeviceId(app.deviceId);
  await db.setMetaMany({ user: null, receipt_prefix: null, scope_notices: [], handoff_pin: null, handoff_release: null,
    device_id: app.deviceId, mutation_counter: 0, [LOCAL_KEYS]: [] });
  await lock.clearPin(); // signing out forgets this phone's unlock PIN and passkey keys
  app.user = null;
  location.hash = "#/";
  await render();
  return true;
};

start();
