// Web Push in the service worker: show the notification, wake a sync so the order is on the phone
// before the engineer loses signal, open the order on click, and accept new work from the notification.
// The contract with the page (sw-bridge.js) is in pwa/sw/README.md.
import * as api from "../js/api.js";
import * as db from "../js/db.js";
import { commit, statusMut } from "../js/outbox.js";
import { syncNow } from "../js/sync.js";

const TEXT = {
  en: {
    assigned: ["New order {title}", "Tap to open it; it is being saved to the phone."],
    reassigned_away: ["{title} was reassigned", "Your work on it is kept and sent to the office first."],
    appointment_changed: ["Visit time changed: {title}", "The dispatcher moved the appointment."],
    conflict: ["Please check {title}", "A change on this phone needs a decision."],
    reassigned_work_flagged: ["Work arrived on {title}", "Another engineer's work on this order reached the office."],
    other: ["Onsite", "Something changed."],
    open: "Open", accept: "Accept",
  },
  zh: {
    assigned: ["新工单 {title}", "点开查看，工单正在保存到手机。"],
    reassigned_away: ["{title} 已改派", "您在该单上的工作会先同步到服务中心。"],
    appointment_changed: ["上门时间已变更：{title}", "调度员调整了预约时间。"],
    conflict: ["请核对 {title}", "本机的修改需要确认。"],
    reassigned_work_flagged: ["{title} 收到工作记录", "其他工程师在该单上的工作已同步到服务中心。"],
    other: ["Onsite", "有新的变化。"],
    open: "打开", accept: "接单",
  },
};

function texts(lang) {
  return (lang || self.navigator.language || "").toLowerCase().startsWith("zh") ? TEXT.zh : TEXT.en;
}

/** What the notification shows for a payload from the server ({kind, order_id, title, ...}). */
export function notificationFor(payload, lang) {
  const words = texts(lang);
  const [title, body] = words[payload.kind] || words.other;
  const fill = (s) => s.replace("{title}", payload.title || "");
  const actions = [{ action: "open", title: words.open }];
  if (payload.kind === "assigned") actions.push({ action: "accept", title: words.accept });
  return [fill(title), {
    body: fill(body),
    tag: payload.order_id ? `order-${payload.order_id}` : `onsite-${payload.kind || "note"}`,
    renotify: true,
    data: { orderId: payload.order_id || null, kind: payload.kind || "", notificationId: payload.notification_id || null },
    actions,
    icon: "/icons/icon-192.png",
    badge: "/icons/icon-192.png",
  }];
}

async function windows() {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true });
}

/** Sync from the worker itself when no page is open to do it (the page's sync is the same code). */
async function syncHere(reason) {
  const deviceId = await db.getMeta("device_id");
  if (!deviceId) return; // nobody has signed in on this phone yet
  api.setDeviceId(deviceId);
  await api.session();
  await syncNow(reason);
}

/** Ask open pages to sync; with none open, sync here. Either way the order reaches the store. */
export async function wakeSync(payload) {
  const pages = await windows();
  const message = { type: "SYNC_NOW", reason: "push", kind: payload.kind || "", orderId: payload.order_id || null };
  for (const page of pages) page.postMessage(message);
  if (!pages.length) await syncHere("push").catch(() => {}); // offline: the next start or reconnect syncs
}

self.addEventListener("push", (event) => {
  let payload = {};
  try { payload = event.data ? event.data.json() : {}; } catch { payload = {}; }
  event.waitUntil((async () => {
    const [title, options] = notificationFor(payload);
    // The sync must not depend on the notification: without permission showNotification rejects,
    // and the order still has to reach the phone before the engineer loses signal.
    const shown = self.registration.showNotification(title, options).catch(() => {});
    await Promise.all([shown, wakeSync(payload)]);
  })());
});

async function accept(orderId) {
  let stored = await db.getRecord("order", orderId);
  if (!stored) {
    await syncHere("accept").catch(() => {});
    stored = await db.getRecord("order", orderId);
  }
  if (!stored || stored.record.status !== "assigned") return;
  await commit([await statusMut(stored.record, "accepted", { milestones: { accepted_at: new Date().toISOString() } })]);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const { orderId, kind } = event.notification.data || {};
  const url = orderId && kind !== "reassigned_away" ? `/#/order/${encodeURIComponent(orderId)}` : "/#/";
  event.waitUntil((async () => {
    if (event.action === "accept" && orderId) await accept(orderId);
    const pages = await windows();
    if (pages.length) {
      const page = pages[0];
      page.postMessage({ type: "OPEN", url });
      if (event.action === "accept") page.postMessage({ type: "SYNC_NOW", reason: "accept", orderId });
      return "focus" in page ? page.focus() : undefined;
    }
    if (event.action === "accept") await syncHere("accept").catch(() => {});
    return self.clients.openWindow(url);
  })());
});
