// Sync and device settings: what is unsynced or rejected, storage persistence, language,
// currency, the lock (passkeys, unlock PIN), and signing out (refused while work is unsynced).
import { h, replace, button, field, toast } from "../ui.js";
import { securityCard } from "./security.js";
import { pushState, enablePush, disablePush } from "../../sw/subscription.js";

export async function render(root, app) {
  const [pending, rejected, blobs, last, counter] = await Promise.all([app.outbox.pending(), app.outbox.rejected(),
    app.db.blobsPending(), app.db.getMeta("last_sync_at"), app.db.getMeta(`receipt_counter:${app.receiptPrefix}`, 0)]);
  const [orders, notices] = await Promise.all([app.db.allOf("order"), app.db.getMeta("scope_notices", [])]);
  const numbers = new Map([...notices.map((n) => [n.order_id, n.number]), ...orders.map((o) => [o.id, o.record.number])]);
  const currency = h("select", { name: "currency", on: { change: () => app.setCurrency(currency.value) } },
    ["CNY", "HKD", "USD", "EUR"].map((c) => h("option", { value: c, selected: c === app.currency }, c)));
  replace(root, h("section", { class: "settings" },
    h("div", { class: "order-head__top" }, h("a", { href: "#/", class: "back", "aria-label": app.t("nav.back_list") }, "‹"),
      h("h1", null, app.t("nav.settings"))),
    h("div", { class: "card" }, h("h2", null, app.t("settings.sync")),
      h("p", null, app.t("sync.unsynced", { n: (await app.outbox.unsentWork()).count }),
        " · ", app.t("sync.changes", { n: pending.length + blobs.length })),
      h("p", null, last ? app.t("sync.last", { time: app.dateTime(last) }) : app.t("sync.never")),
      h("p", { "data-testid": "storage" }, app.t(`storage.${app.storage || "asking"}`)),
      h("p", { class: "muted" }, app.t("settings.device", { id: app.deviceId.slice(0, 8), prefix: app.receiptPrefix || "—", n: counter })),
      button(app.t("sync.now"), () => app.syncNow("manual"), "btn btn--block")),
    rejected.length ? h("div", { class: "card", "data-testid": "rejected" }, h("h2", null, app.t("rejected.title")),
      rejected.map((m) => h("div", { class: "rejected-row" },
        h("span", null, `${app.t(`entity.${m.entity}`, {}, m.entity)} ${numbers.get(m.order_id) || ""}: ${app.reasonText(m)}`),
        button(app.t("rejected.discard"), () => app.outbox.discard(m.number).then(() => app.render()), "btn btn--small")))) : null,
    h("div", { class: "card" }, h("h2", null, app.t("settings.language")),
      h("div", { class: "lang-switch" }, app.languages.map((l) => h("button", { type: "button", class: `chip ${l.code === app.lang ? "chip--on" : ""}`,
        on: { click: () => app.setLanguage(l.code) } }, l.label))),
      field(app.t("settings.currency"), currency)),
    await notificationsCard(app),
    await securityCard(app),
    h("div", { class: "card" }, h("h2", null, app.user?.display_name || app.user?.username || ""),
      button(app.t("logout.button"), () => app.signOut(), "btn btn--danger btn--block", { "data-testid": "logout" }))));
  return null;
}

// New and changed assignments reach the phone by Web Push once the engineer allows notifications.
async function notificationsCard(app) {
  const registration = await app.bridge.registration();
  const state = await pushState(registration).catch(() => "unsupported");
  const toggle = async (fn) => {
    try { await fn(registration, app.api); } catch (err) { toast(app.t("push.failed"), "error"); }
    app.render();
  };
  return h("div", { class: "card", "data-testid": "notifications" }, h("h2", null, app.t("push.title")),
    h("p", { "data-testid": "push-state" }, app.t(`push.state.${state}`)),
    state === "off" ? button(app.t("push.enable"), () => toggle(enablePush), "btn btn--block", { "data-testid": "push-enable" }) : null,
    state === "on" ? button(app.t("push.disable"), () => toggle(disablePush), "btn btn--small") : null);
}
