// The board: the unassigned queue, each engineer's day in time order, clocks, assign and reassign.
import { get, post } from "./api.js";
import { ago, duration, h, label, replace, time, toast } from "./html.js";
import { issueText, t } from "./i18n.js";

const SOON_MS = 2 * 3600 * 1000;
let state = { board: null, day: "" };

function clockView(clock, now) {
  if (!clock) return null;
  const left = new Date(clock.due_at).getTime() - now;
  const name = t(`clock.${clock.kind}`);
  const kind = left < 0 ? "over" : left < SOON_MS ? "soon" : "ok";
  const text = left < 0 ? t("clock.over", { label: name, d: duration(left) }) : t("clock.left", { label: name, d: duration(left) });
  return h("span", { class: `clock clock-${kind}`, title: new Date(clock.due_at).toLocaleString() }, text);
}

function issuesText(issues) {
  return issues.map(issueText).join(", ");
}

function card(order, now, { assigned }) {
  const when = order.appointment_start
    ? `${time(order.appointment_start)}${order.appointment_end ? `–${time(order.appointment_end)}` : ""}`
    : assigned ? t("board.not_scheduled") : t("board.reported", { ago: ago(order.reported_at, now) });
  const breached = order.breaches.length > 0 || (order.clock && order.clock.breached);
  return h("article", {
    class: `card prio-${order.priority}${breached ? " breached" : ""}${order.flagged ? " flagged" : ""}`,
    dataset: { orderId: order.id, number: order.number },
  },
  h("div", { class: "card-top" },
    h("span", { class: "when" }, when),
    h("span", { class: `chip status-${order.status}` }, label("status", order.status))),
  h("div", { class: "card-title" },
    h("a", { class: "order-link", href: `/console/orders/${encodeURIComponent(order.id)}` }, order.number),
    order.customer_name ? h("span", { class: "card-customer" }, order.customer_name) : null,
    order.priority !== "normal" ? h("span", { class: `prio prio-${order.priority}` }, label("prio", order.priority)) : null),
  h("div", { class: "card-unit" }, `${label("cat", order.category)} · ${order.brand} ${order.model}`.trim()),
  h("div", { class: "card-address" }, order.service_address),
  h("div", { class: "card-foot" },
    clockView(order.clock, now),
    order.flagged ? h("span", { class: "badge badge-flag" }, t("board.flagged")) : null,
    ...order.breaches.map((b) => h("span", { class: "badge badge-breach" }, t(`breach.${b}`)))),
  order.intake_issues && order.intake_issues.length
    ? h("div", { class: "card-issues" }, t("board.intake_issues", { list: issuesText(order.intake_issues) }))
    : null,
  h("button", { type: "button", class: "button small", dataset: { action: assigned ? "reassign" : "assign" },
    onclick: () => openAssign(order, assigned) }, t(assigned ? "board.reassign" : "board.assign")));
}

function syncState(iso, now) {
  if (!iso) return "never";
  const minutes = (now - new Date(iso).getTime()) / 60000;
  return minutes < 15 ? "fresh" : minutes < 120 ? "stale" : "old";
}

function lane(engineer, now) {
  const sync = syncState(engineer.last_sync_at, now);
  return h("section", { class: "lane panel", dataset: { engineerId: engineer.id, engineer: engineer.name } },
    h("header", { class: "lane-head" },
      h("div", { class: "avatar" }, engineer.name.slice(0, 1)),
      h("div", { class: "lane-who" },
        h("strong", {}, engineer.name),
        h("span", { class: `sync sync-${sync}` }, h("span", { class: "dot" }),
          engineer.last_sync_at ? t("board.synced", { ago: ago(engineer.last_sync_at, now) }) : t("board.never_synced"))),
      h("span", { class: `push ${engineer.push_subscriptions ? "push-on" : "push-off"}` },
        t(engineer.push_subscriptions ? "board.push_on" : "board.push_off"))),
    h("div", { class: "lane-cards" },
      engineer.orders.length ? engineer.orders.map((o) => card(o, now, { assigned: true }))
        : h("p", { class: "empty small" }, t("board.no_orders"))),
    engineer.later ? h("p", { class: "later" }, t("board.later", { n: engineer.later })) : null);
}

function stat(value, text, kind = "") {
  return h("div", { class: `stat ${kind}` }, h("div", { class: "stat-value" }, String(value)), h("div", { class: "stat-label" }, text));
}

function render() {
  const board = state.board;
  const now = new Date(board.now).getTime();
  const all = [...board.unassigned, ...board.engineers.flatMap((e) => e.orders)];
  const breached = all.filter((o) => o.breaches.length || (o.clock && o.clock.breached)).length;
  const soon = all.filter((o) => o.clock && !o.clock.breached && new Date(o.clock.due_at).getTime() - now < SOON_MS).length;
  const synced = board.engineers.filter((e) => syncState(e.last_sync_at, now) === "fresh").length;
  replace(document.getElementById("board-stats"),
    stat(board.unassigned.length, t("board.stat_unassigned"), board.unassigned.length ? "warn" : ""),
    stat(breached, t("board.stat_breached"), breached ? "danger" : "ok"),
    stat(soon, t("board.stat_soon"), soon ? "warn" : ""),
    stat(`${synced}/${board.engineers.length}`, t("board.stat_synced")),
    stat(all.filter((o) => o.flagged).length, t("board.stat_flagged")));
  document.getElementById("queue-count").textContent = String(board.unassigned.length);
  replace(document.getElementById("queue"), board.unassigned.length
    ? board.unassigned.map((o) => card(o, now, { assigned: false }))
    : h("p", { class: "empty" }, t("board.queue_empty")));
  replace(document.getElementById("lanes"), board.engineers.map((e) => lane(e, now)));
}

let current = null;

function openAssign(order, reassign) {
  current = { order, reassign };
  const dialog = document.getElementById("assign-dialog");
  document.getElementById("assign-title").textContent = t(reassign ? "assign.title_reassign" : "assign.title_assign", { number: order.number });
  document.getElementById("assign-sub").textContent = `${label("cat", order.category)} · ${order.brand} ${order.model} · ${order.service_address}`;
  const select = document.getElementById("assign-engineer");
  replace(select, state.board.engineers.filter((e) => e.id !== order.assignee_id)
    .map((e) => h("option", { value: e.id }, `${e.name} (${e.orders.length})`)));
  const reason = document.getElementById("assign-reason");
  reason.value = "";
  reason.placeholder = reassign ? t("assign.reason_needed") : "";
  document.getElementById("assign-error").textContent = "";
  dialog.showModal();
}

async function submitAssign(event) {
  event.preventDefault();
  const { order, reassign } = current;
  const engineerId = Number(document.getElementById("assign-engineer").value);
  const reason = document.getElementById("assign-reason").value.trim();
  const error = document.getElementById("assign-error");
  if (reassign && !reason) { error.textContent = t("assign.reason_needed"); return; }
  try {
    await post(`/api/orders/${encodeURIComponent(order.id)}/assign`, { engineer_id: engineerId, reason });
    document.getElementById("assign-dialog").close();
    const engineer = state.board.engineers.find((e) => e.id === engineerId);
    toast(t("assign.done", { number: order.number, name: engineer ? engineer.name : engineerId }));
    await refresh();
  } catch (e) {
    error.textContent = e.message;
  }
}

export async function refresh() {
  const query = state.day ? `?day=${state.day}` : "";
  state.board = await get(`/api/dispatch/board${query}`);
  const picker = document.getElementById("board-day");
  if (picker && !picker.value) picker.value = state.board.day;
  render();
}

export function mount() {
  document.getElementById("assign-form").addEventListener("submit", submitAssign);
  document.getElementById("assign-cancel").addEventListener("click", () => document.getElementById("assign-dialog").close());
  document.getElementById("board-day").addEventListener("change", (e) => { state.day = e.target.value; refresh(); });
  return refresh();
}
