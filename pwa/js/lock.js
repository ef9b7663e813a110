// The lock screen: the app locks when idle and after the phone was handed to a customer; the engineer
// unlocks with no network, by a passkey assertion checked here against the stored public key and a
// challenge made here, or by a PIN (PBKDF2 in WebCrypto, limited attempts), or online by password.
// What this protects and what it does not: docs/security.md.
import * as api from "./api.js";
import * as db from "./db.js";
import { fromB64url, localKeys, rememberSignCount, toB64url } from "./passkeys.js";

export const PIN_META = "lock_pin";          // {salt, hash, iterations, failures}
const STATE_META = "lock_state";              // {locked, reason, last_active}
export const PIN_ITERATIONS = 600000;        // PBKDF2-SHA256, OWASP's 2023 figure
export const MAX_PIN_FAILURES = 5;
export const DEFAULT_IDLE_MS = 5 * 60 * 1000;

const enc = new TextEncoder();
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const bytesOf = (buf) => (buf instanceof Uint8Array ? buf : new Uint8Array(buf));

// ---- checking a passkey assertion on the device --------------------------------------------
/** ECDSA signatures come DER-encoded from authenticators; WebCrypto wants r||s of 32 bytes each. */
export function derToRaw(der) {
  const d = bytesOf(der);
  if (d[0] !== 0x30) throw new Error("not a DER sequence");
  let at = d[1] & 0x80 ? 2 + (d[1] & 0x7f) : 2;
  const out = new Uint8Array(64);
  for (let k = 0; k < 2; k += 1) {
    if (d[at] !== 0x02) throw new Error("not a DER integer");
    let len = d[at + 1];
    let start = at + 2;
    at = start + len;
    while (len > 32 && d[start] === 0) { start += 1; len -= 1; }
    if (len > 32) throw new Error("integer too long");
    out.set(d.subarray(start, start + len), k * 32 + (32 - len));
  }
  return out;
}

async function importKey(spki, algorithm) {
  if (algorithm === -7) {
    return crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  }
  if (algorithm === -257) {
    return crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
  }
  throw new Error(`unsupported algorithm ${algorithm}`);
}

/**
 * Verify an assertion from navigator.credentials.get against a stored key, as a relying party would:
 * the RP id hash, user presence and verification, the type, our own challenge, the origin, the
 * signature over authenticatorData || SHA-256(clientDataJSON), and a counter that must grow.
 * Answers {ok: true, signCount} or {ok: false, reason}.
 */
export async function verifyAssertion({ key, challenge, assertion, rpId = location.hostname,
  origin = location.origin }) {
  try {
    const r = assertion.response;
    const authData = bytesOf(r.authenticatorData);
    const clientDataBytes = bytesOf(r.clientDataJSON);
    const clientData = JSON.parse(new TextDecoder().decode(clientDataBytes));
    if (toB64url(assertion.rawId) !== key.id) return { ok: false, reason: "unknown_key" };
    if (clientData.type !== "webauthn.get") return { ok: false, reason: "wrong_type" };
    if (clientData.challenge !== toB64url(challenge)) return { ok: false, reason: "wrong_challenge" };
    if (clientData.origin !== origin) return { ok: false, reason: "wrong_origin" };
    if (authData.length < 37) return { ok: false, reason: "bad_authenticator_data" };
    const rpHash = await sha256(enc.encode(rpId));
    if (!rpHash.every((b, i) => b === authData[i])) return { ok: false, reason: "wrong_rp" };
    const flags = authData[32];
    if (!(flags & 0x01) || !(flags & 0x04)) return { ok: false, reason: "not_verified" };
    const signCount = new DataView(authData.buffer, authData.byteOffset + 33, 4).getUint32(0);
    const stored = key.sign_count || 0;
    if ((signCount !== 0 || stored !== 0) && signCount <= stored) return { ok: false, reason: "sign_count" };
    const publicKey = await importKey(fromB64url(key.public_key), key.algorithm);
    const signed = concat(authData, await sha256(clientDataBytes));
    const signature = bytesOf(r.signature);
    const valid = key.algorithm === -7
      ? await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, derToRaw(signature), signed)
      : await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, signature, signed);
    return valid ? { ok: true, signCount } : { ok: false, reason: "bad_signature" };
  } catch (error) {
    return { ok: false, reason: "malformed" };
  }
}

/** Ask the authenticator for an assertion over a fresh local challenge and check it here. */
export async function unlockWithPasskey() {
  const keys = await localKeys();
  if (!keys.length) return { ok: false, reason: "no_passkey" };
  const challenge = crypto.getRandomValues(new Uint8Array(32)); // used for this one attempt only
  let assertion;
  try {
    assertion = await navigator.credentials.get({ publicKey: {
      challenge, rpId: location.hostname, userVerification: "required", timeout: 60000,
      allowCredentials: keys.map((k) => ({ type: "public-key", id: fromB64url(k.id) })) } });
  } catch (error) {
    return { ok: false, reason: "cancelled" };
  }
  if (!assertion) return { ok: false, reason: "cancelled" };
  const key = keys.find((k) => k.id === toB64url(assertion.rawId));
  if (!key) return { ok: false, reason: "unknown_key" };
  const result = await verifyAssertion({ key, challenge, assertion });
  if (result.ok) await rememberSignCount(key.id, result.signCount);
  return result;
}

// ---- PIN ----------------------------------------------------------------------------------
async function derive(pin, salt, iterations) {
  const base = await crypto.subtle.importKey("raw", enc.encode(pin), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations },
    base, 256));
}

export async function setPin(pin) {
  if (!/^\d{6,12}$/.test(pin)) throw new Error("pin_format");
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(pin, salt, PIN_ITERATIONS);
  await db.setMeta(PIN_META, { salt: toB64url(salt), hash: toB64url(hash), iterations: PIN_ITERATIONS,
    failures: 0 });
}
export async function hasPin() { return !!(await db.getMeta(PIN_META, null)); }
export async function clearPin() { await db.setMeta(PIN_META, null); }

/** Check a PIN; after MAX_PIN_FAILURES wrong ones the PIN is erased (passkey or online sign-in then). */
export async function unlockWithPin(pin) {
  const stored = await db.getMeta(PIN_META, null);
  if (!stored) return { ok: false, reason: "no_pin" };
  const hash = toB64url(await derive(String(pin), fromB64url(stored.salt), stored.iterations));
  if (hash === stored.hash) {
    await db.setMeta(PIN_META, { ...stored, failures: 0 });
    return { ok: true };
  }
  const failures = (stored.failures || 0) + 1;
  if (failures >= MAX_PIN_FAILURES) {
    await clearPin();
    return { ok: false, reason: "pin_erased", left: 0 };
  }
  await db.setMeta(PIN_META, { ...stored, failures });
  return { ok: false, reason: "wrong_pin", left: MAX_PIN_FAILURES - failures };
}

// ---- the lock itself ----------------------------------------------------------------------
const listeners = new Set();
export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

const lock = { locked: false, reason: null, idleMs: DEFAULT_IDLE_MS, lastActive: Date.now(), screen: null,
  app: null, t: (key) => key, username: () => "", savedAt: 0 };

export const isLocked = () => lock.locked;
export async function canLock() { return (await hasPin()) || (await localKeys()).length > 0; }

async function saveState() {
  await db.setMeta(STATE_META, { locked: lock.locked, reason: lock.reason, last_active: lock.lastActive });
}

/**
 * Lock now (reason: "idle", "handoff", "start", "manual"); answers false when no unlock method is
 * set, unless `force`: then the screen offers what is left (passkey, or signing in online), as when
 * a customer holds the phone and the PIN was erased after too many wrong tries.
 */
export async function lockNow(reason = "manual", { force = false } = {}) {
  if (lock.locked) return true;
  if (!force && !(await canLock())) return false;
  lock.locked = true;
  lock.reason = reason;
  await saveState();
  render();
  for (const fn of listeners) fn(true, reason);
  return true;
}

/** The customer is done with the phone (signature, rating): lock before the engineer takes it back. */
export const lockAfterHandoff = () => lockNow("handoff");

/** Listeners hear (locked, reason): on unlocking, the reason the lock was for. */
async function unlocked() {
  const reason = lock.reason;
  lock.locked = false;
  lock.reason = null;
  lock.lastActive = Date.now();
  await saveState();
  render();
  for (const fn of listeners) fn(false, reason);
}

function touch() {
  lock.lastActive = Date.now();
  if (lock.lastActive - lock.savedAt > 30000 && !lock.locked) {
    lock.savedAt = lock.lastActive;
    saveState();
  }
}

/**
 * Start the lock: `app` is the element the lock hides; `t` translates; `username()` names the
 * signed-in user for the online password fallback. Locks at once when the app was left locked or
 * idle too long.
 */
export async function initLock({ app = document.getElementById("app"), idleMs = DEFAULT_IDLE_MS,
  t = (key) => STRINGS.en[key] || key, username = () => "" } = {}) {
  Object.assign(lock, { app, idleMs, t, username });
  for (const type of ["pointerdown", "keydown", "touchstart", "scroll"]) {
    document.addEventListener(type, touch, { passive: true, capture: true });
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && Date.now() - lock.lastActive > lock.idleMs) lockNow("idle");
    else if (document.visibilityState === "hidden") saveState();
  });
  document.addEventListener("onsite:handoff-end", () => lockAfterHandoff());
  setInterval(() => { if (!lock.locked && Date.now() - lock.lastActive > lock.idleMs) lockNow("idle"); }, 5000);
  const saved = await db.getMeta(STATE_META, null);
  if (saved && (saved.locked || Date.now() - (saved.last_active || 0) > idleMs)) {
    // A phone left locked in a customer's hands stays locked, whatever unlock method is left.
    await lockNow(saved.locked ? saved.reason || "start" : "idle", { force: saved.locked && saved.reason === "handoff" });
  }
}

// ---- the screen (built from DOM nodes: no HTML strings, no inline handlers) ---------------
export const STRINGS = {
  en: {
    "lock.title": "Locked", "lock.idle": "Locked after a quiet spell.",
    "lock.handoff": "Locked after the customer used the phone.", "lock.start": "Unlock to continue.",
    "lock.manual": "Unlock to continue.", "lock.passkey": "Unlock with passkey",
    "lock.pin": "PIN", "lock.pin_submit": "Unlock with PIN", "lock.password": "Password (online)",
    "lock.password_submit": "Sign in", "lock.wrong_pin": "Wrong PIN. {left} tries left.",
    "lock.pin_erased": "Too many wrong PINs: the PIN is erased. Use your passkey or sign in online.",
    "lock.refused": "That passkey could not be checked ({reason}).", "lock.cancelled": "No passkey used.",
    "lock.offline": "No connection: use your passkey or PIN.", "lock.bad_password": "Wrong password.",
  },
  zh: {
    "lock.title": "已锁定", "lock.idle": "闲置后已自动锁定。", "lock.handoff": "用户使用后已锁定。",
    "lock.start": "解锁后继续。", "lock.manual": "解锁后继续。", "lock.passkey": "用通行密钥解锁",
    "lock.pin": "PIN 码", "lock.pin_submit": "用 PIN 码解锁", "lock.password": "密码（需联网）",
    "lock.password_submit": "登录", "lock.wrong_pin": "PIN 码错误，还可尝试 {left} 次。",
    "lock.pin_erased": "PIN 码错误次数过多，已清除。请用通行密钥或联网登录。",
    "lock.refused": "通行密钥验证失败（{reason}）。", "lock.cancelled": "未使用通行密钥。",
    "lock.offline": "无网络：请用通行密钥或 PIN 码。", "lock.bad_password": "密码错误。",
  },
};

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}
const say = (key, params = {}) => lock.t(key, params).replace(/\{(\w+)\}/g, (_, k) => params[k] ?? "");

function showError(message) {
  const box = lock.screen && lock.screen.querySelector(".lock-error");
  if (box) box.textContent = message;
}

async function build() {
  const screen = el("div", { id: "lock-screen", class: "lock-screen", role: "dialog", "aria-modal": "true",
    "aria-labelledby": "lock-title" });
  // The few styles the lock cannot do without are set through the CSSOM, which the CSP allows.
  Object.assign(screen.style, { position: "fixed", inset: "0", zIndex: "2147483000", overflow: "auto",
    background: "var(--lock-bg, #0d2a4a)", color: "#fff", padding: "2rem 1.25rem",
    display: "flex", flexDirection: "column", gap: "1rem" });
  screen.append(el("h1", { id: "lock-title", text: say("lock.title") }),
    el("p", { class: "lock-reason", text: say(`lock.${lock.reason || "manual"}`) }));
  if ((await localKeys()).length) {
    const button = el("button", { type: "button", id: "unlock-passkey", class: "btn btn--primary btn--block",
      text: say("lock.passkey") });
    button.addEventListener("click", async () => {
      button.disabled = true;
      const result = await unlockWithPasskey();
      button.disabled = false;
      if (result.ok) await unlocked();
      else showError(say(result.reason === "cancelled" ? "lock.cancelled" : "lock.refused", result));
    });
    screen.append(button);
  }
  if (await hasPin()) {
    const input = el("input", { id: "lock-pin", type: "password", inputmode: "numeric", autocomplete: "off",
      "aria-label": say("lock.pin"), placeholder: say("lock.pin"), maxlength: "12" });
    const form = el("form", { id: "unlock-pin", class: "lock-form" }, input,
      el("button", { type: "submit", class: "btn btn--block", text: say("lock.pin_submit") }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = await unlockWithPin(input.value);
      input.value = "";
      if (result.ok) await unlocked();
      else if (result.reason === "pin_erased") { showError(say("lock.pin_erased")); form.remove(); }
      else showError(say("lock.wrong_pin", result));
    });
    screen.append(form);
  }
  const password = el("input", { id: "lock-password", type: "password", autocomplete: "current-password",
    "aria-label": say("lock.password"), placeholder: say("lock.password") });
  const online = el("form", { id: "unlock-password", class: "lock-form" }, password,
    el("button", { type: "submit", class: "btn btn--block", text: say("lock.password_submit") }));
  online.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.login(lock.username(), password.value);
      await unlocked();
    } catch (error) {
      showError(say(error.offline ? "lock.offline" : "lock.bad_password"));
    } finally {
      password.value = "";
    }
  });
  screen.append(online, el("p", { class: "lock-error", role: "alert" }));
  return screen;
}

let rendering = Promise.resolve();
function render() {
  rendering = rendering.then(draw, draw);
  return rendering;
}

async function draw() {
  if (lock.locked && !lock.screen) {
    const screen = await build();
    if (!lock.locked) return;
    lock.screen = screen;
    document.body.append(screen);
    if (lock.app) { lock.app.inert = true; lock.app.setAttribute("aria-hidden", "true"); }
  } else if (!lock.locked && lock.screen) {
    lock.screen.remove();
    lock.screen = null;
    if (lock.app) { lock.app.inert = false; lock.app.removeAttribute("aria-hidden"); }
  }
}
