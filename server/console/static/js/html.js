// Building DOM nodes without innerHTML, and the console's ways of showing times and durations.
import { currentLang, t } from "./i18n.js";

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

// Times are shown in the service centre's zone (the server's), whatever the desk computer is set to.
const zone = () => document.body.dataset.zone || undefined;

// Formatters are made once per language and zone: making one per call (toLocaleString) costs more
// than the rest of a board card together.
const formatters = new Map();
function formatter(kind, options) {
  const key = `${kind}|${currentLang()}|${zone()}`;
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.DateTimeFormat(currentLang(), { ...options, hourCycle: "h23", timeZone: zone() }));
  }
  return formatters.get(key);
}

export function time(iso) {
  if (!iso) return "";
  return formatter("time", { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

export function dateTime(iso) {
  if (!iso) return "";
  return formatter("dateTime", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

// "10h 37m" / "10 小时 37 分", "2d 6h" / "2 天 6 小时".
export function duration(ms) {
  const zh = currentLang() === "zh-CN";
  const minutes = Math.max(0, Math.round(Math.abs(ms) / 60000));
  if (minutes < 60) return zh ? `${minutes} 分钟` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return zh ? `${hours} 小时 ${minutes % 60} 分` : `${hours}h ${String(minutes % 60).padStart(2, "0")}m`;
  return zh ? `${Math.floor(hours / 24)} 天 ${hours % 24} 小时` : `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function ago(iso, now = Date.now()) {
  if (!iso) return t("common.never");
  const minutes = Math.floor((now - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return t("ago.now");
  if (minutes < 60) return t("ago.min", { n: minutes });
  if (minutes < 48 * 60) return t("ago.hour", { n: Math.floor(minutes / 60) });
  return t("ago.day", { n: Math.floor(minutes / 1440) });
}

export function toast(message, kind = "ok") {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 4000);
}

export function label(prefix, value) {
  return t(`${prefix}.${value}`);
}

// A phone number the desk can click to call.
export function tel(phone) {
  return h("a", { href: `tel:${phone.replace(/[^\d+#]/g, "")}`, class: "tel" }, phone);
}
