// The service worker: precache the revisioned shell, answer every navigation from it offline,
// wait for the engineer's word before a new version takes over, and wake the page to sync.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";
import "./sw/push.js";

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every screen is the one shell; the server's own pages (API, receipts' copies, a customer's
// receipt link) stay online.
registerRoute(new NavigationRoute(createHandlerBoundToURL("/"), {
  denylist: [/^\/api\//, /^\/receipts\//, /^\/r\//, /^\/r$/, /^\/blank$/],
}));
registerRoute(({ url }) => url.pathname === "/blank", createHandlerBoundToURL("/blank"));

// No skipWaiting on install: an update takes over only when the engineer asks (see sw-bridge.js).
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});
