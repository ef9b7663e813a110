// The only module that calls fetch: JSON in and out, the CSRF header on writes, X-Device-Id,
// and errors turned into ApiError carrying the server's {error: {code, message, field}}.

let csrf = "";
let deviceId = "";

export function setCsrf(token) { csrf = token || ""; }
export function setDeviceId(id) { deviceId = id || ""; }

export class ApiError extends Error {
  constructor(status, code, message, field, body) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.field = field;
    this.body = body;
  }
  get offline() { return this.status === 0; }
}

// Writes that need no session (so no token) yet: never fetch a token for them first.
const NO_TOKEN_NEEDED = /^\/api\/(auth\/login|passkeys\/login|quarantine)(\/|$|\?)/;
const isWrite = (method) => method !== "GET" && method !== "HEAD";

/**
 * A write with no token held (the app was reloaded offline) fetches one from the session first;
 * a write the server refuses with `csrf_failed` (the token went stale) fetches a fresh one and is
 * sent once more. Either way the request goes through now, not at the next timer tick.
 */
async function request(method, url, opts = {}) {
  const needsToken = isWrite(method) && !NO_TOKEN_NEEDED.test(url);
  if (needsToken && !csrf) await freshToken();
  try {
    return await send(method, url, opts);
  } catch (error) {
    if (!needsToken || !(error instanceof ApiError) || error.code !== "csrf_failed") throw error;
    await freshToken();
    return send(method, url, opts);
  }
}

let pendingToken = null;
/** One session request however many writes are waiting for a token; offline leaves it empty. */
function freshToken() {
  if (!pendingToken) {
    pendingToken = send("GET", "/api/auth/session")
      .then((body) => setCsrf(body && body.csrf_token))
      .catch((error) => { if (!(error instanceof ApiError)) throw error; })
      .finally(() => { pendingToken = null; });
  }
  return pendingToken;
}

async function send(method, url, { json, body, headers = {}, signal } = {}) {
  const h = { Accept: "application/json", ...headers };
  if (isWrite(method)) h["X-CSRF-Token"] = csrf;
  if (deviceId) h["X-Device-Id"] = deviceId;
  if (json !== undefined) {
    h["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(url, { method, headers: h, body, credentials: "same-origin", signal,
      cache: "no-store" });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, "offline", "No connection.");
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { raw: text }; }
  }
  if (!response.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(response.status, e.code || `http_${response.status}`, e.message || response.statusText,
      e.field, data);
  }
  return data;
}

/**
 * A GET answered with one JSON document per line (a streamed pull): yields each as it arrives.
 * A connection that drops mid-way throws an offline ApiError after the last whole line; a
 * line cut short is never yielded.
 */
export async function* lines(url) {
  const headers = { Accept: "application/x-ndjson" };
  if (deviceId) headers["X-Device-Id"] = deviceId;
  let response;
  try {
    response = await fetch(url, { headers, credentials: "same-origin", cache: "no-store" });
  } catch {
    throw new ApiError(0, "offline", "No connection.");
  }
  if (!response.ok) {
    let data = null;
    try { data = await response.json(); } catch { /* not JSON: the status says enough */ }
    const e = (data && data.error) || {};
    throw new ApiError(response.status, e.code || `http_${response.status}`, e.message || response.statusText,
      e.field, data);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch {
      throw new ApiError(0, "offline", "The connection dropped.");
    }
    if (chunk.done) return;
    let from = buffer.length;
    buffer += chunk.value;
    for (let nl = buffer.indexOf("\n", from); nl >= 0; nl = buffer.indexOf("\n", from)) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      from = 0;
      if (line) yield JSON.parse(line);
    }
  }
}

export const get = (url, opts) => request("GET", url, opts);
export const post = (url, json, opts = {}) => request("POST", url, { ...opts, json });
export const put = (url, json, opts = {}) => request("PUT", url, { ...opts, json });
export const del = (url, opts) => request("DELETE", url, opts);
export const sendBytes = (method, url, bytes, headers = {}, opts = {}) =>
  request(method, url, { ...opts, body: bytes, headers: { "Content-Type": "application/octet-stream", ...headers } });

// ---- sign-in and devices ------------------------------------------------------------------
export async function session() {
  const body = await get("/api/auth/session");
  setCsrf(body.csrf_token);
  return body;
}
export async function login(username, password) {
  const body = await post("/api/auth/login", { username, password });
  setCsrf(body.csrf_token);
  return body;
}
export async function logout() {
  const body = await post("/api/auth/logout", {});
  setCsrf(body.csrf_token);
  return body;
}
export const registerDevice = (id, name) => post("/api/auth/devices", { device_id: id, name });

/** Raw GET for the benchmark floor (same bytes the sync client reads). */
export async function getRaw(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { "X-Device-Id": deviceId } });
  return response.json();
}
