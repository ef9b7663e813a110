/** SHA-256 in the browser (crypto.subtle), as lower-case hex: how photos and summaries are named. */

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
