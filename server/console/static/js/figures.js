// Quality figures: the last 30 days as tiles, and week-by-week charts a dispatcher can read at a glance.
import { get } from "./api.js";
import { lineChart, stackedBars } from "./chart.js";
import { h, replace } from "./html.js";
import { currentLang, t } from "./i18n.js";

const COLORS = { quality: "#2563eb", attitude: "#0d9488", target: "#dc2626", onTime: "#7c3aed", fix: "#ea580c" };
const BREACH_COLORS = { contact: "#f59e0b", on_site: "#ef4444", complete: "#8b5cf6", follow_up: "#0ea5e9" };

const pct = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 100)}%`);
const score = (v) => (v === null || v === undefined ? "–" : v.toFixed(2));

function tile(value, title, sub, kind = "") {
  return h("div", { class: `stat ${kind}` }, h("div", { class: "stat-value" }, value),
    h("div", { class: "stat-label" }, title), sub ? h("div", { class: "stat-sub" }, sub) : null);
}

function weekLabel(week) {
  const d = new Date(`${week.start}T00:00:00`);
  return d.toLocaleDateString(currentLang(), { month: "numeric", day: "numeric" });
}

export async function refresh() {
  const [month, trend] = await Promise.all([get("/api/figures"), get("/api/dispatch/trends?weeks=8")]);
  const target = month.satisfaction_target;
  const meets = (m) => (m.mean === null ? "" : m.mean >= target ? "ok" : "danger");
  const breaches = Object.values(month.breaches).reduce((a, b) => a + b, 0);
  replace(document.getElementById("figure-stats"),
    tile(score(month.repair_quality.mean), t("fig.tile_quality"), t("fig.rated", { n: month.repair_quality.rated }), meets(month.repair_quality)),
    tile(score(month.service_attitude.mean), t("fig.tile_attitude"), t("fig.rated", { n: month.service_attitude.rated }), meets(month.service_attitude)),
    tile(pct(month.on_time_arrival.value), t("fig.tile_on_time"), `${month.on_time_arrival.numerator}/${month.on_time_arrival.denominator}`),
    tile(pct(month.first_visit_fix.value), t("fig.tile_fix"), `${month.first_visit_fix.numerator}/${month.first_visit_fix.denominator}`),
    tile(String(breaches), t("fig.tile_breaches"), "", breaches ? "danger" : "ok"),
    tile(`${month.follow_ups.open} / ${month.follow_ups.overdue}`, t("fig.tile_follow_ups"), "", month.follow_ups.overdue ? "warn" : ""));

  const weeks = trend.weeks;
  const labels = weeks.map(weekLabel);
  lineChart(document.getElementById("chart-satisfaction"), {
    labels, yMin: 1, yMax: 5, ticks: 4, format: (v) => v.toFixed(1),
    target: { value: target, name: t("fig.target", { value: target }), color: COLORS.target },
    series: [
      { name: t("fig.repair_quality"), color: COLORS.quality, values: weeks.map((w) => w.repair_quality.mean) },
      { name: t("fig.service_attitude"), color: COLORS.attitude, values: weeks.map((w) => w.service_attitude.mean) },
    ],
  });
  lineChart(document.getElementById("chart-rates"), {
    labels, yMin: 0, yMax: 1, ticks: 4, format: pct,
    series: [
      { name: t("fig.on_time"), color: COLORS.onTime, values: weeks.map((w) => w.on_time_arrival.value) },
      { name: t("fig.first_visit"), color: COLORS.fix, values: weeks.map((w) => w.first_visit_fix.value) },
    ],
  });
  stackedBars(document.getElementById("chart-breaches"), {
    labels,
    series: Object.entries(BREACH_COLORS).map(([kind, color]) => ({
      name: t(`breach.${kind}`), color, values: weeks.map((w) => w.breaches[kind] || 0),
    })),
  });
}

export function mount() {
  return refresh();
}
