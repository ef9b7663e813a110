// Phones and lost-phone protection: every device with its last sync, revoking one (with a fresh
// password when the sign-in is old), the work revoked phones handed over, and the audit log.
import { ApiError, get, post } from "./api.js";
import { ago, dateTime, h, replace, toast } from "./html.js";
import { currentLang, has, t as baseT } from "./i18n.js";

const WORDS = {
  en: {
    "nav.devices": "Phones", "devices.title": "Phones", "devices.owner": "Engineer", "devices.device": "Phone",
    "devices.last_sync": "Last sync", "devices.state": "State", "devices.quarantined": "Quarantined",
    "devices.active": "Active", "devices.revoked": "Revoked {time}", "devices.revoke": "Revoke",
    "quarantine.title": "Quarantined work",
    "quarantine.hint": "Unsynced changes handed over by revoked phones. They were not applied: redo what is right by hand, then mark each reviewed.",
    "quarantine.none": "Nothing waiting for review.", "quarantine.note": "What was done about it",
    "quarantine.picture": "The picture the phone handed over",
    "quarantine.review": "Mark reviewed", "quarantine.received": "Handed over {time}", "quarantine.done": "Marked reviewed",
    "audit.title": "Audit log",
    "revoke.title": "Revoke {name}", "revoke.reason": "Reason", "revoke.all_sessions": "Also sign this engineer out everywhere",
    "revoke.password": "Your password, to confirm", "revoke.submit": "Revoke", "revoke.done": "{name} revoked",
    "revoke.explain": "The phone stops syncing at once. When it next connects it hands over its unsynced work for review and erases its data.",
    "revoke.confirm": "Enter your password to confirm.",
  },
  "zh-CN": {
    "nav.devices": "手机设备", "devices.title": "手机设备", "devices.owner": "工程师", "devices.device": "手机",
    "devices.last_sync": "最近同步", "devices.state": "状态", "devices.quarantined": "隔离的更改",
    "devices.active": "正常", "devices.revoked": "已吊销 {time}", "devices.revoke": "吊销",
    "quarantine.title": "隔离的更改",
    "quarantine.hint": "被吊销手机提交的未同步更改，均未生效：请人工重做需要的部分，再逐条标记已审核。",
    "quarantine.none": "没有待审核的更改。", "quarantine.note": "处理说明", "quarantine.review": "标记已审核",
    "quarantine.picture": "手机提交的图片",
    "quarantine.received": "提交于 {time}", "quarantine.done": "已标记审核",
    "audit.title": "审计日志",
    "revoke.title": "吊销 {name}", "revoke.reason": "原因", "revoke.all_sessions": "同时让该工程师在所有设备上退出登录",
    "revoke.password": "请输入您的密码确认", "revoke.submit": "吊销", "revoke.done": "已吊销 {name}",
    "revoke.explain": "该手机立即停止同步。下次联网时，它会提交未同步的更改供审核，并清除手机上的数据。",
    "revoke.confirm": "请输入密码确认。",
  },
};

function t(key, params = {}) {
  const mine = (WORDS[currentLang()] || WORDS.en)[key] ?? WORDS.en[key];
  if (mine === undefined || has(key)) return baseT(key, params);
  return mine.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** The console's translator knows none of these words yet: label them here. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) if (!has(el.dataset.i18n)) el.textContent = t(el.dataset.i18n);
}

let current = null;
let numbers = {};

const orderOf = (q) => (q.entity === "order" ? q.entity_id : q.payload?.fields?.order_id) || null;

function deviceRow(d) {
  const revoked = Boolean(d.revoked_at);
  return h("tr", { dataset: { deviceId: d.id }, class: revoked ? "revoked" : "" },
    h("td", {}, d.user_display_name || d.username),
    h("td", {}, h("div", {}, d.name || "—"), h("div", { class: "muted small" }, `${d.id.slice(0, 8)} · ${d.receipt_prefix}`)),
    h("td", {}, d.last_sync_at ? h("span", { title: dateTime(d.last_sync_at) }, ago(d.last_sync_at)) : baseT("common.never")),
    h("td", {}, revoked ? t("devices.revoked", { time: dateTime(d.revoked_at) }) : t("devices.active")),
    h("td", { class: "num" }, d.quarantined ? String(d.quarantined) : ""),
    h("td", {}, revoked ? null : h("button", { type: "button", class: "button danger", dataset: { revoke: d.id },
      onclick: () => openRevoke(d) }, t("devices.revoke"))));
}

/** A quarantined photo or signature with the bytes its phone handed over: the picture itself. */
function picture(q) {
  const fields = q.payload?.fields || {};
  const sha = q.entity === "photo" ? fields.sha256 : q.entity === "signature" ? fields.image_sha256 : null;
  if (!/^[0-9a-f]{64}$/.test(sha || "")) return null;
  const img = h("img", { class: "quarantine-picture", src: `/api/blobs/${sha}`, alt: t("quarantine.picture"), loading: "lazy" });
  img.style.maxWidth = "240px";  // through the CSSOM, as above
  img.style.display = "block";
  img.addEventListener("error", () => img.remove());  // bytes never handed over: the fields say what it was
  return img;
}

function quarantineCard(q) {
  const note = h("input", { maxlength: "2000", placeholder: t("quarantine.note"), "aria-label": t("quarantine.note") });
  const order = orderOf(q);
  const card = h("article", { class: "panel quarantined", dataset: { quarantineId: String(q.id) } },
    h("header", { class: "conflict-head" }, h("strong", {}, q.username || q.user_id),
      h("span", { class: "field-name" }, order && numbers[order] ? `${numbers[order]} · ${q.entity}` : `${q.entity || "?"} ${q.entity_id || ""}`),
      h("span", { class: "muted small" }, `#${q.mutation_number ?? "?"} · ${t("quarantine.received", { time: dateTime(q.received_at) })}`)),
    h("pre", { class: "payload" }, JSON.stringify(q.payload.fields ?? q.payload, null, 2)),
    picture(q),
    h("div", { class: "dialog-actions" }, note, h("button", { type: "button", class: "button", onclick: async () => {
      if (!note.value.trim()) { note.focus(); return; }
      try {
        await post(`/api/admin/quarantine/${q.id}/review`, { note: note.value.trim() });
        toast(t("quarantine.done"));
        await refresh();
      } catch (e) { toast(e.message, "error"); }
    } }, t("quarantine.review"))));
  card.style.padding = "12px 14px";  // through the CSSOM: the CSP allows no inline style attributes
  card.style.marginBottom = "10px";
  return card;
}

function auditRow(e) {
  const details = Object.entries(e.details || {}).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
  return h("tr", { dataset: { action: e.action } }, h("td", { class: "muted small" }, dateTime(e.at)), h("td", {}, e.action),
    h("td", {}, e.actor || "—"), h("td", {}, e.target_type ? `${e.target_type} ${e.target_id}` : ""),
    h("td", { class: "muted small" }, details), h("td", { class: "muted small" }, e.ip || ""));
}

function openRevoke(device) {
  current = device;
  document.getElementById("revoke-title").textContent = t("revoke.title", { name: device.user_display_name || device.username });
  for (const id of ["revoke-reason", "revoke-password"]) document.getElementById(id).value = "";
  document.getElementById("revoke-all").checked = false;
  document.getElementById("revoke-error").textContent = "";
  document.getElementById("reauth-row").hidden = true;
  document.getElementById("revoke-dialog").showModal();
}

async function submitRevoke(event) {
  event.preventDefault();
  const error = document.getElementById("revoke-error");
  const password = document.getElementById("revoke-password");
  const body = { reason: document.getElementById("revoke-reason").value.trim(),
    end_all_sessions: document.getElementById("revoke-all").checked };
  try {
    if (!document.getElementById("reauth-row").hidden) {
      await post("/api/reauth/password", { password: password.value });
    }
    await post(`/api/admin/devices/${encodeURIComponent(current.id)}/revoke`, body);
  } catch (e) {
    if (e instanceof ApiError && e.code === "reauth_required") {
      document.getElementById("reauth-row").hidden = false;
      error.textContent = t("revoke.confirm");
      password.focus();
      return;
    }
    error.textContent = e.message;
    return;
  }
  document.getElementById("revoke-dialog").close();
  toast(t("revoke.done", { name: current.user_display_name || current.username }));
  await refresh();
}

export async function refresh() {
  translate();
  const [devices, quarantined] = await Promise.all([get("/api/admin/devices"), get("/api/admin/quarantine")]);
  const ids = [...new Set(quarantined.map(orderOf).filter(Boolean))];
  numbers = ids.length ? await post("/api/dispatch/order-numbers", { ids }) : {};
  replace(document.getElementById("devices"), devices.map(deviceRow));
  replace(document.getElementById("quarantine"), quarantined.map(quarantineCard));
  document.getElementById("quarantine-empty").hidden = quarantined.length > 0;
  if (document.body.dataset.role !== "admin") return; // the audit log is for admins: a dispatcher never asks
  try {
    const entries = await get("/api/admin/audit?limit=50");
    replace(document.getElementById("audit"), entries.map(auditRow));
    document.getElementById("audit-panel").hidden = false;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 403)) throw e; // a role taken away since the page loaded
  }
}

export function mount() {
  document.getElementById("revoke-form").addEventListener("submit", submitRevoke);
  document.getElementById("revoke-cancel").addEventListener("click", () => document.getElementById("revoke-dialog").close());
  return refresh();
}
