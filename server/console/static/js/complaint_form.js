// Logging a complaint: about an order (from its record) or about a customer found by phone or name;
// its two clocks (first response, formal answer in working days) start when it is logged.
import { get, post } from "./api.js";
import { dateTime, duration, h, replace, toast } from "./html.js";
import { t } from "./i18n.js";

export function clockBar(title, opened, due, doneAt, now) {
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
  return h("div", { class: `clock-bar clock-${kind}` },
    h("div", { class: "clock-bar-head" }, h("span", {}, title), h("span", {}, text)),
    h("div", { class: "muted small" }, t("complaint.due_by", { time: dateTime(due) })), bar);
}

// The form; `orderId` fixes the order, otherwise the desk looks the customer up first.
export function complaintForm({ orderId = null, onSaved }) {
  let customer = null;
  const text = h("textarea", { rows: 2, maxlength: 4000, class: "complaint-new-text", "aria-label": t("complaint.new_text") });
  text.placeholder = t("complaint.new_text");
  const orderPick = h("select", { class: "complaint-new-order", "aria-label": t("complaint.about_order"), hidden: true });
  const found = h("div", { class: "complaint-new-found" });
  const save = async (event) => {
    event.preventDefault();
    const body = { text: text.value.trim() };
    if (orderId) body.order_id = orderId;
    else if (customer) {
      body.customer_id = customer.id;
      if (orderPick.value) body.order_id = orderPick.value;
    }
    try {
      await post("/api/complaints", body);
      toast(t("complaint.logged"));
      text.value = "";
      await onSaved();
    } catch (e) {
      toast(e.message, "error");
    }
  };
  const choose = async (c) => {
    customer = c;
    const orders = await get(`/api/orders?customer=${encodeURIComponent(c.id)}&per_page=20`);
    replace(found, h("p", {}, h("strong", {}, c.name), ` · ${c.phones.join(", ")}`));
    replace(orderPick, h("option", { value: "" }, t("complaint.no_order")),
      orders.items.map((o, i) => h("option", { value: o.id, selected: i === 0 }, `${o.number} · ${dateTime(o.reported_at)}`)));
    orderPick.hidden = false;
  };
  const query = h("input", { type: "search", class: "complaint-new-q", maxlength: 60, "aria-label": t("intake.lookup_hint") });
  query.placeholder = t("intake.lookup_hint");
  const find = async () => {
    const raw = query.value.trim();
    const q = /^[\d\s\-+()]+$/.test(raw) ? raw.replace(/[^\d]/g, "") : raw;
    if (!q) return;
    const list = await get(`/api/customers?q=${encodeURIComponent(q)}&per_page=10`);
    replace(found, list.length ? h("ul", { class: "plain" }, list.map((c) => h("li", {},
      h("button", { type: "button", class: "button small", onclick: () => choose(c) }, `${c.name} · ${c.phones.join(", ")}`))))
      : h("p", { class: "muted" }, t("intake.no_customer")));
  };
  return h("form", { class: "complaint-new", onsubmit: save },
    h("h3", {}, t("complaint.new")),
    orderId ? null : h("div", { class: "inline-form" }, query,
      h("button", { type: "button", class: "button small", onclick: find }, t("intake.find"))),
    orderId ? null : found, orderId ? null : orderPick,
    h("div", { class: "inline-form" }, text, h("button", { type: "submit", class: "button small primary" }, t("complaint.log"))));
}
