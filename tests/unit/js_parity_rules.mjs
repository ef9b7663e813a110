// Runs the PWA's mirrored rules on JSON cases from stdin for tests/unit/test_rule_parity.py:
// {kind, cases} in, one {ok} or {error} per case out, in order. One process per test.
import { readFileSync } from "node:fs";
import { decideWarranty, lateness } from "../../pwa/js/rules.js";
import { deadlines } from "../../pwa/js/service-levels.js";
import { check, legalTargets, reasonRequired } from "../../pwa/js/states.js";
import { canonicalSummary, summaryHash } from "../../pwa/js/summary.js";
import { clockOf } from "../../pwa/js/views/list.js";
import { arrivalEvidence } from "../../pwa/js/position.js";

const instant = (d) => (d === null ? null : d.getTime());

const RULES = {
  warranty: (c) => decideWarranty(c),
  lateness: (c) => lateness(c.start, c.end, c.arrived, c.policy),
  deadlines: (c) => {
    const due = deadlines(c.reported_at, c.requested_window_start, c.completed_at, c.policy,
      { requestedWindowEnd: c.requested_window_end });
    return Object.fromEntries(Object.entries(due).map(([k, v]) => [k, instant(v)]));
  },
  clock: (c) => clockOf(c.order, c.now, c.policy),
  arrival: (c) => arrivalEvidence(c.position, c.location, c.radius_m),
  states: (c) => ({ ...check(c.current, c.target, c.context), targets: legalTargets(c.current),
    reason_required: reasonRequired(c.current, c.target) }),
  summary: async (c) => ({ text: new TextDecoder().decode(canonicalSummary(c)), hash: await summaryHash(c) }),
};

const { kind, cases } = JSON.parse(readFileSync(0, "utf8"));
const rule = RULES[kind];
if (!rule) throw new Error(`unknown rule ${kind}`);
const out = [];
for (const c of cases) {
  try {
    out.push({ ok: await rule(c) });
  } catch (error) {
    out.push({ error: error.code || error.constructor.name, path: error.path ?? null });
  }
}
process.stdout.write(JSON.stringify(out));
