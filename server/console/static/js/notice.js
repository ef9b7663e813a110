// Who was told of each assignment and what they did with it, on the board: a line on each order's
// card (sent by which channel, on the phone, seen, accepted or handed back), an alert to call the
// engineer when nobody acknowledged in time, and each engineer's phones and their channels in the
// lane head. Reads /api/dispatch/notices every few seconds; board.js calls `decorate` after it draws.
import { get } from "./api.js";
import { h, time } from "./html.js";
import { t } from "./i18n.js";

const EVERY_MS = 3000;
let latest = null;
let timer = null;

function channelWords(channels) {
  return channels.map((c) => t(`channel.${c}`)).join(" · ");
}

function chip(kind, text, title, done = false) {
  return h("span", { class: `notice-${kind}${done ? " done" : ""}`, title }, text);
}

// Compact, at the top of the card: a card on the time axis is only as tall as its visit.
function noticeLine(n) {
  const sent = n.channels.length ? t("notice.sent", { channels: channelWords(n.channels) }) : t("notice.not_sent");
  return h("div", { class: `notice${n.alert ? " notice-late" : ""}`, dataset: {
    delivered: n.delivered_at ? "1" : "0", seen: n.seen_at ? "1" : "0", alert: n.alert ? "1" : "0",
    channels: n.channels.join(" ") } },
  n.alert ? h("strong", { class: "notice-alert", role: "alert", title: t("notice.alert_long") }, t("notice.alert")) : null,
  chip("sent", n.channels.length ? channelWords(n.channels) : "—", sent),
  n.delivered_at ? chip("delivered", `✓ ${t("notice.delivered_short")}`, t("notice.delivered", { time: time(n.delivered_at) }), true)
    : chip("delivered", t("notice.not_delivered_short"), t("notice.not_delivered")),
  n.seen_at ? chip("seen", `✓ ${t("notice.seen_short")}`, t("notice.seen", { time: time(n.seen_at) }), true) : null,
  n.accepted ? chip("accepted", `✓ ${t("notice.accepted")}`, t("notice.accepted"), true) : null,
  n.handed_back ? chip("handed-back", t("notice.handed_back"), t("notice.handed_back")) : null,
  n.sms_queued ? chip("sms", t("notice.sms_queued"), t("notice.sms_queued")) : null);
}

function phonesLine(engineer) {
  const phones = engineer.phones.map((p, i) => {
    const name = t("phones.phone", { n: i + 1 });
    return h("span", { class: `phone-channels${p.channels.length ? " on" : ""}`, title: p.name,
      dataset: { device: p.device_id, channels: p.channels.join(" ") } },
    p.channels.length ? `${name}: ${channelWords(p.channels)}` : t("phones.offline", { name }));
  });
  return h("div", { class: "lane-phones small" },
    ...(phones.length ? phones : [h("span", {}, t("phones.none"))]),
    engineer.sms ? h("span", { class: "phone-sms" }, t("phones.sms")) : null);
}

function apply() {
  if (!latest) return;
  const byOrder = new Map(latest.notices.map((n) => [n.order_id, n]));
  for (const card of document.querySelectorAll("#lanes [data-order-id], #queue [data-order-id]")) {
    card.querySelector(".notice")?.remove();
    const n = byOrder.get(card.dataset.orderId);
    if (n) card.querySelector(".card-top")?.after(noticeLine(n));
  }
  const byEngineer = new Map(latest.engineers.map((e) => [String(e.user_id), e]));
  for (const lane of document.querySelectorAll("#lanes .lane[data-engineer-id]")) {
    lane.querySelector(".lane-phones")?.remove();
    const engineer = byEngineer.get(lane.dataset.engineerId);
    if (engineer) lane.querySelector(".lane-head")?.append(phonesLine(engineer));
  }
}

async function load() {
  try {
    latest = await get("/api/dispatch/notices");
    apply();
  } catch { /* the board's own live badge shows a lost connection */ }
}

/** Draw what is known now on the freshly drawn board, then keep it current. */
export function decorate() {
  apply();
  if (!timer) {
    load();
    timer = setInterval(() => { if (document.visibilityState === "visible") load(); }, EVERY_MS);
  }
}
