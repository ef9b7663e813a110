// Web Push in the service worker: show the notification, open the order on click, and ask
// open pages to sync (the Background Sync API is Chromium-only, so push is the wake-up).

async function tellClients(message) {
  const clients = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of clients) client.postMessage(message);
  return clients;
}

self.addEventListener("push", (event) => {
  let payload = {};
  try { payload = event.data ? event.data.json() : {}; } catch { payload = {}; }
  event.waitUntil((async () => {
    await tellClients({ type: "SYNC_NOW", reason: "push", kind: payload.kind || "" });
    await self.registration.showNotification(payload.title || "Onsite", {
      body: payload.body || "",
      tag: payload.order_id ? `order-${payload.order_id}` : "onsite",
      data: { order_id: payload.order_id || null, kind: payload.kind || "" },
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
    });
  })());
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const orderId = event.notification.data && event.notification.data.order_id;
  const target = orderId ? `/#/order/${encodeURIComponent(orderId)}` : "/";
  event.waitUntil((async () => {
    const clients = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of clients) {
      if ("focus" in client) {
        client.postMessage({ type: "OPEN", url: target });
        return client.focus();
      }
    }
    return self.clients.openWindow(target);
  })());
});
