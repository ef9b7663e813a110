// Customer hand-off on the server too (server/auth/customer_mode.py): while the customer holds the
// phone its session reaches only that order's receipt. The phone makes a random release key, sends
// its SHA-256 when the hand-off starts and the key itself once the engineer has unlocked (passkey or
// PIN, offline too); whatever the network missed is sent before the next sync.
import * as api from "./api.js";
import * as db from "./db.js";

const META = "handoff_release"; // {order_id, key, started, released}

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
const hashOf = async (key) => hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));

/** The phone goes to the customer for this order. */
export async function begin(orderId) {
  await db.setMeta(META, { order_id: orderId, key: newKey(), started: false, released: false });
  return settle();
}

/** The engineer unlocked the phone after the hand-off. */
export async function end() {
  const state = await db.getMeta(META, null);
  if (state) await db.setMeta(META, { ...state, released: true });
  return settle();
}

/**
 * Tell the server what happened while it could not hear; answers true when the session is the
 * engineer's again (nothing pending), false while the customer has the phone or the server has
 * not yet heard of the release.
 */
export async function settle() {
  const state = await db.getMeta(META, null);
  if (!state) return true;
  try {
    if (!state.released) {
      if (!state.started) {
        await api.post("/api/handoff", { order_id: state.order_id, release_hash: await hashOf(state.key) });
        await db.setMeta(META, { ...state, started: true });
      }
      return false;
    }
    if (state.started) await api.post("/api/handoff/release", { release_key: state.key });
    await db.setMeta(META, null);
    return true;
  } catch (error) {
    // Offline, or the order is not on the server yet: try again before the next sync.
    if (error instanceof api.ApiError && error.status === 404 && !state.released) {
      await db.setMeta(META, { ...state, started: false });
    }
    return false;
  }
}
