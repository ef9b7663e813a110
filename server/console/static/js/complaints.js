// Complaints with their two clocks: first response within 24 hours, formal answer within 5 working days.
import { get, newestOnly, post } from "./api.js";
import { dateTime, h, replace, tel, toast } from "./html.js";
import { clockBar, complaintForm } from "./complaint_form.js";
import { t } from "./i18n.js";

let stateName = "open";
let numbers = {};

async function act(url, body) {
  try {
    await post(url, body);
    await refresh();
  } catch (e) {
    toast(e.message, "error");
  }
}

function complaintCard(c, now) {
  const note = h("input", { class: "notes", placeholder: t("complaint.note_placeholder"), maxlength: 4000 });
  const answer = h("textarea", { rows: 2, placeholder: t("complaint.answer_placeholder"), maxlength: 4000 });
  return h("article", { class: `panel complaint${c.breaches.length ? " breached" : ""}`, dataset: { complaintId: c.id } },
    h("header", { class: "complaint-head" },
      c.order_id
        ? h("a", { class: "order-link", href: `/console/orders/${encodeURIComponent(c.order_id)}` }, t("complaint.order", { number: c.order_number || numbers[c.order_id] }))
        : h("span", { class: "muted" }, t("complaint.no_order")),
      c.customer_name ? h("strong", { class: "complaint-customer" }, c.customer_name) : null,
      ...(c.customer_phones || []).map(tel),
      h("span", { class: "muted" }, t("complaint.opened", { time: dateTime(c.opened_at) })),
      ...c.breaches.map((b) => h("span", { class: "badge badge-breach" }, t(`breach.${b}`)))),
    h("p", { class: "complaint-text" }, c.text),
    h("div", { class: "clock-bars" },
      clockBar(t("complaint.first"), c.opened_at, c.first_response_due, c.first_response_at, now),
      clockBar(t("complaint.formal"), c.opened_at, c.formal_answer_due, c.formal_answer_at, now)),
    c.answer ? h("blockquote", {}, c.answer) : null,
    c.status === "answered" ? null : h("div", { class: "complaint-actions" },
      c.first_response_at ? null : h("div", { class: "inline-form" }, note,
        h("button", { type: "button", class: "button small", onclick: () => act(`/api/complaints/${c.id}/response`, { note: note.value }) }, t("complaint.respond"))),
      h("div", { class: "inline-form" }, answer,
        h("button", { type: "button", class: "button small primary", onclick: () => act(`/api/complaints/${c.id}/answer`, { answer: answer.value }) }, t("complaint.answer")))));
}

const loads = newestOnly();

export async function refresh() {
  const current = loads();
  const list = await get(`/api/complaints?state=${stateName}&per_page=200`);
  // Missed clocks first, then the clock that runs out soonest.
  const nextDue = (c) => new Date(c.first_response_at ? c.formal_answer_due : c.first_response_due).getTime();
  list.sort((a, b) => (b.breaches.length - a.breaches.length) || (nextDue(a) - nextDue(b)));
  const ids = [...new Set(list.map((c) => c.order_id).filter(Boolean))];
  const found = ids.length ? await post("/api/dispatch/order-numbers", { ids }) : {};
  if (!current()) return;
  numbers = found;
  const now = Date.now();
  replace(document.getElementById("complaints"), list.map((c) => complaintCard(c, now)));
  document.getElementById("complaints-empty").hidden = list.length > 0;
  for (const tab of document.querySelectorAll("#complaint-tabs button")) {
    tab.classList.toggle("active", tab.dataset.state === stateName);
    tab.setAttribute("aria-pressed", String(tab.dataset.state === stateName));
  }
}

export function mount() {
  replace(document.getElementById("complaint-new"), complaintForm({ onSaved: refresh }));
  for (const tab of document.querySelectorAll("#complaint-tabs button")) {
    tab.addEventListener("click", () => { stateName = tab.dataset.state; refresh(); });
  }
  return refresh();
}
