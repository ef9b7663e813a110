// The follow-up call queue: calls due and overdue, and recording what the customer said.
import { get, newestOnly, post } from "./api.js";
import { dateTime, duration, h, replace, tel, toast } from "./html.js";
import { t } from "./i18n.js";

let stateName = "open";

function clock(call, now) {
  if (call.done_at) return h("span", { class: "clock clock-ok" }, dateTime(call.done_at));
  const last = new Date(call.window_end || call.due_at).getTime();
  const due = new Date(call.due_at).getTime();
  if (now > last) return h("span", { class: "clock clock-over" }, t("clock.overdue", { d: duration(now - last) }));
  if (now >= due) return h("span", { class: "clock clock-soon" }, t("clock.call_within", { d: duration(last - now) }));
  return h("span", { class: "clock clock-ok" }, t("clock.due_in", { d: duration(due - now) }));
}

async function record(call, outcome, notesInput) {
  try {
    const result = await post(`/api/follow-ups/${encodeURIComponent(call.id)}/outcome`, { outcome, notes: notesInput.value });
    const number = call.order_number;
    const status = result.order_status;
    toast(status === "reopened" ? t("follow.reopened", { number })
      : status === "closed" ? t("follow.closed", { number })
        : t("follow.recorded", { number, outcome: t(`follow.${outcome}`) }), status === "reopened" ? "warn" : "ok");
    await refresh();
  } catch (e) {
    toast(e.message, "error");
  }
}

function row(call, now) {
  const notes = h("input", { class: "notes", placeholder: t("follow.notes"), maxlength: 4000, "aria-label": t("follow.notes") });
  const outcome = call.done_at
    ? h("span", { class: `chip outcome-${call.outcome}` }, t(`follow.${call.outcome}`))
    : h("div", { class: "outcome" }, notes,
      ...["satisfied", "dissatisfied", "unreachable"].map((o) => h("button", {
        type: "button", class: `button small outcome-${o}`, dataset: { outcome: o },
        onclick: () => record(call, o, notes),
      }, t(`follow.${o}`))));
  return h("tr", { class: call.overdue ? "overdue" : "", dataset: { followUpId: call.id, number: call.order_number } },
    h("td", {}, h("a", { class: "order-link", href: `/console/orders/${encodeURIComponent(call.order_id)}` }, call.order_number)),
    h("td", { class: "callee" }, h("div", {}, call.customer_name), h("div", { class: "phones" }, (call.customer_phones || []).map(tel))),
    h("td", {}, t(`follow.kind.${call.kind}`)),
    h("td", {}, dateTime(call.due_at), call.window_end ? h("div", { class: "muted small" }, `→ ${dateTime(call.window_end)}`) : null),
    h("td", {}, clock(call, now)),
    h("td", {}, outcome));
}

const loads = newestOnly();

export async function refresh() {
  const current = loads();
  const calls = await get(`/api/follow-ups?state=${stateName}&per_page=200`);
  if (!current()) return;
  const now = Date.now();
  replace(document.querySelector("#follow-ups tbody"), calls.map((c) => row(c, now)));
  document.getElementById("follow-ups-empty").hidden = calls.length > 0;
  for (const tab of document.querySelectorAll("#follow-up-tabs button")) {
    tab.classList.toggle("active", tab.dataset.state === stateName);
    tab.setAttribute("aria-pressed", String(tab.dataset.state === stateName));
  }
}

export function mount() {
  for (const tab of document.querySelectorAll("#follow-up-tabs button")) {
    tab.addEventListener("click", () => { stateName = tab.dataset.state; refresh(); });
  }
  return refresh();
}
