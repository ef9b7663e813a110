// The events the engineer's phone records on site, said in plain words on the order record's
// timeline: nobody home and each step tried, unable to come, a part requested, the loaner out and
// back, unit details corrected, and where the phone was at arrival (or why it has no position).
// Their payloads are made in pwa/js/views/field-situations.js, order-facts.js and position.js.
import { h } from "./html.js";
import { has, t } from "./i18n.js";

const KINDS = new Set(["not_home_step", "not_home", "unable_to_come", "part_requested", "loaner_out", "loaner_back",
  "unit_corrected", "arrived", "part_removed"]);

const word = (prefix, code) => (code && has(`${prefix}.${code}`) ? t(`${prefix}.${code}`) : code || "");

export function isFieldEvent(event) {
  return KINDS.has(event.kind);
}

function changes(data) {
  const fields = data.fields || {};
  const before = data.before || {};
  return Object.keys(fields).map((k) => t("fe.change", {
    field: word("fe.field", k), before: before[k] ?? "—", after: fields[k] ?? "—",
  })).join("; ");
}

function arrival(data) {
  const late = data.lateness_minutes > 0 ? t("fe.late", { minutes: data.lateness_minutes }) : "";
  if (!("position_error" in data)) return t("fe.arrived") + late;
  if (data.position_error) return t("fe.arrived_no_position", { why: word("fe.no_position", data.position_error) }) + late;
  const accuracy = data.position ? data.position.accuracy_m : "?";
  if (data.distance_m === null || data.distance_m === undefined) return t("fe.arrived_position_only", { accuracy }) + late;
  return t(data.far_from_address ? "fe.arrived_far" : "fe.arrived_near",
    { distance: data.distance_m, accuracy, radius: data.radius_m }) + serverCheck(data) + late;
}

// The server's own reading of the same position, said when it differs from the phone's.
function serverCheck(data) {
  const server = data.server_check;
  if (!server || server.distance_m === null || server.distance_m === undefined) return "";
  const same = server.far_from_address === !!data.far_from_address && Math.abs(server.distance_m - data.distance_m) <= 10;
  return same ? "" : t("fe.server_check", { distance: server.distance_m, far: server.far_from_address ? t("fe.server_far") : "" });
}

/** The sentence for a field event, or null when the event is not one of them. */
export function fieldEventText(event) {
  if (!isFieldEvent(event)) return null;
  const d = event.data || {};
  switch (event.kind) {
  case "not_home_step":
    return t("fe.not_home_step", { step: word("fe.step", d.step), outcome: d.outcome ? t("fe.aside", { text: word("fe.outcome", d.outcome) }) : "" });
  case "not_home":
    return t("fe.not_home", { n: (d.steps || []).length, outcome: word("fe.not_home_outcome", d.outcome) });
  case "unable_to_come":
    return t("fe.unable_to_come", { reason: word("fe.unable", d.reason), note: d.note ? t("fe.note", { note: d.note }) : "" });
  case "part_requested":
    return t("fe.part_requested", { part: d.part_code || "—", qty: d.qty || 1, problem: word("fe.problem", d.problem),
      next: word("fe.next", d.next) });
  case "loaner_out": return t("fe.loaner_out", { serial: d.serial || "—" });
  case "loaner_back": return t("fe.loaner_back", { serial: d.serial || "—" });
  case "unit_corrected": return t("fe.unit_corrected", { changes: changes(d) });
  case "arrived": return arrival(d);
  case "part_removed": return t("fe.part_removed", { part: d.part_code || "—", qty: d.qty || 1 });
  }
  return null;
}

/** A badge beside the event when the dispatcher should look: arrival far from the address, or no position. */
export function fieldEventBadge(event) {
  if (event.kind !== "arrived" || !event.data) return null;
  if (event.data.far_from_address || event.data.server_check?.far_from_address) return h("span", { class: "badge badge-flag", dataset: { evidence: "far" } }, t("fe.far_badge"));
  if (event.data.position_error) return h("span", { class: "badge badge-flag", dataset: { evidence: "none" } }, t("fe.no_position_badge"));
  return null;
}
