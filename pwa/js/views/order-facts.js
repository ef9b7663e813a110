// The facts an engineer checks on an order before and at the visit (domain.md step 4): the unit
// and its dates, warranty, the customer's requests, intake flags, the service-level deadline,
// the appointment's history; the address opens a map app and every phone number dials.
import { h, button, field, toast } from "../ui.js";
import { clockOf } from "./list.js";
import { scan } from "../scanner.js";

// The unit fields an engineer may correct on site, and the intake flags each correction settles.
export const CORRECTABLE = ["brand", "model", "serial", "purchase_date", "manufacture_date"];
const SETTLES = {
  brand: ["missing_brand"], model: ["missing_model"], serial: ["missing_serial"],
  purchase_date: ["missing_purchase_date", "purchase_date_in_future", "purchase_before_manufacture"],
  manufacture_date: ["manufacture_date_in_future", "purchase_before_manufacture"],
};

/** geo: for the phone's own map app, and the AMap and Baidu Maps URI APIs (web, open the app if installed). */
export function mapLinks(address, city = "") {
  const q = encodeURIComponent(address);
  return [
    { app: "geo", href: `geo:0,0?q=${q}` },
    { app: "amap", href: `https://uri.amap.com/search?keyword=${q}${city ? `&city=${encodeURIComponent(city)}` : ""}&src=onsite&callnative=1` },
    { app: "baidu", href: `https://api.map.baidu.com/geocoder?address=${q}&output=html&src=onsite` },
  ];
}

export const dialable = (phone) => String(phone).replace(/[^\d+#]/g, "").replace("#", ",");

/** The unit fields the engineer has corrected on this order (timeline "unit_corrected"). */
export function correctedFields(events) {
  return new Set(events.filter((e) => e.kind === "unit_corrected").flatMap((e) => Object.keys(e.data?.fields || {})));
}

/** Intake flags still open: one whose field the engineer corrected on site is settled by it. */
export function openIssues(order, events) {
  const corrected = correctedFields(events);
  return (order.intake_issues || []).map((issue) => {
    const settled = Object.entries(SETTLES).some(([name, codes]) => corrected.has(name) && codes.includes(issue.code));
    return { ...issue, settled };
  });
}

export function factsCard(view) {
  const { app, bundle } = view;
  const { t } = app;
  const { order, customer, unit } = bundle;
  const address = order.service_address || customer?.address || "";
  const phones = [...new Set([order.contact_phone, ...(customer?.phones || [])].filter(Boolean))];
  const w = unit ? view.warranty(order.cause) : null;
  const clock = clockOf(order, Date.now(), app.policy);
  const issues = openIssues(order, bundle.timeline_event);
  const changes = [...bundle.appointment_change].sort((a, b) => String(a.at).localeCompare(String(b.at)));
  const row = (label, value, testid) => [h("dt", null, label), h("dd", { "data-testid": testid }, value || "—")];
  return h("div", { class: "card order-facts-card", "data-testid": "order-facts" },
    h("h2", null, t("facts.title")),
    issues.length ? h("ul", { class: "plain intake-flags", "data-testid": "intake-flags" }, issues.map((i) =>
      h("li", { class: `intake-flag intake-flag--${i.settled ? "settled" : i.severity}`, "data-code": i.code },
        t(`intake.${i.code}`, {}, i.code), i.settled ? h("span", { class: "tag" }, t("facts.corrected")) : null))) : null,
    h("dl", { class: "facts-grid" },
      row(t("facts.brand"), unit?.brand, "unit-brand"),
      row(t("facts.model"), unit?.model, "unit-model"),
      row(t("facts.serial"), unit?.serial, "unit-serial"),
      row(t("facts.purchased"), unit?.purchase_date ? app.date(unit.purchase_date) : "", "unit-purchased"),
      row(t("facts.manufactured"), unit?.manufacture_date ? app.date(unit.manufacture_date) : "", "unit-manufactured"),
      row(t("facts.warranty"), w ? [t(w.inWarranty ? "warranty.in" : "warranty.out"), " · ",
        t(`warranty.reason.${w.reason}`, { expires: w.expiresOn ? app.date(w.expiresOn) : "" }, w.reason)] : "", "warranty-state"),
      row(t("facts.requests"), order.customer_requests, "customer-requests"),
      clock ? row(t(`facts.deadline.${clock.kind}`), [app.dateTime(new Date(clock.due).toISOString()),
        clock.overdue ? h("span", { class: "tag tag--bad" }, t("facts.overdue")) : null], "deadline") : null),
    unit ? button(t("facts.correct"), () => view.openCorrection(), "btn btn--block", { "data-testid": "correct-unit" }) : null,
    address ? h("div", { class: "map-links", "data-testid": "map-links" }, h("span", { class: "muted" }, t("facts.navigate")),
      mapLinks(address, customer?.city).map((l) => h("a", { class: "btn btn--small", href: l.href, "data-app": l.app,
        target: l.app === "geo" ? null : "_blank", rel: "noopener" }, t(`facts.map.${l.app}`)))) : null,
    phones.length > 1 ? h("div", { class: "phones" }, phones.map((p) => h("a", { class: "btn btn--small", href: `tel:${dialable(p)}`,
      "data-testid": "dial" }, "☎ ", p))) : null,
    changes.length ? h("details", { class: "appointment-history", "data-testid": "appointment-history" },
      h("summary", null, t("facts.history", { n: changes.length })),
      h("ul", { class: "plain" }, changes.map((c) => h("li", null, app.dateTime(c.at), " · ", t(`appointment.kind.${c.kind}`, {}, c.kind),
        c.new_start ? [" → ", app.dateTime(c.new_start)] : null, c.reason ? [" · ", c.reason] : null,
        c.customer_agreed === false ? [" · ", t("appointment.refused")] : null)))) : null);
}

/** The on-site correction of the unit: one synced edit of the unit and a timeline record of it. */
export function correctionSheet(view) {
  const { app, bundle } = view;
  const { t } = app;
  const { unit, order } = bundle;
  const inputs = Object.fromEntries(CORRECTABLE.map((name) => [name, h("input", {
    name, type: name.endsWith("_date") ? "date" : "text", value: unit[name] || "", autocomplete: "off" })]));
  const save = async () => {
    const fields = {};
    for (const [name, input] of Object.entries(inputs)) {
      const value = name.endsWith("_date") ? input.value || null : input.value.trim();
      if ((unit[name] || (name.endsWith("_date") ? null : "")) !== value) fields[name] = value;
    }
    if (!Object.keys(fields).length) { toast(t("facts.nothing_changed"), "error"); return; }
    view.sheet = null;
    const { outbox } = app;
    await view.act([await outbox.updateMut("unit", unit.id, fields, order.id),
      await outbox.event(order.id, "unit_corrected", { fields, before: Object.fromEntries(Object.keys(fields).map((k) => [k, unit[k] ?? null])) })]);
  };
  return { body: h("div", { class: "card", "data-testid": "correction" }, h("h2", null, t("facts.correct")),
    scanBox(app, inputs),
    ...CORRECTABLE.map((name) => field(t(`facts.${name === "purchase_date" ? "purchased" : name === "manufacture_date" ? "manufactured" : name}`), inputs[name]))),
  actions: [button(t("common.cancel"), () => { view.sheet = null; view.draw(); }, "btn"),
    button(t("facts.save"), save, "btn btn--primary", { "data-testid": "save-correction" })], inputs };
}

/** Photograph the nameplate: each code read is offered for the model or the serial field; the
 * engineer checks it and saves (nothing is saved by the scan alone). */
function scanBox(app, inputs) {
  const { t } = app;
  const results = h("div", { class: "scan-results", "data-testid": "scan-results", "aria-live": "polite" });
  const file = h("input", { type: "file", accept: "image/*", capture: "environment", name: "nameplate", class: "visually-hidden",
    id: "nameplate-photo" });
  file.addEventListener("change", async () => {
    const picked = file.files?.[0];
    if (!picked) return;
    results.replaceChildren(h("p", { class: "muted" }, t("scan.reading")));
    let codes;
    try { codes = await scan(picked); } catch { codes = []; }
    file.value = "";
    if (!codes.length) { results.replaceChildren(h("p", { class: "notice notice--warn" }, t("scan.none"))); return; }
    // The longest code fills the serial at once (nameplate serials are the long ones); every code
    // can go to either field with one tap.
    inputs.serial.value = codes[0].text;
    results.replaceChildren(h("p", null, t("scan.check")), ...codes.map((c) => h("div", { class: "scan-code", "data-code": c.text },
      h("code", null, c.text),
      button(t("scan.to_model"), () => { inputs.model.value = c.text; }, "btn btn--small", { "data-field": "model" }),
      button(t("scan.to_serial"), () => { inputs.serial.value = c.text; }, "btn btn--small", { "data-field": "serial" }))));
  });
  return h("div", { class: "scan" }, file,
    h("label", { class: "btn btn--block", for: "nameplate-photo", "data-testid": "scan-nameplate" }, "▦ ", t("scan.open")), results);
}
