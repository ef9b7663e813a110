// The harness's service worker: precaches the page and the files the forms load, as the app shell's does.
const CACHE = "forms-harness-v1";
const FILES = ["/", "/harness.js", "/forms.css", "/harness.css", "/dist/vendor/browser-image-compression.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  event.respondWith(caches.match(event.request, { ignoreSearch: true }).then((hit) => hit || fetch(event.request)));
});
