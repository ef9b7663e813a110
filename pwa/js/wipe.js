// A revoked phone (the server answered 403 device_revoked) hands its unsynced outbox, and the bytes of
// photos and signatures not uploaded yet, over to the server's quarantine - stored for an admin to
// review, never applied - and then erases everything the app keeps on the phone. Nothing is erased
// before the hand-over succeeded (docs/security.md).
import * as api from "./api.js";
import * as db from "./db.js";

export const REVOKED_FLAG = "onsite.revoked"; // localStorage: when this phone was wiped

export const isRevocation = (error) => !!error && error.status === 403 && error.code === "device_revoked";
/** The last wipe, {at, handedOver}, or null. */
export function wasWiped() {
  try { return JSON.parse(localStorage.getItem(REVOKED_FLAG) || "null"); } catch { return null; }
}
export const forgetWipe = () => localStorage.removeItem(REVOKED_FLAG);

let running = null;

/**
 * Hand over, then wipe. Answers {wiped: true, handedOver} or {wiped: false, reason, count}:
 * "offline" (try again on reconnect) or "sign_in_needed" (the session is gone: the owner signs in
 * on this phone, then this runs again).
 */
export function handleRevocation() {
  if (!running) running = run().finally(() => { running = null; });
  return running;
}

async function run() {
  const outbox = await db.outboxAll();
  // Photos and signatures whose bytes never reached the server go over with the outbox.
  const blobs = await db.blobsPending();
  try {
    if (outbox.length) await api.post("/api/quarantine", { mutations: outbox });
    for (const blob of blobs) {
      try {
        await api.sendBytes("PUT", `/api/quarantine/blobs/${blob.sha256}`, blob.bytes);
      } catch (error) {
        // Bytes the server can never take (damaged: they no longer match their hash, or over the
        // size limit) must not keep the phone from wiping; their metadata went with the outbox.
        if (error.status !== 413 && error.status !== 422) throw error;
      }
    }
  } catch (error) {
    const count = outbox.length;
    if (error.offline) return { wiped: false, reason: "offline", count };
    if (error.status === 401) return { wiped: false, reason: "sign_in_needed", count };
    return { wiped: false, reason: error.code || "failed", count };
  }
  await wipe(outbox.length);
  return { wiped: true, handedOver: outbox.length };
}

/** Erase the store (records, outbox, photos, keys, PIN), runtime caches and web storage; sign out. */
export async function wipe(handedOver = 0) {
  try { await api.logout(); } catch { /* the session may be gone already */ }
  await db.destroy();
  if (globalThis.caches) {
    // The precached app shell holds no one's data; everything cached at run time goes.
    for (const name of await caches.keys()) if (!name.includes("precache")) await caches.delete(name);
  }
  try { sessionStorage.clear(); localStorage.clear(); } catch { /* storage may be unavailable */ }
  localStorage.setItem(REVOKED_FLAG, JSON.stringify({ at: new Date().toISOString(), handedOver }));
}

export const STRINGS = {
  en: {
    "wipe.title": "This phone was removed from Onsite",
    "wipe.body": "An administrator revoked this phone. Its data has been erased from it; {count} unsynced changes were handed over for review.",
    "wipe.sign_in_needed": "This phone was revoked. Sign in to hand over {count} unsynced changes; they will be erased from the phone afterwards.",
    "wipe.offline": "This phone was revoked. Connect to the network to hand over {count} unsynced changes.",
    "wipe.again": "Sign in again",
  },
  zh: {
    "wipe.title": "此手机已从 Onsite 移除",
    "wipe.body": "管理员已吊销此手机。手机上的数据已清除；{count} 条未同步的更改已提交审核。",
    "wipe.sign_in_needed": "此手机已被吊销。请登录以提交 {count} 条未同步的更改，之后将从手机清除。",
    "wipe.offline": "此手机已被吊销。请联网以提交 {count} 条未同步的更改。",
    "wipe.again": "重新登录",
  },
};

/** The notice shown instead of the app; `onAgain` starts over (a fresh device registration). */
export function renderNotice(root, result, { t = (key) => STRINGS.en[key] || key, onAgain } = {}) {
  const say = (key, params = {}) => t(key, params).replace(/\{(\w+)\}/g, (_, k) => params[k] ?? "");
  const box = document.createElement("section");
  box.id = "revoked-notice";
  box.className = "revoked-notice card";
  box.style.margin = "1rem";
  const title = document.createElement("h1");
  title.textContent = say("wipe.title");
  const body = document.createElement("p");
  const key = result.wiped ? "wipe.body" : `wipe.${result.reason === "offline" ? "offline" : "sign_in_needed"}`;
  body.textContent = say(key, { count: result.wiped ? result.handedOver || 0 : result.count || 0 });
  box.append(title, body);
  if (onAgain) {
    const again = document.createElement("button");
    again.type = "button";
    again.className = "btn btn--primary btn--block";
    again.textContent = say("wipe.again");
    again.addEventListener("click", () => { forgetWipe(); onAgain(); });
    box.append(again);
  }
  root.replaceChildren(box);
  return box;
}
