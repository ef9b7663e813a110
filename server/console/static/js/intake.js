// Order intake while the customer is on the phone: find a returning customer by phone or name (their
// appliances and past orders), take the report with the customer's window, save a draft when facts are
// missing (flagged), warn of an open order for the same appliance; the form clears once saved.
import { get, post } from "./api.js";
import { dateTime, h, label, replace, toast } from "./html.js";
import { issueText, t } from "./i18n.js";

let chosen = null; // { customer, units, orders }: the returning customer picked from the lookup

function mark(form, issues) {
  for (const input of form.querySelectorAll("[name]")) input.classList.remove("invalid", "warning");
  for (const issue of issues) {
    const name = issue.field.replace(/^customer\.phones.*/, "contact_phone").replace(/^service_address$/, "customer.address")
      .replace(/^customer_id$/, "customer.name").replace(/^unit_id$/, "unit.model");
    const input = form.querySelector(`[name="${name}"]`);
    if (input) input.classList.add(issue.severity === "warning" ? "warning" : "invalid");
  }
}

// "2026-12-04" + "09:30" in the service centre's zone, as an ISO time with its offset.
function centreTime(day, hhmm) {
  const zone = document.body.dataset.zone || "UTC";
  const guess = new Date(`${day}T${hhmm}:00Z`);
  const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(guess).find((p) => p.type === "timeZoneName").value;
  const offset = part === "GMT" ? "+00:00" : part.replace("GMT", "");
  return `${day}T${hhmm}:00${offset}`;
}

function pickedUnit(form) {
  const radio = form.querySelector("input[name=known_unit]:checked");
  return radio && radio.value !== "new" ? radio.value : null;
}

function body(form, extra = {}) {
  const v = (name) => form.elements[name].value.trim();
  const data = {
    symptom: v("symptom"), customer_requests: v("customer_requests"), contact_phone: v("contact_phone"), priority: v("priority"),
    ...extra,
  };
  if (chosen) data.customer_id = chosen.customer.id;
  else data.customer = { name: v("customer.name"), phones: v("contact_phone") ? [v("contact_phone")] : [], address: v("customer.address") };
  if (chosen && v("customer.address") && v("customer.address") !== chosen.customer.address) data.service_address = v("customer.address");
  const unitId = pickedUnit(form);
  if (unitId) data.unit_id = unitId;
  else data.unit = { category: v("unit.category"), brand: v("unit.brand"), model: v("unit.model"), serial: v("unit.serial"),
    purchase_date: v("unit.purchase_date") || null };
  if (v("window.day") && v("window.from")) data.requested_window_start = centreTime(v("window.day"), v("window.from"));
  if (v("window.day") && v("window.to")) data.requested_window_end = centreTime(v("window.day"), v("window.to"));
  if (v("assignee_id")) data.assignee_id = Number(v("assignee_id"));
  return data;
}

function orderLink(id, number) {
  return h("a", { class: "order-link", href: `/console/orders/${encodeURIComponent(id)}` }, number);
}

// The new appliance's fields only while no known appliance is picked.
function showNewUnit(form) {
  document.getElementById("new-unit").hidden = pickedUnit(form) !== null;
}

function clearForm(form) {
  form.reset();
  document.getElementById("new-unit").hidden = false;
  chosen = null;
  replace(document.getElementById("lookup-results"));
  replace(document.getElementById("known-units"));
  for (const input of form.querySelectorAll("[name]")) input.classList.remove("invalid", "warning");
}

async function send(form, extra = {}) {
  const box = document.getElementById("intake-issues");
  try {
    const order = await post("/api/orders", body(form, extra));
    const warnings = order.intake_issues || [];
    const draft = order.flag_reason === "intake_draft";
    clearForm(form);
    replace(box, h("p", { class: "ok-text" }, t(draft ? "intake.draft_saved" : "intake.created_link"), " ", orderLink(order.id, order.number)),
      warnings.length ? [h("p", {}, t(draft ? "intake.draft_missing" : "intake.warnings")),
        h("ul", {}, warnings.map((i) => h("li", { class: i.severity }, issueText(i))))] : null);
    toast(t("intake.created", { number: order.number }));
  } catch (e) {
    if (e.code === "duplicate_open_order" && e.details) {
      replace(box, h("p", { class: "form-error" }, t("intake.duplicate"), " ", orderLink(e.details.order_id, e.details.number)),
        h("button", { type: "button", class: "button", id: "intake-duplicate",
          onclick: () => send(form, { ...extra, confirm_duplicate: true }) }, t("intake.create_anyway")));
      return;
    }
    const issues = (e.details && e.details.intake_issues) || (e.field ? [{ field: e.field, code: e.code, severity: "error" }] : []);
    mark(form, issues);
    const canDraft = e.details && e.details.intake_issues && !extra.draft;
    replace(box, h("p", { class: "form-error" }, t("intake.refused")),
      h("ul", {}, issues.length ? issues.map((i) => h("li", { class: i.severity }, issueText(i))) : h("li", {}, e.message)),
      canDraft ? h("button", { type: "button", class: "button", id: "intake-draft",
        onclick: () => send(form, { ...extra, draft: true }) }, t("intake.save_draft")) : null);
  }
}

async function choose(customer) {
  const [detail, orders] = await Promise.all([get(`/api/customers/${encodeURIComponent(customer.id)}`),
    get(`/api/orders?customer=${encodeURIComponent(customer.id)}&per_page=10`)]);
  chosen = { customer: detail, orders: orders.items };
  const form = document.getElementById("intake-form");
  form.elements["customer.name"].value = detail.name;
  form.elements.contact_phone.value = detail.phones[0] || "";
  form.elements["customer.address"].value = detail.address || "";
  replace(document.getElementById("lookup-results"),
    h("div", { class: "lookup-chosen" },
      h("p", {}, h("strong", {}, detail.name), " · ",
        detail.phones.map((p) => h("a", { class: "tel", href: `tel:${p.replace(/[^\d+#]/g, "")}` }, p)), " · ", detail.address),
      h("h3", {}, t("intake.past_orders")),
      chosen.orders.length ? h("ul", { class: "plain past-orders" }, chosen.orders.map((o) => h("li", {},
        orderLink(o.id, o.number), ` · ${label("cat", o.category)} ${o.brand} ${o.model} · ${label("status", o.status)} · ${dateTime(o.reported_at)}`)))
        : h("p", { class: "muted" }, t("intake.no_past_orders"))));
  replace(document.getElementById("known-units"),
    h("legend", {}, t("intake.which_unit")),
    detail.units.map((u, i) => h("label", { class: "radio" },
      h("input", { type: "radio", name: "known_unit", value: u.id, checked: i === 0 }),
      ` ${label("cat", u.category)} · ${u.brand} ${u.model}${u.serial ? ` · ${u.serial}` : ""}`)),
    h("label", { class: "radio" }, h("input", { type: "radio", name: "known_unit", value: "new", checked: !detail.units.length }),
      ` ${t("intake.new_unit")}`));
  showNewUnit(form);
}

async function lookup(event) {
  event.preventDefault();
  const raw = document.getElementById("lookup-q").value.trim();
  if (!raw) return;
  // Typed as dialled (spaces, dashes): searched as the digits the customer file holds.
  const q = /^[\d\s\-+()]+$/.test(raw) ? raw.replace(/[^\d]/g, "").replace(/^86(?=1\d{10}$)/, "") : raw;
  const found = await get(`/api/customers?q=${encodeURIComponent(q)}&per_page=10`);
  replace(document.getElementById("lookup-results"), found.length
    ? h("ul", { class: "plain lookup-list" }, found.map((c) => h("li", {},
      h("button", { type: "button", class: "button small", dataset: { customerId: c.id }, onclick: () => choose(c) },
        `${c.name} · ${c.phones.join(", ")}`), ` ${c.address}`)))
    : h("p", { class: "muted" }, t("intake.no_customer")));
}

export async function refresh() {}

export async function mount() {
  const form = document.getElementById("intake-form");
  form.addEventListener("submit", (event) => { event.preventDefault(); send(form); });
  document.getElementById("lookup-form").addEventListener("submit", lookup);
  form.addEventListener("change", (event) => { if (event.target.name === "known_unit") showNewUnit(form); });
  const people = await get("/api/dispatch/people");
  replace(document.getElementById("intake-assignee"), h("option", { value: "", dataset: { i18n: "intake.nobody" } }, t("intake.nobody")),
    people.filter((p) => p.role === "engineer").map((p) => h("option", { value: p.id }, p.name)));
}
