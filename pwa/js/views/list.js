// Today's orders by appointment time, each with its most pressing service-level clock, plus the
// notices that need the engineer: conflicts, rejected changes, orders reassigned away.
import { h, replace, button, field, toast } from "../ui.js";
import * as lockScreen from "../lock.js";
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

// A clock more than half a day away is read as a time to beat ("on site by Thu 10:20"), not as a
// count of hours; a nearer one as what is left ("on site within 1 h 20 min").
const FAR_MINUTES = 12 * 60;
export function clockText(app, clock) {
  if (clock.overdue) return app.t(`clock.${clock.kind}.overdue`, { d: app.duration(clock.minutes) });
  if (clock.minutes > FAR_MINUTES) {
    const at = new Date(clock.due).toISOString();
    return app.t(`clock.${clock.kind}.by`, { time: `${app.relativeDay(at)} ${app.clock(at)}` });
  }
  return app.t(`clock.${clock.kind}.due`, { d: app.duration(clock.minutes) });
}

/** Open orders under one heading per appointment day (today, tomorrow, a date), then those with none. */
function byDay(app, orders) {
  const groups = new Map();
  for (const o of orders) {
    const key = o.appointment_start ? app.localDate(o.appointment_start) : "";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(o);
  }
  return [...groups.entries()].sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)))
    .map(([key, group]) => [key ? app.relativeDay(group[0].appointment_start, { long: true }) : app.t("list.no_appointment"), group]);
}

// A reassignment notice says what became of the engineer's work: none done, uploaded, or still to send.
function noticeVariant(n) {
  if (n.reason !== "reassigned") return "";
  if (n.unsent) return "_unsent";
  return n.worked ? "_worked" : "";
}

/** The hand-off PIN asked for now, while no customer waits (it is the lock screen's PIN). */
function pinCard(app) {
  const pin = h("input", { type: "password", inputmode: "numeric", name: "first_pin", minlength: 6, maxlength: 12, autocomplete: "off" });
  const again = h("input", { type: "password", inputmode: "numeric", name: "first_pin_again", minlength: 6, maxlength: 12, autocomplete: "off" });
  return h("div", { class: "card pin-first", "data-testid": "pin-first" },
    h("h2", null, app.t("pin.first_title")), h("p", { class: "muted" }, app.t("pin.first_hint")),
    field(app.t("pin.pin"), pin), field(app.t("pin.again"), again),
    h("div", { class: "row" },
      button(app.t("pin.later"), async () => { await app.db.setMeta("pin_later", true); app.render(); }, "btn btn--quiet", { "data-testid": "pin-later" }),
      button(app.t("pin.save"), async (event) => {
        if (!/^\d{6,12}$/.test(pin.value) || pin.value !== again.value) { toast(app.t("pin.invalid"), "error"); return; }
        event.currentTarget.disabled = true;
        await lockScreen.setPin(pin.value);
        toast(app.t("pin.saved"));
        app.render();
      }, "btn", { "data-testid": "pin-save" })));
}

export async function render(root, app) {
  const [orders, rejected, notices, conflicts, work, canLock, pinLater] = await Promise.all([listOrders(), app.outbox.rejected(),
    app.db.getMeta("scope_notices", []), app.db.allOf("conflict"), app.outbox.unsentWork(), lockScreen.canLock(),
    app.db.getMeta("pin_later", false)]);
  const pinWanted = !canLock && !pinLater;
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
        clock ? h("span", { class: `clock ${clock.overdue ? "clock--overdue" : ""}`, "data-clock": clock.kind },
          clockText(app, clock)) : null,
        work.orders.has(String(o.id)) ? h("span", { class: "pending-tag", "data-testid": "not-uploaded" },
          app.t("sync.pending_here")) : null)));
  };
  replace(root,
    h("section", { class: "list" },
      h("h1", { class: "screen-title" }, app.t("list.title"), h("small", null, app.dateLong(new Date()))),
      pinWanted ? pinCard(app) : null,
      open.length ? h("a", { class: "notice notice--conflict", href: "#/conflicts" }, app.t("conflicts.banner", { n: open.length })) : null,
      rejected.length ? h("a", { class: "notice notice--error", href: "#/settings" }, app.t("rejected.banner", { n: rejected.length })) : null,
      ...notices.map((n) => h("div", { class: "notice notice--warn", "data-testid": "scope-notice" },
        h("span", null, app.t(`scope.${n.reason}${noticeVariant(n)}`, { number: n.number || n.order_id, n: n.unsent }, app.t("scope.removed", { number: n.number }))),
        button(app.t("common.ok"), async () => {
          await app.db.setMeta("scope_notices", notices.filter((x) => x !== n));
          app.render();
        }, "btn btn--small"))),
      active.length ? byDay(app, active).map(([label, group]) => h("section", { class: "day-group" },
        h("h2", { class: "day-heading", "data-testid": "day-heading" }, label), h("div", { class: "cards" }, group.map(card))))
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
