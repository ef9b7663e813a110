// The strip at the top of every engineer screen: connection, unsynced count, last sync time,
// the progress bar of a running sync, and the "new version" and "sign in again" notices.
import { h, replace, button } from "../ui.js";

let host = null;

export function render(chrome, app) {
  host = chrome;
  replace(chrome,
    h("header", { class: "topbar" },
      h("a", { class: "brand", href: "#/" }, "Onsite"),
      h("div", { class: "sync-chip", id: "sync-chip", role: "status" }),
      h("a", { class: "icon-link", href: "#/settings", "aria-label": app.t("nav.settings") }, "⚙")),
    h("div", { class: "progress", id: "sync-progress", role: "progressbar", hidden: true },
      h("div", { class: "progress__bar", id: "sync-progress-bar" })),
    h("div", { class: "progress-text", id: "sync-progress-text", "data-testid": "sync-progress", role: "status", hidden: true }),
    h("div", { id: "notices" }));
  refresh(app);
}

/** The connection as the last sync attempt found it (navigator.onLine alone says "online" on a
 * dead connection): offline, syncing, failed since the last success, or online. */
export function connection(app) {
  if (!navigator.onLine) return "offline";
  if (app.sync.state.running) return "syncing";
  const attempt = app.sync.state.attempt;
  if (!attempt) return "checking";
  return attempt.ok ? "online" : "failed";
}

export async function refresh(app) {
  if (!host || !host.isConnected) return;
  const chip = host.querySelector("#sync-chip");
  const [work, refused, last] = await Promise.all([app.outbox.unsentWork(), app.outbox.rejected(),
    app.db.getMeta("last_sync_at")]);
  const unsynced = work.count;
  const state = connection(app);
  chip.dataset.unsynced = String(unsynced);
  chip.dataset.connection = state;
  chip.className = `sync-chip sync-chip--${state} ${unsynced ? "sync-chip--dirty" : ""}`;
  const lastText = last ? app.t("sync.last", { time: app.time(last) }) : app.t("sync.never");
  replace(chip,
    h("span", { class: "dot" }),
    h("span", { class: "sync-chip__state", "data-testid": "connection" },
      state === "failed" ? app.t("sync.state.failed", { last: last ? app.time(last) : app.t("sync.never") })
        : app.t(`sync.state.${state}`)),
    h("span", { class: "sync-chip__count", "data-testid": "unsynced" }, app.t("sync.unsynced", { n: unsynced })),
    refused.length ? h("a", { class: "sync-chip__refused", href: "#/settings", "data-testid": "refused" },
      app.t("sync.refused", { n: refused.length })) : null,
    state === "failed" ? null : h("span", { class: "sync-chip__last", "data-testid": "last-sync" }, lastText));
  const notices = host.querySelector("#notices");
  replace(notices,
    app.updateReady ? h("div", { class: "notice notice--update" },
      h("span", null, unsynced ? app.t("update.ready_unsynced", { n: unsynced }) : app.t("update.ready")),
      button(app.t("update.apply"), () => app.bridge.applyUpdate(), "btn btn--small")) : null,
    app.needsSignIn ? h("div", { class: "notice notice--warn" }, app.t("sync.sign_in_again"),
      button(app.t("login.submit"), () => { app.user = null; app.render(); }, "btn btn--small")) : null);
  progress(app);
}

export function progress(app) {
  if (!host || !host.isConnected) return;
  const bar = host.querySelector("#sync-progress");
  const s = app.sync.state;
  bar.hidden = !s.running;
  const fill = host.querySelector("#sync-progress-bar");
  const share = s.total ? Math.min(1, s.done / s.total) : null;
  fill.classList.toggle("progress__bar--busy", share === null);
  fill.style.width = share === null ? "" : `${Math.round(share * 100)}%`;
  if (share === null) bar.removeAttribute("aria-valuenow"); else bar.setAttribute("aria-valuenow", String(Math.round(share * 100)));
  bar.dataset.phase = s.phase;
  bar.setAttribute("aria-label", app.t(`sync.phase.${s.phase}`));
  // A first sync counts the orders it receives against the scope's total.
  const text = host.querySelector("#sync-progress-text");
  const counted = s.running && s.phase === "pull" && s.unit === "orders" && s.total > 0;
  text.hidden = !counted;
  text.textContent = counted ? app.t("sync.progress.orders", { done: s.done, total: s.total }) : "";
  document.dispatchEvent(new CustomEvent("onsite:progress", { detail: s }));
}
