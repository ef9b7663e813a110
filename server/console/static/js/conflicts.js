// The conflicts inbox: one card per order and cause; each changed field named in words, the value
// before both, the server's and the phone's, who changed each and when (local time); resolve.
import { get, post } from "./api.js";
import { dateTime, h, label, replace, toast } from "./html.js";
import { has, t } from "./i18n.js";

let stateName = "open";
let people = {};
let numbers = {};

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

export function fieldName(entity, field) {
  if (has(`field.${entity}.${field}`)) return t(`field.${entity}.${field}`);
  if (has(`field.${field}`)) return t(`field.${field}`);
  return field.replaceAll("_", " ");
}

function entityName(entity) {
  return has(`entity.${entity}`) ? t(`entity.${entity}`) : entity.replaceAll("_", " ");
}

// A value as a person reads it: times local, statuses and priorities in words, records as fields.
export function plain(value, field = "") {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return t(value ? "common.yes" : "common.no");
  if (typeof value === "string" && ISO.test(value)) return dateTime(value);
  if (field === "status" && has(`status.${value}`)) return label("status", value);
  if (field === "priority" && has(`prio.${value}`)) return label("prio", value);
  if (field.endsWith("_fen") && typeof value === "number") return `¥${(value / 100).toFixed(2)}`;
  if (Array.isArray(value)) return value.map((v) => plain(v)).join(", ");
  if (typeof value === "object") return null;
  return String(value);
}

function valueView(value, entity) {
  if ((value === null || value === undefined) && entity !== "order") return h("div", { class: "side-value muted" }, t("conflict.not_on_server"));
  const text = plain(value);
  if (text !== null) return h("div", { class: "side-value" }, text);
  const skip = new Set(["id", "order_id", "version", "updated_by_id", "updated_device_id", "change_seq"]);
  return h("dl", { class: "facts side-value" }, Object.entries(value).filter(([k]) => !skip.has(k))
    .flatMap(([k, v]) => [h("dt", {}, fieldName(entity, k)), h("dd", {}, plain(v, k) ?? "…")]));
}

function side(title, value, entity, who, when, winner) {
  return h("div", { class: `side${winner ? " winner" : ""}` },
    h("div", { class: "side-head" }, h("span", {}, title), winner ? h("span", { class: "chip chip-win" }, t("conflict.provisional")) : null),
    valueView(value, entity),
    who || when ? h("div", { class: "muted small" }, t("conflict.by", { name: people[who] || "—", time: dateTime(when) })) : null);
}

async function resolve(list, choice) {
  try {
    for (const conflict of list) await post(`/api/conflicts/${encodeURIComponent(conflict.id)}/resolve`, { choice });
    toast(t("conflict.done"));
  } catch (e) {
    toast(e.message, "error");
  }
  await refresh();
}

function choices(list) {
  const open = list.filter((c) => !c.resolved_at);
  if (!open.length) return null;
  const kind = open[0].kind;
  const all = open.length > 1 ? "_all" : "";
  const buttons = [
    h("button", { type: "button", class: "button", dataset: { choice: "server" }, onclick: () => resolve(open, "server") },
      t(kind === "charges" ? "conflict.charges_server" : `conflict.keep_server${all}`)),
    h("button", { type: "button", class: "button primary", dataset: { choice: "device" }, onclick: () => resolve(open, "device") },
      t(kind === "charges" ? "conflict.charges_device" : `conflict.keep_device${all}`)),
  ];
  if (kind === "charges") {
    buttons.push(h("button", { type: "button", class: "button", dataset: { choice: "refund" }, onclick: () => resolve(open, "refund") },
      t("conflict.charges_refund")));
  }
  return h("div", { class: "dialog-actions" }, buttons);
}

function row(c) {
  const resolved = Boolean(c.resolved_at);
  const title = c.kind === "reassigned" ? entityName(c.entity) : fieldName(c.entity, c.field);
  return h("div", { class: `conflict${resolved ? " resolved" : ""}`, dataset: { conflictId: c.id } },
    h("h3", { class: "field-name" }, title),
    c.reason && has(`conflict.reason.${c.reason}`) ? h("p", { class: "muted small" }, t(`conflict.reason.${c.reason}`)) : null,
    h("div", { class: "sides" },
      c.kind === "reassigned" ? null
        : h("div", { class: "side base" }, h("div", { class: "side-head" }, t("conflict.base")), valueView(c.base_value, c.entity)),
      side(t("conflict.server"), c.server_value, c.entity, c.server_changed_by_id, c.server_changed_at, c.provisional_winner === "server"),
      side(t("conflict.device"), c.device_value, c.entity, c.device_user_id, c.device_changed_at, c.provisional_winner === "device")),
    resolved
      ? h("p", { class: "muted" }, t("conflict.resolved", { choice: t(`conflict.${c.resolution === "device" ? "device" : "server"}`) }),
        c.resolved_by_id ? ` · ${t("conflict.by", { name: people[c.resolved_by_id] || "—", time: dateTime(c.resolved_at) })}` : "")
      : c.kind === "field" ? choices([c]) : null);
}

// One card per order and cause: a phone's offline work on a reassigned order is one card, not five.
export function groups(list) {
  const out = new Map();
  for (const c of list) {
    const key = `${c.order_id || c.entity_id}|${c.kind}`;
    if (!out.has(key)) out.set(key, []);
    out.get(key).push(c);
  }
  return [...out.values()];
}

function groupCard(list) {
  const first = list[0];
  const latest = list.reduce((a, c) => (c.detected_at > a ? c.detected_at : a), first.detected_at);
  return h("article", { class: "panel conflict-group", dataset: { orderId: first.order_id || "", kind: first.kind } },
    h("header", { class: "conflict-head" },
      first.order_id ? h("a", { class: "order-link", href: `/console/orders/${encodeURIComponent(first.order_id)}` }, numbers[first.order_id] || first.order_id)
        : h("strong", {}, entityName(first.entity)),
      h("span", {}, t(`conflict.kind.${first.kind}`)),
      list.length > 1 ? h("span", { class: "pill" }, t("conflict.n_fields", { n: list.length })) : null,
      h("span", { class: "muted small" }, dateTime(latest))),
    first.kind === "reassigned" ? h("p", { class: "muted" }, t("conflict.reassigned_hint", { name: people[first.device_user_id] || "—" })) : null,
    list.map(row),
    first.kind === "field" ? null : choices(list));
}

export async function refresh() {
  const [body, everyone] = await Promise.all([get(`/api/conflicts${stateName === "open" ? "?open=true" : ""}`), get("/api/dispatch/people")]);
  people = Object.fromEntries(everyone.map((p) => [p.id, p.name]));
  const list = body.conflicts;
  const ids = [...new Set(list.map((c) => c.order_id).filter(Boolean))];
  numbers = ids.length ? await post("/api/dispatch/order-numbers", { ids }) : {};
  replace(document.getElementById("conflicts"), groups(list).map(groupCard));
  document.getElementById("conflicts-empty").hidden = list.length > 0;
  for (const tab of document.querySelectorAll("#conflict-tabs button")) {
    tab.classList.toggle("active", tab.dataset.state === stateName);
    tab.setAttribute("aria-pressed", String(tab.dataset.state === stateName));
  }
}

export function mount() {
  for (const tab of document.querySelectorAll("#conflict-tabs button")) {
    tab.addEventListener("click", () => { stateName = tab.dataset.state; refresh(); });
  }
  return refresh();
}
