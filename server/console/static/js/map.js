// The map of the day: each engineer's start and visits in their colour, the route between them, the
// unassigned orders in grey. Markers and routes are drawn without tiles: a tile source is optional
// (MAP_TILE_URL), and the map still shows everything when no tile can be reached.
import * as L from "../vendor/leaflet.js";
import { get, newestOnly } from "./api.js";
import { h, label, replace, time } from "./html.js";
import { t } from "./i18n.js";

const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4d7c0f",
  "#7c3aed", "#b45309"];
const UNASSIGNED = "#64748b";
const state = { day: "", map: null, layer: null, fitted: false };

const point = (where) => (where && Number.isFinite(where.lat) && Number.isFinite(where.lng) ? [where.lat, where.lng] : null);

function pin(kind, colour, text) {
  const body = h("span", { class: `map-pin map-pin-${kind}` }, text);
  body.style.background = colour;
  return L.divIcon({ className: "map-icon", html: body, iconSize: kind === "home" ? [30, 30] : [24, 24], iconAnchor: kind === "home" ? [15, 15] : [12, 12] });
}

function setUp() {
  const el = document.getElementById("map");
  state.map = L.map(el, { zoomSnap: 0.5, attributionControl: true }).setView([36.07, 120.38], 11);
  const tiles = el.dataset.tiles;
  const note = document.getElementById("map-note");
  if (tiles) {
    L.tileLayer(tiles, { attribution: el.dataset.attribution || "", maxZoom: 19 }).addTo(state.map);
  } else {
    el.classList.add("no-tiles");
    note.hidden = false;
    note.textContent = t("map.no_tiles");
  }
  state.layer = L.layerGroup().addTo(state.map);
}

function visitsOf(engineer, board) {
  const start = new Date(board.day_start).getTime();
  const end = new Date(board.day_end).getTime();
  return engineer.orders.filter((o) => {
    const at = o.appointment_start ? new Date(o.appointment_start).getTime() : NaN;
    return at >= start && at < end;
  });
}

function orderTitle(o) {
  return [o.number, o.customer_name, o.appointment_start ? time(o.appointment_start) : "", label("cat", o.category)]
    .filter(Boolean).join(" · ");
}

function draw(board) {
  state.layer.clearLayers();
  const bounds = [];
  const items = [];
  board.engineers.forEach((engineer, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const home = point(engineer.home_location);
    const route = [];
    if (home) {
      const title = t("map.engineer_home", { name: engineer.name, district: engineer.home_district || "" });
      L.marker(home, { icon: pin("home", colour, engineer.name.slice(0, 1)), title, alt: title, keyboard: true })
        .bindTooltip(title).addTo(state.layer).getElement()?.setAttribute("data-engineer-id", engineer.id);
      route.push(home);
      bounds.push(home);
    }
    const visits = visitsOf(engineer, board);
    visits.forEach((o, n) => {
      const at = point(o.location);
      items.push(listItem(o, colour, engineer.name, at));
      if (!at) return;
      const title = orderTitle(o);
      const marker = L.marker(at, { icon: pin("order", colour, String(n + 1)), title, alt: title, keyboard: true })
        .bindTooltip(title).addTo(state.layer);
      marker.getElement()?.setAttribute("data-order-id", o.id);
      route.push(at);
      bounds.push(at);
    });
    if (route.length > 1) L.polyline(route, { color: colour, weight: 3, opacity: 0.7, dashArray: "6 6" }).addTo(state.layer);
  });
  for (const o of board.unassigned) {
    const at = point(o.location);
    items.push(listItem(o, UNASSIGNED, t("map.unassigned"), at));
    if (!at) continue;
    const title = `${orderTitle(o)} · ${t("map.unassigned")}`;
    const marker = L.marker(at, { icon: pin("order", UNASSIGNED, "?"), title, alt: title, keyboard: true })
      .bindTooltip(title).addTo(state.layer);
    marker.getElement()?.setAttribute("data-order-id", o.id);
    bounds.push(at);
  }
  if (bounds.length && !state.fitted) {
    state.map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
    state.fitted = true;
  }
  document.getElementById("map-count").textContent = String(items.length);
  replace(document.getElementById("map-list"), items);
}

function listItem(o, colour, who, at) {
  const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
  swatch.style.background = colour;
  return h("li", { dataset: { orderId: o.id, placed: at ? "yes" : "no" } }, swatch,
    h("a", { href: `/console/orders/${encodeURIComponent(o.id)}` }, o.number), " ",
    h("span", {}, [who, o.appointment_start ? time(o.appointment_start) : "", o.district || ""].filter(Boolean).join(" · ")),
    at ? null : h("span", { class: "muted small" }, ` (${t("map.no_position")})`));
}

const loads = newestOnly();

export async function refresh() {
  const current = loads();
  const board = await get(`/api/dispatch/board${state.day ? `?day=${state.day}` : ""}`);
  if (!current()) return;
  const picker = document.getElementById("map-day");
  if (picker && !picker.value) picker.value = board.day;
  draw(board);
  document.body.dataset.mapReady = "true";
}

export function mount() {
  setUp();
  document.getElementById("map-day").addEventListener("change", (e) => { state.day = e.target.value; state.fitted = false; refresh(); });
  return refresh();
}
