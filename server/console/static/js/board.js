// The board: the unassigned queue beside one lane per engineer on the day's time axis, clocks, the
// schedule flags, assign and reassign; placing by drag or by buttons is placing.js's.
import { get, newestOnly, post } from "./api.js";
import { flagBadges } from "./flags.js";
import { ago, dateTime, duration, h, label, replace, time, toast } from "./html.js";
import { issueText, t } from "./i18n.js";
import * as notice from "./notice.js";
import * as placing from "./placing.js";
import * as suggestions from "./suggestions.js";
import { PX_PER_HOUR, axisHeader, axisOf, offsetOf, onDay, track } from "./timeline.js";

const SOON_MS = 2 * 3600 * 1000;
// The day shown: the picker's, or ?day=YYYY-MM-DD in the address (a link to a day's board).
let state = { board: null, day: new URLSearchParams(location.search).get("day") || "" };

function clockView(clock, now) {
  if (!clock) return null;
  const left = new Date(clock.due_at).getTime() - now;
  const name = t(`clock.${clock.kind}`);
  const kind = left < 0 ? "over" : left < SOON_MS ? "soon" : "ok";
  const text = left < 0 ? t("clock.over", { label: name, d: duration(left) }) : t("clock.left", { label: name, d: duration(left) });
  return h("span", { class: `clock clock-${kind}`, title: dateTime(clock.due_at) }, text);
}

function issuesText(issues) {
  return issues.map(issueText).join(", ");
}

function card(order, now, { assigned, context }) {
  // A visit on another day than the board's shows its date too.
  const otherDay = order.appointment_start && state.board && !onDay(order, state.board);
  const when = order.appointment_start
    ? `${otherDay ? dateTime(order.appointment_start) : time(order.appointment_start)}${order.appointment_end ? `–${time(order.appointment_end)}` : ""}`
    : assigned ? t("board.not_scheduled") : t("board.reported", { ago: ago(order.reported_at, now) });
  const breached = order.breaches.length > 0 || (order.clock && order.clock.breached);
  const flags = order.flags || [];
  const el = h("article", {
    class: `card prio-${order.priority}${breached ? " breached" : ""}${order.flagged ? " flagged" : ""}${flags.length ? " has-flags" : ""}`,
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
  flags.length ? h("div", { class: "card-flags" }, flagBadges(flags, context)) : null,
  h("div", { class: "card-foot" },
    clockView(order.clock, now),
    order.flagged ? h("span", { class: "badge badge-flag" }, t("board.flagged")) : null,
    ...order.breaches.map((b) => h("span", { class: "badge badge-breach" }, t(`breach.${b}`)))),
  order.intake_issues && order.intake_issues.length
    ? h("div", { class: "card-issues" }, t("board.intake_issues", { list: issuesText(order.intake_issues) }))
    : null,
  h("div", { class: "card-actions" },
    h("button", { type: "button", class: "button small", dataset: { action: "place" },
      onclick: () => placing.openPlace(order, { engineerId: assigned ? order.assignee_id : null }) }, t("board.place")),
    h("button", { type: "button", class: "button small", dataset: { action: assigned ? "reassign" : "assign" },
      onclick: () => openAssign(order, assigned) }, t(assigned ? "board.reassign" : "board.assign"))));
  placing.draggable(el, order);
  return el;
}

function syncState(iso, now) {
  if (!iso) return "never";
  const minutes = (now - new Date(iso).getTime()) / 60000;
  return minutes < 15 ? "fresh" : minutes < 120 ? "stale" : "old";
}

function lane(engineer, now, board, axis, numbers) {
  const sync = syncState(engineer.last_sync_at, now);
  const context = { numbers, engineer };
  const makeCard = (o) => card(o, now, { assigned: true, context });
  const visits = engineer.orders.filter((o) => onDay(o, board)).length;
  const elsewhere = engineer.orders.filter((o) => !onDay(o, board));
  const over = visits > engineer.daily_capacity;
  const laneTrack = track(engineer, board, axis, makeCard);
  placing.dropTarget(laneTrack, engineer);
  return h("section", { class: "lane panel", dataset: { engineerId: engineer.id, engineer: engineer.name },
    "aria-label": engineer.name },
  h("header", { class: "lane-head" },
    h("div", { class: "lane-id" },
      h("div", { class: "avatar" }, engineer.name.slice(0, 1)),
      h("div", { class: "lane-who" },
        h("strong", {}, engineer.name),
        h("span", { class: `sync sync-${sync}` }, h("span", { class: "dot" }),
          engineer.last_sync_at ? t("board.synced", { ago: ago(engineer.last_sync_at, now) }) : t("board.never_synced")))),
    h("div", { class: "lane-facts small" },
      h("span", { class: `push ${engineer.push_subscriptions ? "push-on" : "push-off"}` },
        t(engineer.push_subscriptions ? "board.push_on" : "board.push_off")),
      h("span", { class: `capacity${over ? " over" : ""}` }, t("board.capacity", { n: visits, capacity: engineer.daily_capacity })),
      engineer.home_district ? h("span", { class: "home" }, t("board.home", { district: engineer.home_district })) : null,
      engineer.skills && engineer.skills.length
        ? h("span", { class: "skills" }, t("board.skills", { list: engineer.skills.map((c) => label("cat", c)).join("、") })) : null),
    engineer.later ? h("p", { class: "later" }, t("board.later", { n: engineer.later })) : null),
  h("div", { class: "lane-body" },
    visits ? null : h("p", { class: "empty small lane-empty" }, t("board.no_orders")),
    laneTrack,
    elsewhere.length ? h("div", { class: "lane-unscheduled" },
      h("span", { class: "strip-label" }, t("board.unscheduled")), elsewhere.map(makeCard)) : null));
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
  const scheduleFlags = all.filter((o) => o.flags && o.flags.length).length;
  replace(document.getElementById("board-stats"),
    stat(board.unassigned.length, t("board.stat_unassigned"), board.unassigned.length ? "warn" : ""),
    stat(breached, t("board.stat_breached"), breached ? "danger" : "ok"),
    stat(soon, t("board.stat_soon"), soon ? "warn" : ""),
    stat(`${synced}/${board.engineers.length}`, t("board.stat_synced")),
    stat(all.filter((o) => o.flagged).length, t("board.stat_flagged")),
    stat(scheduleFlags, t("board.stat_schedule"), scheduleFlags ? "danger" : "ok"));
  document.getElementById("queue-count").textContent = String(board.unassigned.length);
  const numbers = Object.fromEntries(all.map((o) => [o.id, o.number]));
  const axis = axisOf(board);
  placing.setContext({ board, axis, numbers, refresh });
  replace(document.getElementById("queue"), board.unassigned.length
    ? board.unassigned.map((o) => card(o, now, { assigned: false, context: { numbers } }))
    : h("p", { class: "empty" }, t("board.queue_empty")));
  replace(document.getElementById("lanes"),
    h("div", { class: "axis-row" }, h("span", { class: "axis-corner" }), axisHeader(axis)),
    board.engineers.map((e) => lane(e, now, board, axis, numbers)));
  notice.decorate();
  // A day opened for the first time scrolls to the hour before now (today) or its first visit.
  const lanes = document.getElementById("lanes");
  if (lanes.dataset.day !== board.day) {
    lanes.dataset.day = board.day;
    const firsts = board.engineers.flatMap((e) => e.orders.filter((o) => onDay(o, board)))
      .map((o) => new Date(o.appointment_start).getTime());
    const focus = now >= axis.start && now < axis.end ? now : Math.min(...firsts, axis.end);
    lanes.scrollLeft = Math.max(0, offsetOf(axis, new Date(focus)) - PX_PER_HOUR);
  }
}

let current = null;

function openAssign(order, reassign) {
  current = { order, reassign };
  const dialog = document.getElementById("assign-dialog");
  document.getElementById("assign-title").textContent = t(reassign ? "assign.title_reassign" : "assign.title_assign", { number: order.number });
  document.getElementById("assign-sub").textContent = `${label("cat", order.category)} · ${order.brand} ${order.model} · ${order.service_address}`;
  const select = document.getElementById("assign-engineer");
  replace(select, state.board.engineers.filter((e) => e.id !== order.assignee_id)
    .map((e) => h("option", { value: e.id }, e.name)));
  const reason = document.getElementById("assign-reason");
  reason.value = "";
  reason.placeholder = reassign ? t("assign.reason_needed") : "";
  document.getElementById("assign-error").textContent = "";
  // Who could take it, ranked by the server with reasons; one click books the suggested time. A
  // reassignment needs its reason, so there the ranking only orders the choice.
  // The dispatcher's own pick wins over the ranking that answers later.
  let picked = false;
  select.onchange = () => { picked = true; };
  const ranked = document.getElementById("assign-suggestions");
  replace(ranked, h("p", { class: "muted" }, t("live.loading")));
  dialog.showModal();
  const onAccepted = async () => { dialog.close(); await refresh(); };
  suggestions.show(ranked, order, onAccepted, { book: !reassign, day: state.board.day }).then((answer) => {
    if (!answer || current?.order !== order) return;
    const rank = new Map(answer.candidates.map((c, i) => [c.engineer_id, i]));
    const options = [...select.options].sort((a, b) => (rank.get(Number(a.value)) ?? 1e9) - (rank.get(Number(b.value)) ?? 1e9));
    for (const option of options) {
      const candidate = answer.candidates[rank.get(Number(option.value))];
      if (candidate) option.textContent = t("assign.option", { name: candidate.name, load: suggestions.workloadText(candidate) });
    }
    const choice = select.value;
    replace(select, options);
    if (picked) select.value = choice; else select.selectedIndex = 0;
  }).catch((e) => replace(ranked, h("p", { class: "form-error" }, e.message)));
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

const loads = newestOnly();

export async function refresh() {
  const query = state.day ? `?day=${state.day}` : "";
  const current = loads();
  const board = await get(`/api/dispatch/board${query}`);
  if (!current()) return; // a later request (another day, a live refresh) answers instead
  state.board = board;
  const picker = document.getElementById("board-day");
  if (picker && !picker.value) picker.value = state.board.day;
  render();
  document.body.dataset.boardDay = state.board.day; // the day drawn, which a stale answer must not change
}

export function mount() {
  placing.mount();
  document.getElementById("assign-form").addEventListener("submit", submitAssign);
  document.getElementById("assign-cancel").addEventListener("click", () => document.getElementById("assign-dialog").close());
  document.getElementById("board-day").addEventListener("change", (e) => { state.day = e.target.value; refresh(); });
  return refresh();
}
