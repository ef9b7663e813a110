// Runs the PWA's charge rules and canonical summary on JSON cases from stdin, for the parity tests.
import { readFileSync } from "node:fs";
import { computeCharges, schedule } from "../../pwa/js/charges.js";
import { canonicalSummary, summaryHash } from "../../pwa/js/summary.js";

const { kind, cases } = JSON.parse(readFileSync(0, "utf8"));
const out = [];
for (const c of cases) {
  try {
    if (kind === "charges") {
      out.push({ ok: computeCharges({ ...c, schedule: schedule(c.schedule),
        other_schedule: c.other_schedule ? schedule(c.other_schedule) : null }) });
    } else {
      out.push({ ok: { text: new TextDecoder().decode(canonicalSummary(c)), hash: await summaryHash(c) } });
    }
  } catch (error) {
    out.push({ error: error.code || error.constructor.name });
  }
}
process.stdout.write(JSON.stringify(out));
