/**
 * The SHA-256 of a visit summary's canonical bytes (server/domain/CANONICAL_SUMMARY.md): what a
 * customer's signature is bound to. Byte-identical to the server's, so the server can re-check it.
 */
import { sha256Hex } from "./digest.js";

function canon(value) {
  if (Array.isArray(value)) return value.map(canon);
  if (value && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value).sort()) out[key] = canon(value[key]);
    return out;
  }
  return typeof value === "string" ? value.normalize("NFC") : value;
}

/** The canonical bytes (UTF-8) of `summary`; `signed_at` becomes UTC whole seconds. */
export function canonicalBytes(summary) {
  const c = canon(summary);
  c.signed_at = new Date(summary.signed_at).toISOString().replace(/\.\d{3}Z$/, "Z");
  return new TextEncoder().encode(JSON.stringify(c));
}

export async function summaryHash(summary) {
  return sha256Hex(canonicalBytes(summary));
}
