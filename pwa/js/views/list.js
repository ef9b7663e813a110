// Today's orders by appointment time, each with its most pressing service-level clock, plus the
// notices that need the engineer: conflicts, rejected changes, orders reassigned away.
import { h, replace, button } from "../ui.js";
import { listOrders } from "../orders.js";
import { DONE } from "../states.js";
import { deadlines } from "../service-levels.js";

/** The next open service-level clock of an order, due as server/domain/service_levels.py says
 * under the synced policy (`app.policy`: ServicePolicy's names, durations in seconds). */
export function clockOf(order, now = Date.now(), policy = {}) {
  if (DONE.has(order.status)) return null;
  const reported = Date.parse(order.reported_at || "") || now;
  const due = deadlines(reported, order.requested_window_start, order.completed_at, policy,
    { requestedWindowEnd: order.requested_window_end });
  let kind;
  if (!order.contacted_at && ["assigned", "accepted", "reopened"].includes(order.status)) kind = "contact";
  else if (!order.arrived_at && order.status !== "guided_by_phone") kind = "on_site";
  else kind = "complete";
  const at = due[`${kind}_by`].getTime();
  return { kind, due: at, overdue: now > at, minutes: Math.round(Math.abs(at - now) / 60000) };
}

export async function render(root, app) {
  const [orders, rejected, notices, conflicts, work] = await Promise.all([listOrders(), app.outbox.rejected(),
    app.db.getMeta("scope_notices", []), app.db.allOf("conflict"), app.outbox.unsentWork()]);
  const open = conflicts.filter((c) => !c.record.resolved_at);
  const active = orders.filter((o) => !DONE.has(o.status));
  const done = orders.filter((o) => DONE.has(o.status));
  const card = (o) => {
    const clock = clockOf(o, Date.now(), app.policy);
    return h("a", { class: `order-card ${o.flagged ? "order-card--flagged" : ""}`, href: `#/order/${encodeURIComponent(o.id)}`,
      "data-order": o.number, "data-unsent": work.orders.has(String(o.id)) ? "1" : "0" },
    h("div", { class: "order-card__time" }, o.appointment_start ? app.clock(o.appointment_start) : "—",
      h("small", null, o.appointment_start ? app.day(o.appointment_start) : app.t("order.no_appointment"))),
    h("div", { class: "order-card__body" },
      h("div", { class: "order-card__title" }, h("strong", null, o.customer?.name || o.number),
        h("span", { class: `status status--${o.status}` }, app.t(`status.${o.status}`))),
      h("div", { class: "order-card__addr" }, o.service_address || o.customer?.address || ""),
      h("div", { class: "order-card__meta" }, h("span", null, o.number),
        clock ? h("span", { class: `clock ${clock.overdue ? "clock--overdue" : ""}` },
          app.t(clock.overdue ? `clock.${clock.kind}.overdue` : `clock.${clock.kind}.due`, { d: app.duration(clock.minutes) })) : null,
        work.orders.has(String(o.id)) ? h("span", { class: "pending-tag", "data-testid": "not-uploaded" },
          app.t("sync.pending_here")) : null)));
  };
  replace(root,
    h("section", { class: "list" },
      h("h1", { class: "screen-title" }, app.t("list.title"), h("small", null, app.dateLong(new Date()))),
      open.length ? h("a", { class: "notice notice--conflict", href: "#/conflicts" }, app.t("conflicts.banner", { n: open.length })) : null,
      rejected.length ? h("a", { class: "notice notice--error", href: "#/settings" }, app.t("rejected.banner", { n: rejected.length })) : null,
      ...notices.map((n) => h("div", { class: "notice notice--warn", "data-testid": "scope-notice" },
        h("span", null, app.t(`scope.${n.reason}${n.unsent && n.reason === "reassigned" ? "_unsent" : ""}`, { number: n.number || n.order_id, n: n.unsent }, app.t("scope.removed", { number: n.number }))),
        button(app.t("common.ok"), async () => {
          await app.db.setMeta("scope_notices", notices.filter((x) => x !== n));
          app.render();
        }, "btn btn--small"))),
      active.length ? h("div", { class: "cards" }, active.map(card))
        : h("p", { class: "empty" }, orders.length ? app.t("list.all_done") : app.t("list.empty")),
      done.length ? h("details", { class: "done-orders" }, h("summary", null, app.t("list.done", { n: done.length })),
        h("div", { class: "cards" }, done.map(card))) : null,
      h("p", { class: "storage-line muted", "data-testid": "storage" }, app.t(`storage.${app.storage || "asking"}`))),
    h("div", { class: "actionbar" },
      button(app.t("sync.now"), async (event) => {
        const btn = event.currentTarget;
        btn.disabled = true;
        btn.textContent = app.t("sync.running");
        try { await app.syncNow("manual"); } finally { btn.disabled = false; btn.textContent = app.t("sync.now"); }
      }, "btn btn--primary btn--block", { "data-testid": "sync-now" })));
}
