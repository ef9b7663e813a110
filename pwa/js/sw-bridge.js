// The only module that touches navigator.serviceWorker: registration, the "update ready" signal,
// taking the update when the engineer asks, and messages from the worker (sync on push, open).

const listeners = { update: [], message: [] };
let waiting = null;

export function on(kind, fn) { listeners[kind].push(fn); }
const emit = (kind, value) => listeners[kind].forEach((fn) => fn(value));

export async function register() {
  if (!("serviceWorker" in navigator)) return null;
  navigator.serviceWorker.addEventListener("message", (event) => emit("message", event.data || {}));
  let reloading = false;
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // The first install claims nothing; only an update the engineer accepted reloads the page.
    if (!hadController || reloading) return;
    reloading = true;
    location.reload();
  });
  const registration = await navigator.serviceWorker.register("/service-worker.js", { scope: "/" });
  const announce = (worker) => {
    waiting = worker;
    emit("update", worker);
  };
  if (registration.waiting && navigator.serviceWorker.controller) announce(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) announce(worker);
    });
  });
  return registration;
}

/** The engineer chose to update: the waiting worker takes over and the page reloads. */
export function applyUpdate() {
  if (waiting) waiting.postMessage({ type: "SKIP_WAITING" });
}

export async function checkForUpdate() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.getRegistration();
  if (registration) await registration.update().catch(() => {});
}

export async function ready() {
  if (!("serviceWorker" in navigator)) return false;
  await navigator.serviceWorker.ready;
  return true;
}

/** The service worker registration (for Web Push subscriptions), or null where there is none. */
export async function registration() {
  if (!("serviceWorker" in navigator)) return null;
  return (await navigator.serviceWorker.getRegistration()) || null;
}
