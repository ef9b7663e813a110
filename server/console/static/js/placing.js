// Placing an order on an engineer's lane and time, two equal ways (WCAG 2.2 SC 2.5.7): drag a card
// onto a lane, or press "Place…" and choose the engineer and the time from buttons. Both end in the
// same dialog, which shows the server's checks for the placement before anything is saved.
import { post } from "./api.js";
import { flagList } from "./flags.js";
import { h, label, replace, time, toast } from "./html.js";
import { has, t } from "./i18n.js";
import { offsetOf, timeAt } from "./timeline.js";

const HALF_HOUR = 30 * 60 * 1000;
let ctx = null; // { board, axis, numbers, refresh }
let current = null; // { order, engineerId, start }
let dragging = null;
let checkSeq = 0;

const el = (id) => document.getElementById(id);

export function setContext(value) { ctx = value; }

function engineerOf(id) { return ctx.board.engineers.find((e) => e.id === id) || null; }

function placement() {
  return { order_id: current.order.id, engineer_id: current.engineerId, start: current.start.toISOString() };
}

async function check(body) {
  return post("/api/dispatch/board/check", body);
}

// The checks for what the dialog holds now; an older answer arriving late is ignored.
async function showChecks() {
  const list = el("place-flags");
  if (!current.engineerId || !current.start) { replace(list); return; }
  const seq = ++checkSeq;
  list.dataset.state = "checking";
  replace(list, h("li", { class: "muted" }, t("place.checking")));
  try {
    const answer = await check(placement());
    if (seq !== checkSeq) return;
    const context = { numbers: ctx.numbers, engineer: engineerOf(current.engineerId) };
    replace(list, answer.flags.length ? flagList(answer.flags, context) : h("li", { class: "flag-none" }, t("place.no_flags")));
    list.dataset.state = answer.flags.length ? "flagged" : "clear";
  } catch (e) {
    if (seq === checkSeq) { replace(list); el("place-error").textContent = e.message; }
  }
}

function choice(text, pressed, onclick, data) {
  return h("button", { type: "button", class: "choice", "aria-pressed": pressed ? "true" : "false", dataset: data, onclick }, text);
}

function renderChoices() {
  const visits = (e) => e.orders.filter((o) => o.appointment_start).length;
  replace(el("place-engineers"), ctx.board.engineers.map((e) => choice(
    `${e.name} · ${t("board.capacity", { n: visits(e), capacity: e.daily_capacity })}`,
    e.id === current.engineerId, () => { current.engineerId = e.id; renderChoices(); showChecks(); },
    { engineerId: e.id })));
  const times = [];
  for (let at = ctx.axis.start; at < ctx.axis.end; at += HALF_HOUR) times.push(at);
  if (current.start && !times.includes(current.start.getTime())) times.push(current.start.getTime());
  times.sort((a, b) => a - b);
  replace(el("place-times"), times.map((at) => {
    const iso = new Date(at).toISOString();
    return choice(time(iso), current.start && current.start.getTime() === at,
      () => { current.start = new Date(at); renderChoices(); showChecks(); }, { time: time(iso) });
  }));
}

export function openPlace(order, { engineerId = null, start = null } = {}) {
  const fallback = order.appointment_start ? new Date(order.appointment_start) : null;
  current = {
    order,
    engineerId: engineerId ?? (order.assignee_id && !order.unassigned ? order.assignee_id : null),
    start: start ?? (fallback && fallback.getTime() >= ctx.axis.start && fallback.getTime() < ctx.axis.end ? fallback : null),
  };
  el("place-title").textContent = t("place.title", { number: order.number });
  el("place-sub").textContent = [order.customer_name, label("cat", order.category), order.service_address, ctx.board.day]
    .filter(Boolean).join(" · ");
  el("place-reason").value = "";
  el("place-agreed").checked = false; // nothing pre-ticked: the dispatcher ticks it after asking
  el("place-error").textContent = "";
  renderChoices();
  replace(el("place-flags"));
  el("place-dialog").showModal();
  showChecks();
}

async function submit(event) {
  event.preventDefault();
  const error = el("place-error");
  if (!current.engineerId || !current.start) { error.textContent = t("place.choose"); return; }
  try {
    await post("/api/dispatch/board/place", {
      ...placement(), reason: el("place-reason").value.trim(), customer_agreed: el("place-agreed").checked,
    });
    el("place-dialog").close();
    const engineer = engineerOf(current.engineerId);
    toast(t("place.done", { number: current.order.number, name: engineer ? engineer.name : "", time: time(current.start.toISOString()) }));
    await ctx.refresh();
  } catch (e) {
    // The server's reason code, said in the console's language when we know it.
    error.textContent = has(`place.err.${e.code}`) ? t(`place.err.${e.code}`) : e.message;
  }
}

// Drag and drop: any card can be dragged; a lane's track shows where and when it would land, with
// the server's checks for that spot, and a drop opens the dialog there.
export function draggable(card, order) {
  card.draggable = true;
  card.addEventListener("dragstart", (event) => {
    dragging = order;
    event.dataTransfer.setData("text/plain", order.id);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });
  card.addEventListener("dragend", () => { dragging = null; card.classList.remove("dragging"); clearGhosts(); });
}

function clearGhosts() {
  for (const ghost of document.querySelectorAll(".drop-ghost")) ghost.remove();
}

function ghostIn(trackEl) {
  let ghost = trackEl.querySelector(".drop-ghost");
  if (!ghost) {
    ghost = h("div", { class: "drop-ghost", "aria-hidden": "true" }, h("span", { class: "ghost-time" }), h("ul", { class: "ghost-flags" }));
    trackEl.append(ghost);
  }
  return ghost;
}

export function dropTarget(trackEl, engineer) {
  let last = null;
  trackEl.addEventListener("dragover", (event) => {
    if (!dragging) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    const start = timeAt(trackEl, event.clientX, ctx.axis);
    if (last && last.getTime() === start.getTime()) return;
    last = start;
    for (const other of document.querySelectorAll(".drop-ghost")) if (!trackEl.contains(other)) other.remove();
    const ghost = ghostIn(trackEl);
    ghost.style.left = `${offsetOf(ctx.axis, start)}px`;
    ghost.querySelector(".ghost-time").textContent = t("board.drop_here", { time: time(start.toISOString()) });
    const seq = ++checkSeq;
    const order = dragging;
    check({ order_id: order.id, engineer_id: engineer.id, start: start.toISOString() }).then((answer) => {
      if (seq !== checkSeq || !ghost.isConnected) return;
      replace(ghost.querySelector(".ghost-flags"), flagList(answer.flags, { numbers: ctx.numbers, engineer }));
      ghost.dataset.state = answer.flags.length ? "flagged" : "clear";
    }).catch(() => {});
  });
  trackEl.addEventListener("dragleave", (event) => {
    if (!trackEl.contains(event.relatedTarget)) { clearGhosts(); last = null; }
  });
  trackEl.addEventListener("drop", (event) => {
    if (!dragging) return;
    event.preventDefault();
    const order = dragging;
    const start = timeAt(trackEl, event.clientX, ctx.axis);
    dragging = null;
    last = null;
    clearGhosts();
    openPlace(order, { engineerId: engineer.id, start });
  });
}

export function mount() {
  el("place-form").addEventListener("submit", submit);
  el("place-cancel").addEventListener("click", () => el("place-dialog").close());
}
