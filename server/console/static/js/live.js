// Live updates by short polling: a cheap change stamp every few seconds, a reload of the page's data on change.
import { request } from "./api.js";
import { t } from "./i18n.js";
import { time } from "./html.js";

function showCounts(counts) {
  for (const badge of document.querySelectorAll("[data-count]")) {
    const n = counts[badge.dataset.count] || 0;
    badge.textContent = n ? String(n) : "";
    badge.hidden = !n;
  }
}

export function startLive(refresh, { interval = 3000 } = {}) {
  const badge = document.getElementById("live");
  const text = document.getElementById("live-text");
  let etag = null;
  let stopped = false;

  let shown = { state: null, at: null };
  function show(state, at = new Date().toISOString()) {
    if (!badge) return;
    shown = { state, at };
    badge.dataset.state = state;
    text.textContent = state === "on" ? t("live.on", { time: time(at) }) : t("live.off");
  }
  // Another language: the same state and time in its words, at once rather than at the next tick.
  document.addEventListener("langchange", () => { if (shown.state) show(shown.state, shown.at); });

  async function tick() {
    if (stopped) return;
    try {
      const headers = etag ? { "If-None-Match": etag } : {};
      const result = await request("GET", "/api/dispatch/stamp", undefined, headers);
      if (!result.notModified) {
        showCounts(result.counts || {});
        const changed = etag !== null && etag !== `"${result.stamp}"`;
        etag = `"${result.stamp}"`;
        if (changed) await refresh();
      }
      show("on");
    } catch {
      show("off");
    }
    setTimeout(tick, document.visibilityState === "visible" ? interval : interval * 5);
  }

  tick();
  return () => { stopped = true; };
}
