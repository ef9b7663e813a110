// Conflicts on the engineer's orders: both values, who changed them and when, and a choice for
// on-site fields (dispatcher-owned ones are the dispatcher's to settle). Resolving needs a signal.
import { h, replace, button, toast } from "../ui.js";
import { wrap } from "../sync.js";
import TABLES from "../generated/tables.js";

// Fields the dispatcher settles (server/sync/entities.py DISPATCHER_OWNED, generated into the tables):
// the order's and those of its follow-ups and customer that a conflict card may show.
const DISPATCHER_OWNED = new Set(Object.values(TABLES.dispatcher_owned).flat());

function show(app, field, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return app.dateTime(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export async function render(root, app) {
  const [rows, orders, notices] = await Promise.all([app.db.allOf("conflict"), app.db.allOf("order"),
    app.db.getMeta("scope_notices", [])]);
  const numbers = new Map([...notices.map((n) => [n.order_id, n.number]), ...orders.map((o) => [o.id, o.record.number])]);
  const open = rows.map((r) => r.record).filter((c) => !c.resolved_at);
  const done = rows.map((r) => r.record).filter((c) => c.resolved_at);
  const resolve = async (conflict, choice) => {
    try {
      const body = await app.api.post(`/api/conflicts/${conflict.id}/resolve`, { choice });
      const upserts = [wrap("conflict", body.conflict)];
      if (body.record) upserts.push(wrap(conflict.entity, body.record));
      await app.db.applyServerPage({ upserts });
      toast(app.t("conflicts.resolved"));
      app.render();
    } catch (e) {
      toast(e.offline ? app.t("conflicts.need_signal") : app.t(`error.${e.code}`, {}, e.message), "error");
    }
  };
  const card = (c) => {
    const mineEditable = c.kind === "field" && !DISPATCHER_OWNED.has(c.field);
    return h("article", { class: "card conflict", "data-conflict": c.id, "data-field": c.field },
      h("h2", null, c.kind === "reassigned" ? app.t("conflicts.reassigned") : app.t(`field.${c.field}`, {}, c.field),
        h("small", { class: "muted" }, " · ", numbers.get(c.order_id) || c.order_id || "")),
      c.kind === "reassigned" ? h("p", null, app.t("conflicts.reassigned_hint")) : null,
      h("div", { class: "conflict__values" },
        h("div", { class: `value ${c.provisional_winner === "server" ? "value--winner" : ""}`, "data-side": "server" },
          h("small", null, app.t("conflicts.dispatcher")), h("strong", null, show(app, c.field, c.server_value)),
          c.server_changed_at ? h("small", { class: "muted" }, app.t("conflicts.changed_at", { time: app.dateTime(c.server_changed_at) })) : null),
        h("div", { class: `value ${c.provisional_winner === "device" ? "value--winner" : ""}`, "data-side": "device" },
          h("small", null, app.t("conflicts.mine")), h("strong", null, show(app, c.field, c.device_value)),
          c.device_changed_at ? h("small", { class: "muted" }, app.t("conflicts.changed_at", { time: app.dateTime(c.device_changed_at) })) : null)),
      h("p", { class: "muted" }, app.t("conflicts.provisional", { who: app.t(`conflicts.${c.provisional_winner === "server" ? "dispatcher" : "mine"}`) })),
      mineEditable || c.kind === "reassigned" ? h("div", { class: "row" },
        button(app.t("conflicts.keep_dispatcher"), () => resolve(c, "server"), "btn", { "data-choice": "server" }),
        button(app.t("conflicts.keep_mine"), () => resolve(c, "device"), "btn btn--primary", { "data-choice": "device" }))
        : h("p", { class: "muted" }, app.t("conflicts.dispatcher_decides")));
  };
  replace(root, h("section", { class: "conflicts" },
    h("div", { class: "order-head__top" }, h("a", { href: "#/", class: "back", "aria-label": app.t("nav.back_list") }, "‹"),
      h("h1", null, app.t("conflicts.title"))),
    open.length ? open.map(card) : h("p", { class: "empty" }, app.t("conflicts.none")),
    done.length ? h("details", null, h("summary", null, app.t("conflicts.resolved_n", { n: done.length })),
      done.map((c) => h("p", { class: "muted", "data-resolved": c.id }, `${app.t(`field.${c.field}`, {}, c.field)}: ${show(app, c.field, c.resolved_value)}`))) : null));
  return null;
}
