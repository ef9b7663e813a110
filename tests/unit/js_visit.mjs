// Runs the PWA's visit derivation (pwa/js/visit.js) on JSON facts from stdin, for the parity tests.
import { readFileSync } from "node:fs";
import { schedule } from "../../pwa/js/charges.js";
import { deriveVisit } from "../../pwa/js/visit.js";

const cases = JSON.parse(readFileSync(0, "utf8"));
const out = cases.map((c) => {
  const facts = { ...c };
  for (const key of ["schedule", "other_schedule", "manual"]) facts[key] = c[key] ? schedule(c[key]) : null;
  try { return { ok: deriveVisit(facts) }; } catch (error) { return { error: error.message }; }
});
process.stdout.write(JSON.stringify(out));
