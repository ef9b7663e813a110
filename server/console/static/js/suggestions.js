// Suggested engineers for one order: ranked by the server with their reasons; one click assigns
// and books the suggested time through the same acceptance as the day plan.
import { get, post } from "./api.js";
import { h, label, replace, time, toast } from "./html.js";
import { t } from "./i18n.js";

function reasonText(reason) {
  switch (reason.code) {
    case "skill": case "no_skill": return t(`suggest.${reason.code}`, { category: label("cat", reason.category) });
    case "free_at": return t("suggest.free_at", { time: time(reason.start) });
    case "travel_added": return t(reason.previous ? "suggest.travel_from" : "suggest.travel_home",
      { minutes: Math.round(reason.seconds / 60), from: reason.previous || "" });
    case "workload": case "full": return t(`suggest.${reason.code}`, { n: reason.n, capacity: reason.capacity });
    default: return t(`suggest.${reason.code}`);
  }
}

// "2 of 8 visits that day", from the candidate's own reasons (the day the server ranked for).
export function workloadText(candidate) {
  const load = candidate.reasons.find((r) => r.code === "workload" || r.code === "full");
  return load ? reasonText(load) : "";
}

function row(candidate, order, onAccepted, book) {
  const handedBack = candidate.reasons.some((r) => r.code === "handed_back");
  const accept = async (button) => {
    button.disabled = true;
    try {
      await post("/api/planning/day/accept", { placements: [{
        order_id: order.id, engineer_id: candidate.engineer_id, start: candidate.start, end: candidate.end }] });
      toast(t("assign.done", { number: order.number, name: candidate.name }));
      await onAccepted();
    } catch (e) {
      button.disabled = false;
      toast(e.message, "error");
    }
  };
  return h("li", { class: `candidate${candidate.fits ? " fits" : " unfit"}${handedBack ? " handed-back" : ""}`,
    dataset: { engineerId: candidate.engineer_id } },
  h("div", { class: "candidate-head" },
    h("strong", {}, candidate.name),
    handedBack ? h("span", { class: "badge badge-flag" }, t("suggest.handed_back")) : null,
    book && candidate.fits && candidate.start
      ? h("button", { type: "button", class: "button small", onclick: (e) => accept(e.currentTarget) },
        t("suggest.assign_at", { time: time(candidate.start) }))
      : null),
  h("ul", { class: "reasons" }, candidate.reasons.filter((r) => r.code !== "handed_back")
    .map((r) => h("li", { class: `reason reason-${r.code}` }, reasonText(r)))));
}

// Fill `container` with the ranked candidates for the order on its appointment's day (or today).
// On `day` (the board's) or the appointment's day. With `book: false` the reasons are shown without the button that books the time. Returns the answer.
export async function show(container, order, onAccepted, { book = true, day: onDay = "" } = {}) {
  const day = onDay || (order.appointment_start ? order.appointment_start.slice(0, 10) : "");
  const answer = await get(`/api/planning/orders/${encodeURIComponent(order.id)}/candidates${day ? `?day=${day}` : ""}`);
  replace(container, answer.candidates.length
    ? h("ol", { class: "candidates" }, answer.candidates.map((c) => row(c, order, onAccepted, book)))
    : h("p", { class: "empty small" }, t("suggest.none")));
  return answer;
}
