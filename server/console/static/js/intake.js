// Order intake: the report as the customer gave it; the server's completeness check flags what is missing.
import { get, post } from "./api.js";
import { h, replace, toast } from "./html.js";
import { issueText, t } from "./i18n.js";

function mark(form, issues) {
  for (const input of form.querySelectorAll("[name]")) input.classList.remove("invalid", "warning");
  for (const issue of issues) {
    const name = issue.field.replace(/^customer\.phones.*/, "contact_phone").replace(/^service_address$/, "customer.address");
    const input = form.querySelector(`[name="${name}"]`);
    if (input) input.classList.add(issue.severity === "warning" ? "warning" : "invalid");
  }
}

function body(form) {
  const v = (name) => form.elements[name].value.trim();
  const data = {
    customer: { name: v("customer.name"), phones: v("contact_phone") ? [v("contact_phone")] : [], address: v("customer.address") },
    unit: { category: v("unit.category"), brand: v("unit.brand"), model: v("unit.model"), serial: v("unit.serial"),
      purchase_date: v("unit.purchase_date") || null },
    symptom: v("symptom"), customer_requests: v("customer_requests"), contact_phone: v("contact_phone"), priority: v("priority"),
  };
  if (v("assignee_id")) data.assignee_id = Number(v("assignee_id"));
  return data;
}

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  const box = document.getElementById("intake-issues");
  try {
    const order = await post("/api/orders", body(form));
    const warnings = order.intake_issues || [];
    mark(form, warnings);
    replace(box, h("p", { class: "ok-text" }, t("intake.created", { number: order.number })),
      warnings.length ? [h("p", {}, t("intake.warnings")), h("ul", {}, warnings.map((i) => h("li", {}, issueText(i))))] : null);
    toast(t("intake.created", { number: order.number }));
    if (!warnings.length) form.reset();
  } catch (e) {
    const issues = (e.details && e.details.intake_issues) || (e.field ? [{ field: e.field, code: e.code, severity: "error" }] : []);
    mark(form, issues);
    replace(box, h("p", { class: "form-error" }, t("intake.refused")), h("ul", {}, issues.length ? issues.map((i) => h("li", { class: i.severity }, issueText(i))) : h("li", {}, e.message)));
  }
}

export async function refresh() {}

export async function mount() {
  const form = document.getElementById("intake-form");
  form.addEventListener("submit", submit);
  const people = await get("/api/dispatch/people");
  replace(document.getElementById("intake-assignee"), h("option", { value: "" }, t("intake.nobody")),
    people.filter((p) => p.role === "engineer").map((p) => h("option", { value: p.id }, p.name)));
}
