// Conflicts on the engineer's orders: both values, who changed them and when, and a choice for
// on-site fields (dispatcher-owned ones are the dispatcher's to settle). Resolving needs a signal.
import { h, replace, button, toast } from "../ui.js";
import { wrap } from "../sync.js";
import TABLES from "../generated/tables.js";

// Fields the dispatcher settles (server/sync/entities.py DISPATCHER_OWNED, generated into the tables):
// the order's and those of its follow-ups and customer that a conflict card may show.
const DISPATCHER_OWNED = new Set(Object.values(TABLES.dispatcher_owned).flat());

// Bookkeeping a person never needs to read on a conflict card.
const SKIP = new Set(["id", "order_id", "version", "updated_by_id", "updated_device_id", "change_seq"]);

// A value as the engineer reads it, as the console's cards show it: times local, statuses in words,
// a record as its fields (never raw JSON).
function show(app, field, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return app.dateTime(value);
  if (typeof value === "boolean") return value ? "✓" : "✗";
  if (typeof value === "string" && (field === "status" || field.endsWith("_status"))) return app.t(`status.${value}`, {}, value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === "object" && v !== null ? "…" : show(app, field, v))).join(", ");
  if (typeof value === "object") {
    return h("dl", { class: "conflict__record" }, Object.entries(value).filter(([k]) => !SKIP.has(k))
      .flatMap(([k, v]) => [h("dt", null, app.t(`cw.field.${k}`, {}, k.replaceAll("_", " "))),
        h("dd", null, k === "sha256" && typeof v === "string" ? `${v.slice(0, 12)}…` : show(app, k, v))]));
  }
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
  // What a conflict is about, in the console's words: the field, or the record the work was on.
  const title = (c) => (c.kind === "field" && c.entity === "order"
    ? app.t(`cw.field.${c.field}`, {}, app.t(`field.${c.field}`, {}, c.field.replaceAll("_", " ")))
    : app.t(`cw.entity.${c.entity}`, {}, c.entity.replaceAll("_", " ")));
  const card = (c, grouped) => {
    const mineEditable = c.kind === "field" && !DISPATCHER_OWNED.has(c.field);
    return h(grouped ? "div" : "article", { class: `${grouped ? "" : "card "}conflict`, "data-conflict": c.id, "data-field": c.field },
      h(grouped ? "h3" : "h2", null, title(c),
        grouped ? null : h("small", { class: "muted" }, " · ", numbers.get(c.order_id) || c.order_id || "")),
      h("div", { class: "conflict__values" },
        h("div", { class: `value ${c.provisional_winner === "server" ? "value--winner" : ""}`, "data-side": "server" },
          h("small", null, app.t("conflicts.dispatcher")),
          // Work the server has not taken (a reassigned order's record) is waiting, not empty.
          (c.server_value === null || c.server_value === undefined) && c.entity !== "order"
            ? h("strong", { class: "muted", "data-testid": "not-on-server" }, app.t("conflicts.not_on_server"))
            : h("strong", null, show(app, c.field, c.server_value)),
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
  // One card per order and cause, as the console groups them: work on a reassigned order is one card.
  const groups = new Map();
  for (const c of open) {
    const key = `${c.order_id || c.entity_id}|${c.kind}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  const groupCard = (list) => {
    const first = list[0];
    if (list.length === 1 && first.kind === "field") return card(first, false);
    return h("article", { class: "card conflict-group", "data-order-id": first.order_id || "", "data-kind": first.kind },
      h("h2", null, app.t(`cw.conflict.kind.${first.kind}`, {}, first.kind),
        h("small", { class: "muted" }, " · ", numbers.get(first.order_id) || first.order_id || "",
          list.length > 1 ? ` · ${app.t("cw.conflict.n_fields", { n: list.length })}` : "")),
      first.kind === "reassigned" ? h("p", null, app.t("conflicts.reassigned_hint")) : null,
      list.map((c) => card(c, true)));
  };
  replace(root, h("section", { class: "conflicts" },
    h("div", { class: "order-head__top" }, h("a", { href: "#/", class: "back", "aria-label": app.t("nav.back_list") }, "‹"),
      h("h1", null, app.t("conflicts.title"))),
    open.length ? [...groups.values()].map(groupCard) : h("p", { class: "empty" }, app.t("conflicts.none")),
    done.length ? h("details", null, h("summary", null, app.t("conflicts.resolved_n", { n: done.length })),
      done.map((c) => h("p", { class: "muted", "data-resolved": c.id }, `${title(c)}: `, show(app, c.field, c.resolved_value)))) : null));
  return null;
}
