// Passkey ceremonies with navigator.credentials: register one, sign in with one (discoverable),
// confirm identity again (re-auth). Each passkey's public key is kept on the device so that the lock
// screen can check a passkey with no network (lock.js). Composes api.js and db.js.
import * as api from "./api.js";
import * as db from "./db.js";

export const LOCAL_KEYS = "lock_passkeys"; // meta: [{id, public_key, algorithm, sign_count, name}]

export const supported = () => typeof window !== "undefined" && !!window.PublicKeyCredential &&
  !!navigator.credentials;

// ---- base64url <-> bytes ------------------------------------------------------------------
export function toB64url(buffer) {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer)
    : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
export function fromB64url(text) {
  const b64 = String(text).replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) out[i] = raw.charCodeAt(i);
  return out;
}

// ---- options from the server's JSON, credentials back to JSON -----------------------------
function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return { ...json, challenge: fromB64url(json.challenge), user: { ...json.user, id: fromB64url(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: fromB64url(c.id) })) };
}
function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return { ...json, challenge: fromB64url(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: fromB64url(c.id) })) };
}

export function credentialJSON(cred) {
  const r = cred.response;
  const response = { clientDataJSON: toB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toB64url(r.attestationObject);
    if (r.getTransports) response.transports = r.getTransports();
  } else {
    response.authenticatorData = toB64url(r.authenticatorData);
    response.signature = toB64url(r.signature);
    if (r.userHandle) response.userHandle = toB64url(r.userHandle);
  }
  return { id: cred.id, rawId: toB64url(cred.rawId), type: cred.type, response,
    clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    authenticatorAttachment: cred.authenticatorAttachment || undefined };
}

// ---- the device's copy of the public keys --------------------------------------------------
export async function localKeys() { return db.getMeta(LOCAL_KEYS, []); }

/** Keep the signed-in user's passkeys (with public keys) for unlocking offline. */
export async function refreshLocalKeys() {
  const list = await api.get("/api/passkeys");
  const old = new Map((await localKeys()).map((k) => [k.id, k]));
  const keys = list.map((p) => ({ id: p.credential_id, public_key: p.public_key, algorithm: p.algorithm,
    name: p.name, server_id: p.id,
    sign_count: Math.max(p.sign_count || 0, (old.get(p.credential_id) || {}).sign_count || 0) }));
  await db.setMeta(LOCAL_KEYS, keys);
  return list;
}

export async function rememberSignCount(credentialId, count) {
  const keys = await localKeys();
  await db.setMeta(LOCAL_KEYS, keys.map((k) => (k.id === credentialId ? { ...k, sign_count: count } : k)));
}

export async function forgetLocalKeys() { await db.setMeta(LOCAL_KEYS, []); }

// ---- ceremonies ---------------------------------------------------------------------------
/** Register a passkey for the signed-in user (needs a recent sign-in); answers the stored passkey. */
export async function register(name = "") {
  const options = await api.post("/api/passkeys/register/options", {});
  const cred = await navigator.credentials.create({ publicKey: creationOptions(options) });
  const passkey = await api.post("/api/passkeys/register", { credential: credentialJSON(cred), name });
  await refreshLocalKeys();
  return passkey;
}

/** Sign in with whichever passkey the authenticator offers; answers the session like api.login. */
export async function signIn() {
  const options = await api.post("/api/passkeys/login/options", {});
  const cred = await navigator.credentials.get({ publicKey: requestOptions(options) });
  const body = await api.post("/api/passkeys/login", { credential: credentialJSON(cred) });
  api.setCsrf(body.csrf_token);
  return body;
}

/** Confirm identity before a sensitive action (revoking a phone, changing a fee schedule). */
export async function reauthenticate() {
  const options = await api.post("/api/reauth/passkey/options", {});
  const cred = await navigator.credentials.get({ publicKey: requestOptions(options) });
  return api.post("/api/reauth/passkey", { credential: credentialJSON(cred) });
}

export const list = () => api.get("/api/passkeys");
/** Remove a passkey (needs a recent sign-in); it stops unlocking this device too. */
export async function remove(id) {
  await api.del(`/api/passkeys/${id}`);
  await refreshLocalKeys();
}
