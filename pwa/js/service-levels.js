// Service-level clocks on the device, mirrored from server/domain/service_levels.py `deadlines()`:
// when contact, the visit, completion and the follow-up call are due. The policy is the synced
// record's values (ServicePolicy's names, durations in seconds); the Python defaults fill any gap.
// Nothing here reads the clock. tests/unit/test_rule_parity.py holds the two sides together.

import TABLES from "./generated/tables.js";

const DEFAULTS = TABLES.policy_defaults;

const given = (value) => value !== null && value !== undefined && value !== "";
const ms = (value) => (value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value));
const seconds = (policy, name) => Math.round((policy?.[name] ?? DEFAULTS[name]) * 1000);

/** Due times of an order, as Dates (follow_up_by: null until the order is completed).
 *
 * On site: within `on_site_within` of the report or, when the customer asked for a time, by that
 * time (the requested window's end if given, else its start), earlier or later alike. Completion
 * is due `complete_within` after the report, but never before the visit is due. */
export function deadlines(reportedAt, requestedWindowStart = null, completedAt = null, policy = null,
  { requestedWindowEnd = null } = {}) {
  const reported = ms(reportedAt);
  let onSite;
  if (given(requestedWindowEnd)) onSite = ms(requestedWindowEnd);
  else if (given(requestedWindowStart)) onSite = ms(requestedWindowStart);
  else onSite = reported + seconds(policy, "on_site_within");
  return {
    contact_by: new Date(reported + seconds(policy, "contact_within")),
    on_site_by: new Date(onSite),
    complete_by: new Date(Math.max(reported + seconds(policy, "complete_within"), onSite)),
    follow_up_by: given(completedAt) ? new Date(ms(completedAt) + seconds(policy, "follow_up_within")) : null,
  };
}
