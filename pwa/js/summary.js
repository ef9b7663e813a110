// The canonical summary a customer signs: byte-identical to server/domain/signature.py
// (see server/domain/CANONICAL_SUMMARY.md). Hash = lower-case hex SHA-256 of its UTF-8 bytes.

export const FIELDS = ["order_id", "customer_name", "unit", "work_done", "parts", "charge_lines",
  "total_fen", "ratings", "signed_at"];
const KEY = /^[a-z_][a-z0-9_]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

export class CanonicalFormError extends Error {
  constructor(code, path) { super(`${code} at ${path}`); this.code = code; this.path = path; }
}

// The one ISO-8601 form both sides read (server/domain/signature.py has the same patterns).
const ZONED_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/;
const NAIVE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?$/;

export function formatUtc(value) {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new CanonicalFormError("invalid_time", "signed_at");
    return value.toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  if (typeof value !== "string") throw new CanonicalFormError("invalid_time", "signed_at");
  if (NAIVE_TIME.test(value)) throw new CanonicalFormError("naive_datetime", "signed_at");
  const m = ZONED_TIME.exec(value);
  if (!m || Number(m[1]) < 1000) throw new CanonicalFormError("invalid_time", "signed_at");
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] || "0"].map(Number);
  const zone = m[7] === "Z" ? "+00:00" : m[7].length === 5 ? `${m[7].slice(0, 3)}:${m[7].slice(3)}` : m[7];
  const [zh, zm] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
  // A real calendar day and clock time (Date would roll 30 February over into March).
  const daysIn = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysIn || hour > 23 || minute > 59 || second > 59 || zh > 23 || zm > 59) {
    throw new CanonicalFormError("invalid_time", "signed_at");
  }
  const offset = (zone[0] === "-" ? -1 : 1) * (zh * 60 + zm);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60000;
  return new Date(utc).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function canon(value, path) {
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new CanonicalFormError("float_not_allowed", path);
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) throw new CanonicalFormError("integer_out_of_range", path);
    return value;
  }
  if (typeof value === "string") {
    if (LONE_SURROGATE.test(value)) throw new CanonicalFormError("lone_surrogate", path);
    return value.normalize("NFC");
  }
  if (Array.isArray(value)) return value.map((item, i) => canon(item, `${path}[${i}]`));
  if (typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value).sort()) {
      if (!KEY.test(key)) throw new CanonicalFormError("invalid_key", `${path}.${key}`);
      out[key] = canon(value[key], `${path}.${key}`);
    }
    return out;
  }
  throw new CanonicalFormError("unsupported_value", path);
}

/** The exact bytes a signature approves. */
export function canonicalSummary(summary) {
  const keys = Object.keys(summary);
  const missing = FIELDS.filter((f) => !keys.includes(f)).sort();
  if (missing.length) throw new CanonicalFormError("missing_field", missing[0]);
  const unknown = keys.filter((k) => !FIELDS.includes(k)).sort();
  if (unknown.length) throw new CanonicalFormError("unknown_field", unknown[0]);
  const value = {};
  for (const key of [...FIELDS].sort()) value[key] = canon(summary[key], key);
  value.signed_at = formatUtc(summary.signed_at);
  return new TextEncoder().encode(JSON.stringify(value));
}

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export const summaryHash = (summary) => sha256Hex(canonicalSummary(summary));

/** The summary of an order as the customer sees it on the device (see orders.js for the inputs). */
export function buildSummary({ order, customer, unit, charges, rating, signedAt }) {
  const partLines = charges.lines.filter((l) => l.kind === "part");
  return {
    order_id: order.number || order.id,
    customer_name: customer ? customer.name : "",
    unit: { brand: unit?.brand || "", category: unit?.category || "", model: unit?.model || "",
      serial: unit?.serial || "" },
    work_done: order.diagnosis || "",
    parts: partLines.map((l) => ({ code: l.code, qty: l.qty, unit_fen: l.unit_fen, amount_fen: l.amount_fen })),
    charge_lines: charges.lines.map((l) => ({ kind: l.kind, code: l.code, qty: l.qty, unit_fen: l.unit_fen,
      amount_fen: l.amount_fen, reason: l.reason, schedule_version: l.schedule_version ?? null })),
    total_fen: charges.total_fen,
    ratings: rating
      ? { repair_quality: rating.declined ? null : rating.repairQuality,
        service_attitude: rating.declined ? null : rating.serviceAttitude, declined: !!rating.declined }
      : null,
    signed_at: formatUtc(signedAt),
  };
}
