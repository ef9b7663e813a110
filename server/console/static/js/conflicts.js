// The conflicts inbox: both values, who changed each and when, the provisional winner; resolve one.
import { get, post } from "./api.js";
import { dateTime, h, replace, toast } from "./html.js";
import { t } from "./i18n.js";

let stateName = "open";
let people = {};
let numbers = {};

function show(value) {
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function side(title, value, who, when, winner) {
  return h("div", { class: `side${winner ? " winner" : ""}` },
    h("div", { class: "side-head" }, h("span", {}, title), winner ? h("span", { class: "chip chip-win" }, t("conflict.provisional")) : null),
    h("div", { class: "side-value" }, show(value)),
    h("div", { class: "muted small" }, t("conflict.by", { name: people[who] || "—", time: dateTime(when) })));
}

async function resolve(conflict, choice) {
  try {
    await post(`/api/conflicts/${encodeURIComponent(conflict.id)}/resolve`, { choice });
    toast(t("conflict.done"));
    await refresh();
  } catch (e) {
    toast(e.message, "error");
  }
}

function conflictCard(c) {
  const resolved = Boolean(c.resolved_at);
  return h("article", { class: `panel conflict${resolved ? " resolved" : ""}`, dataset: { conflictId: c.id } },
    h("header", { class: "conflict-head" },
      c.order_id ? h("a", { class: "order-link", href: `/console/orders/${encodeURIComponent(c.order_id)}` }, numbers[c.order_id] || c.order_id)
        : h("strong", {}, c.entity_id),
      h("span", { class: "field-name" }, `${c.entity}.${c.field}`),
      h("span", { class: "muted" }, t(`conflict.kind.${c.kind}`)),
      h("span", { class: "muted small" }, dateTime(c.detected_at))),
    h("div", { class: "sides" },
      h("div", { class: "side base" }, h("div", { class: "side-head" }, t("conflict.base")), h("div", { class: "side-value" }, show(c.base_value))),
      side(t("conflict.server"), c.server_value, c.server_changed_by_id, c.server_changed_at, c.provisional_winner === "server"),
      side(t("conflict.device"), c.device_value, c.device_user_id, c.device_changed_at, c.provisional_winner === "device")),
    resolved
      ? h("p", { class: "muted" }, t("conflict.resolved", { choice: t(`conflict.${c.resolution === "device" ? "device" : "server"}`) }))
      : h("div", { class: "dialog-actions" },
        h("button", { type: "button", class: "button", dataset: { choice: "server" }, onclick: () => resolve(c, "server") }, t("conflict.keep_server")),
        h("button", { type: "button", class: "button primary", dataset: { choice: "device" }, onclick: () => resolve(c, "device") }, t("conflict.keep_device"))));
}

export async function refresh() {
  const [body, everyone] = await Promise.all([get(`/api/conflicts${stateName === "open" ? "?open=true" : ""}`), get("/api/dispatch/people")]);
  people = Object.fromEntries(everyone.map((p) => [p.id, p.name]));
  const list = body.conflicts;
  const ids = [...new Set(list.map((c) => c.order_id).filter(Boolean))];
  numbers = ids.length ? await get(`/api/dispatch/order-numbers?${ids.map((id) => `id=${encodeURIComponent(id)}`).join("&")}`) : {};
  replace(document.getElementById("conflicts"), list.map(conflictCard));
  document.getElementById("conflicts-empty").hidden = list.length > 0;
  for (const tab of document.querySelectorAll("#conflict-tabs button")) tab.classList.toggle("active", tab.dataset.state === stateName);
}

export function mount() {
  for (const tab of document.querySelectorAll("#conflict-tabs button")) {
    tab.addEventListener("click", () => { stateName = tab.dataset.state; refresh(); });
  }
  return refresh();
}
