// The day plan: the solver proposes where the unassigned orders go; the dispatcher ticks the ones
// to accept (nothing is ticked for them), may change an engineer, and accepts; nothing is applied before.
import { get, post } from "./api.js";
import { h, replace, time, toast } from "./html.js";
import { t } from "./i18n.js";

// The dispatcher's ticks and changed engineers live here, by order, so that a live refresh (another
// dispatcher changed something) redraws the table without undoing what this one has chosen.
let state = { proposal: null, engineers: [], taken: new Set(), engineerOf: new Map() };

function rowFor(placement, index) {
  const engineerId = state.engineerOf.get(placement.order_id) ?? placement.engineer_id;
  const pick = h("select", { "aria-label": t("plan.col_engineer"), dataset: { index },
    onchange: (e) => state.engineerOf.set(placement.order_id, Number(e.target.value)) },
  state.engineers.map((e) => h("option", { value: e.id, selected: e.id === engineerId }, e.name)));
  return h("tr", { dataset: { orderId: placement.order_id } },
    h("td", {}, h("input", { type: "checkbox", class: "take", "aria-label": t("plan.take", { number: placement.number }),
      dataset: { index }, checked: state.taken.has(placement.order_id),
      onchange: (e) => (e.target.checked ? state.taken.add(placement.order_id) : state.taken.delete(placement.order_id)) })),
    h("td", {}, h("a", { class: "order-link", href: `/console/orders/${encodeURIComponent(placement.order_id)}` }, placement.number)),
    h("td", {}, pick),
    h("td", {}, `${time(placement.start)}–${time(placement.end)}`,
      placement.confirmed ? h("span", { class: "muted small" }, ` · ${t("plan.confirmed")}`) : null));
}

function render() {
  const box = document.getElementById("plan");
  const p = state.proposal;
  if (!p) { replace(box, h("p", { class: "muted" }, t("plan.hint"))); return; }
  const rows = p.placements.map(rowFor);
  replace(box,
    h("p", { class: "plan-figures" }, t("plan.figures", { n: p.placements.length, km: (p.travel_metres / 1000).toFixed(1) })),
    p.placements.length ? h("table", { class: "table plan-table" },
      h("thead", {}, h("tr", {}, h("th", {}, h("span", { class: "sr-only" }, t("plan.col_take"))),
        h("th", {}, t("plan.col_order")), h("th", {}, t("plan.col_engineer")), h("th", {}, t("plan.col_time")))),
      h("tbody", {}, rows)) : h("p", { class: "empty" }, t("plan.nothing")),
    p.unplaced.length ? h("div", { class: "plan-unplaced" }, h("h2", {}, t("plan.unplaced")),
      h("ul", { class: "plain" }, p.unplaced.map((u) => h("li", {},
        h("a", { class: "order-link", href: `/console/orders/${encodeURIComponent(u.order_id)}` }, u.number),
        ` · ${t(`plan.why.${u.reason}`)}`)))) : null,
    p.placements.length ? h("div", { class: "dialog-actions" },
      h("button", { type: "button", class: "button ghost", id: "plan-tick-all", onclick: tickAll }, t("plan.tick_all")),
      h("button", { type: "button", class: "button", id: "plan-accept", onclick: accept }, t("plan.accept"))) : null);
}

function tickAll() {
  for (const p of state.proposal.placements) state.taken.add(p.order_id);
  for (const box of document.querySelectorAll("#plan input.take")) box.checked = true;
}

async function propose() {
  const day = document.getElementById("plan-day").value;
  const keepConfirmed = !document.getElementById("plan-move-confirmed").checked;
  const button = document.getElementById("plan-propose");
  button.disabled = true;
  try {
    state.proposal = await post("/api/planning/day", { ...(day ? { day } : {}), keep_confirmed: keepConfirmed });
    state.taken = new Set();
    state.engineerOf = new Map();
    render();
  } catch (e) {
    toast(e.message, "error");
  } finally {
    button.disabled = false;
  }
}

async function accept() {
  const chosen = state.proposal.placements.filter((p) => state.taken.has(p.order_id)).map((p) => ({
    order_id: p.order_id, engineer_id: state.engineerOf.get(p.order_id) ?? p.engineer_id, start: p.start, end: p.end }));
  if (!chosen.length) { toast(t("plan.tick_some"), "error"); return; }
  try {
    await post("/api/planning/day/accept", { placements: chosen, reason: t("plan.reason") });
    toast(t("plan.accepted", { n: chosen.length }));
    const taken = new Set(chosen.map((c) => c.order_id));
    state.proposal = { ...state.proposal, placements: state.proposal.placements.filter((p) => !taken.has(p.order_id)) };
    render();
  } catch (e) {
    toast(e.message, "error");
  }
}

export async function refresh() {
  const people = await get("/api/dispatch/people");
  state.engineers = people.filter((p) => p.role === "engineer");
  render();
}

export function mount() {
  document.getElementById("plan-propose").addEventListener("click", propose);
  return refresh();
}
