// Words, money and dates: Simplified Chinese and English (from the browser, switchable), money
// in CNY by default (configurable), dates in the local format through Intl.
import * as db from "./db.js";
import { strings as formStrings } from "../forms/strings.js";
import { en, zh } from "./messages.js";
import { policyOf } from "./orders.js";

const DICTS = { en: { ...formStrings.en, ...en }, "zh-CN": { ...formStrings["zh-CN"], ...zh } };
export const LANGUAGES = [{ code: "zh-CN", label: "中文" }, { code: "en", label: "English" }];

export function pickLanguage(preferred = navigator.languages || [navigator.language]) {
  for (const tag of preferred) {
    if (/^zh/i.test(tag)) return "zh-CN";
    if (/^en/i.test(tag)) return "en";
  }
  return "zh-CN";
}

const humanize = (code) => (code ? code.charAt(0).toUpperCase() + code.slice(1).replace(/_/g, " ") : "");

function fill(text, params) {
  return params ? text.replace(/\{(\w+)\}/g, (m, name) => (params[name] !== undefined ? String(params[name]) : m)) : text;
}

export async function init(app) {
  app.lang = (await db.getMeta("lang")) || pickLanguage();
  app.currency = (await db.getMeta("currency")) || "CNY";
  app.policy = policyOf(await db.allOf("service_policy")).values;
}

/** The language-bound helpers the views use, reading app.lang/app.currency at call time. */
export function bind(app) {
  const fmt = (options) => new Intl.DateTimeFormat(app.lang, options);
  return {
    languages: LANGUAGES,
    t(key, params, fallback) {
      const text = DICTS[app.lang]?.[key] ?? DICTS.en[key];
      return fill(text ?? fallback ?? key, params);
    },
    money(fen) {
      return new Intl.NumberFormat(app.lang, { style: "currency", currency: app.currency }).format((fen || 0) / 100);
    },
    dateTime: (iso) => fmt({ dateStyle: "medium", timeStyle: "short" }).format(new Date(iso)),
    date: (iso) => fmt({ dateStyle: "medium" }).format(new Date(iso.length === 10 ? `${iso}T12:00:00` : iso)),
    dateLong: (d) => fmt({ weekday: "long", month: "long", day: "numeric" }).format(d),
    time: (iso) => fmt({ hour: "2-digit", minute: "2-digit" }).format(new Date(iso)),
    clock: (iso) => fmt({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso)),
    day: (iso) => fmt({ month: "short", day: "numeric" }).format(new Date(iso)),
    /** The phone's local calendar date of a moment, YYYY-MM-DD. */
    localDate: (iso) => new Date(iso).toLocaleDateString("en-CA"),
    /** Today, tomorrow, yesterday, or the date (with its weekday when long), in the phone's time zone. */
    relativeDay(iso, { long = false, now = new Date() } = {}) {
      const day = (d) => d.toLocaleDateString("en-CA");
      const offset = (n) => { const d = new Date(now); d.setDate(d.getDate() + n); return day(d); };
      const target = day(new Date(iso));
      const named = { [offset(0)]: "day.today", [offset(1)]: "day.tomorrow", [offset(-1)]: "day.yesterday" }[target];
      if (named) return app.t(named);
      return fmt(long ? { weekday: "short", month: "short", day: "numeric" } : { month: "short", day: "numeric" }).format(new Date(iso));
    },
    duration(minutes) {
      const h = Math.floor(minutes / 60);
      const m = minutes % 60;
      return h ? fill(app.t("time.hm"), { h, m }) : fill(app.t("time.m"), { m });
    },
    partName: (part) => (part ? (app.lang === "zh-CN" && part.name_zh ? part.name_zh : part.name) : ""),
    jobName: (code) => app.t(`job.${code}`, {}, humanize(code)),
    /** What a charge line is for, in words: the job, or the part's name from the catalogue. */
    lineLabel(line, parts = []) {
      if (line.kind === "labour") return app.jobName(line.code);
      if (line.kind === "part" || line.kind === "trade_in") {
        return app.partName(parts.find((p) => p.code === line.code)) || line.code;
      }
      return "";
    },
    /** A server refusal in words, with statuses named as the engineer knows them. */
    reasonText(m) {
      const params = { ...(m.params || {}) };
      for (const key of ["current", "target"]) if (params[key]) params[key] = app.t(`status.${params[key]}`);
      return app.t(`reason.${m.reason}`, params, m.reason);
    },
    async setLanguage(code) { app.lang = code; await db.setMeta("lang", code); app.render(); },
    async setCurrency(code) { app.currency = code; await db.setMeta("currency", code); app.render(); },
  };
}
