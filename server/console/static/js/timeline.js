// One engineer's day on a time axis: visits placed by their times (overlaps stacked in rows), the
// drive between them as a bar from one visit's end to the arrival at the next.
import { h, time } from "./html.js";
import { t } from "./i18n.js";

export const PX_PER_HOUR = 160;
const HOUR = 3600 * 1000;
const SNAP = 15 * 60 * 1000;
const ROW_PX = 134;

// 08:00 to 20:00 of the board's day, widened to the whole hours of any visit outside it.
export function axisOf(board) {
  const dayStart = new Date(board.day_start).getTime();
  let start = dayStart + 8 * HOUR;
  let end = dayStart + 20 * HOUR;
  for (const engineer of board.engineers) {
    for (const o of engineer.orders) {
      if (!onDay(o, board)) continue;
      const s = new Date(o.appointment_start).getTime();
      const e = o.appointment_end ? new Date(o.appointment_end).getTime() : s + HOUR;
      start = Math.min(start, dayStart + Math.floor((s - dayStart) / HOUR) * HOUR);
      end = Math.max(end, dayStart + Math.ceil((e - dayStart) / HOUR) * HOUR);
    }
  }
  return { start, end: Math.min(end, dayStart + 24 * HOUR), width: ((end - start) / HOUR) * PX_PER_HOUR };
}

export function onDay(order, board) {
  if (!order.appointment_start) return false;
  const s = new Date(order.appointment_start).getTime();
  return s >= new Date(board.day_start).getTime() && s < new Date(board.day_end).getTime();
}

const px = (axis, ms) => ((ms - axis.start) / HOUR) * PX_PER_HOUR;

export function axisHeader(axis) {
  const ticks = [];
  for (let at = axis.start; at <= axis.end; at += HOUR) {
    const tick = h("span", { class: "tick" }, time(new Date(at).toISOString()));
    tick.style.left = `${px(axis, at)}px`;
    ticks.push(tick);
  }
  const row = h("div", { class: "axis", "aria-hidden": "true" }, ticks);
  row.style.width = `${axis.width}px`;
  return row;
}

// Rows for overlapping visits: each visit goes in the first row whose last visit ended before it.
function rowsFor(visits) {
  const ends = [];
  return visits.map((v) => {
    let row = ends.findIndex((end) => end <= v.start);
    if (row < 0) { row = ends.length; ends.push(0); }
    ends[row] = v.end;
    return row;
  });
}

export function track(engineer, board, axis, makeCard) {
  const visits = engineer.orders.filter((o) => onDay(o, board)).map((o) => {
    const start = new Date(o.appointment_start).getTime();
    return { order: o, start, end: o.appointment_end ? new Date(o.appointment_end).getTime() : start + HOUR };
  });
  const rows = rowsFor(visits);
  const el = h("div", { class: "lane-track", dataset: { engineerId: engineer.id } });
  el.style.width = `${axis.width}px`;
  el.style.height = `${Math.max(1, ...rows.map((r) => r + 1)) * ROW_PX + 22}px`;
  for (let at = axis.start; at <= axis.end; at += HOUR) {
    const line = h("span", { class: "hour-line", "aria-hidden": "true" });
    line.style.left = `${px(axis, at)}px`;
    el.append(line);
  }
  const ends = Object.fromEntries(visits.map((v) => [v.order.id, v.end]));
  for (const leg of engineer.legs || []) {
    const from = ends[leg.from_order_id];
    if (from === undefined) continue;
    const arrive = new Date(leg.arrive_at).getTime();
    const bar = h("span", { class: "travel", dataset: { from: leg.from_order_id, to: leg.to_order_id },
      title: t("board.travel", { minutes: leg.minutes }) }, t("board.travel", { minutes: leg.minutes }));
    bar.style.left = `${px(axis, from)}px`;
    bar.style.width = `${Math.max(2, px(axis, arrive) - px(axis, from))}px`;
    el.append(bar);
  }
  visits.forEach((v, i) => {
    const card = makeCard(v.order);
    card.classList.add("visit");
    card.style.left = `${px(axis, v.start)}px`;
    card.style.width = `${Math.max(40, px(axis, v.end) - px(axis, v.start) - 2)}px`;
    card.style.top = `${22 + rows[i] * ROW_PX}px`;
    el.append(card);
  });
  return el;
}

// The start time under a pointer at clientX over a track, snapped to a quarter hour.
export function timeAt(trackEl, clientX, axis) {
  const x = clientX - trackEl.getBoundingClientRect().left;
  const ms = axis.start + (x / PX_PER_HOUR) * HOUR;
  const snapped = Math.round(ms / SNAP) * SNAP;
  return new Date(Math.min(Math.max(snapped, axis.start), axis.end - SNAP));
}

export function offsetOf(axis, date) {
  return px(axis, date.getTime());
}
