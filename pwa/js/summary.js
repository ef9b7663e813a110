// The canonical summary a customer signs: byte-identical to server/domain/signature.py
// (see server/domain/CANONICAL_SUMMARY.md). Hash = lower-case hex SHA-256 of its UTF-8 bytes.

export const FIELDS = ["order_id", "customer_name", "unit", "work_done", "parts", "charge_lines",
  "total_fen", "ratings", "signed_at"];
const KEY = /^[a-z_][a-z0-9_]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

export class CanonicalFormError extends Error {
  constructor(code, path) { super(`${code} at ${path}`); this.code = code; this.path = path; }
}

export function formatUtc(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (typeof value === "string" && !/(Z|[+-]\d{2}:?\d{2})$/i.test(value)) throw new CanonicalFormError("naive_datetime", "signed_at");
  if (Number.isNaN(date.getTime())) throw new CanonicalFormError("invalid_time", "signed_at");
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
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
  const value = canon(summary, "");
  value.signed_at = formatUtc(summary.signed_at);
  return new TextEncoder().encode(JSON.stringify(value));
}

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export const summaryHash = (summary) => sha256Hex(canonicalSummary(summary));

/** The summary of an order as the customer sees it on the device (see orders.js for the inputs). */
export function buildSummary({ order, customer, unit, parts, charges, rating, signedAt }) {
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
