// Page side of Web Push: ask the engineer, subscribe this browser with the server's VAPID key, and
// hand the subscription to the server. Takes the service worker registration from sw-bridge.js and
// the api.js functions, so it touches neither navigator.serviceWorker nor fetch itself.

function keyBytes(base64url) {
  const padded = base64url.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function sameKey(subscription, publicKey) {
  const current = subscription.options && subscription.options.applicationServerKey;
  if (!current) return false;
  const mine = keyBytes(publicKey);
  const theirs = new Uint8Array(current);
  return mine.length === theirs.length && mine.every((b, i) => b === theirs[i]);
}

export function pushSupported() {
  return typeof window !== "undefined" && "PushManager" in window && "Notification" in window;
}

/** Current state: "unsupported" | "denied" | "off" | "on". */
export async function pushState(registration) {
  if (!pushSupported() || !registration) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  const subscription = await registration.pushManager.getSubscription();
  return subscription && Notification.permission === "granted" ? "on" : "off";
}

/** The engineer allowed notifications: subscribe (renewing a subscription made with an old key). */
export async function enablePush(registration, { get, post }, locale = navigator.language) {
  if (!pushSupported() || !registration) return "unsupported";
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return permission === "denied" ? "denied" : "off";
  const { public_key: publicKey } = await get("/api/push/vapid-public-key");
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameKey(subscription, publicKey)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription = subscription || await registration.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: keyBytes(publicKey),
  });
  await post("/api/push/subscriptions", { ...subscription.toJSON(), locale });
  return "on";
}

export async function disablePush(registration, { post }) {
  const subscription = registration && await registration.pushManager.getSubscription();
  if (!subscription) return "off";
  await post("/api/push/unsubscribe", { endpoint: subscription.endpoint }).catch(() => {});
  await subscription.unsubscribe();
  return "off";
}
