// Complaints with their two clocks: first response within 24 hours, formal answer within 5 working days.
import { get, post } from "./api.js";
import { dateTime, duration, h, replace, toast } from "./html.js";
import { t } from "./i18n.js";

let stateName = "open";
let numbers = {};

function clockBar(title, opened, due, doneAt, now) {
  const start = new Date(opened).getTime();
  const end = new Date(due).getTime();
  const stop = doneAt ? new Date(doneAt).getTime() : now;
  const share = Math.min(1, Math.max(0, (stop - start) / (end - start)));
  const late = stop > end;
  const kind = doneAt ? (late ? "over" : "done") : late ? "over" : share > 0.75 ? "soon" : "ok";
  const bar = h("div", { class: "bar" }, h("div", { class: `bar-fill bar-${kind}` }));
  bar.firstChild.style.width = `${Math.round(share * 100)}%`;
  const text = doneAt ? t("complaint.done_at", { time: dateTime(doneAt) })
    : late ? t("clock.overdue", { d: duration(now - end) }) : t("clock.due_in", { d: duration(end - now) });
  return h("div", { class: `clock-bar clock-${kind}` }, h("div", { class: "clock-bar-head" }, h("span", {}, title), h("span", {}, text)), bar);
}

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
      c.order_id && numbers[c.order_id]
        ? h("a", { class: "order-link", href: `/console/orders/${encodeURIComponent(c.order_id)}` }, t("complaint.order", { number: numbers[c.order_id] }))
        : h("strong", {}, "—"),
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

export async function refresh() {
  const list = await get(`/api/complaints?state=${stateName}&per_page=200`);
  // Missed clocks first, then the clock that runs out soonest.
  const nextDue = (c) => new Date(c.first_response_at ? c.formal_answer_due : c.first_response_due).getTime();
  list.sort((a, b) => (b.breaches.length - a.breaches.length) || (nextDue(a) - nextDue(b)));
  const ids = [...new Set(list.map((c) => c.order_id).filter(Boolean))];
  numbers = ids.length ? await post("/api/dispatch/order-numbers", { ids }) : {};
  const now = Date.now();
  replace(document.getElementById("complaints"), list.map((c) => complaintCard(c, now)));
  document.getElementById("complaints-empty").hidden = list.length > 0;
  for (const tab of document.querySelectorAll("#complaint-tabs button")) {
    tab.classList.toggle("active", tab.dataset.state === stateName);
    tab.setAttribute("aria-pressed", String(tab.dataset.state === stateName));
  }
}

export function mount() {
  for (const tab of document.querySelectorAll("#complaint-tabs button")) {
    tab.addEventListener("click", () => { stateName = tab.dataset.state; refresh(); });
  }
  return refresh();
}
