// The order record: customer and phones, unit and warranty, intake flags, timeline, visit, money, care.
import { get, post } from "./api.js";
import { fieldEventBadge, fieldEventText, isFieldEvent } from "./field_events.js";
import { dateTime, h, label, replace, tel, toast } from "./html.js";
import { has, issueText, t } from "./i18n.js";
import * as suggestions from "./suggestions.js";
import { clockBar, complaintForm } from "./complaint_form.js";

// Back with the dispatcher: nobody's, or handed back by the engineer (as the board has it).
const WAITING = new Set(["received", "returned_to_dispatch"]);

let record = null;

const orderId = () => document.getElementById("record").dataset.orderId;

function money(fen) {
  if (fen === null || fen === undefined) return "—";
  return `¥${(fen / 100).toFixed(2)}`;
}

function person(id) {
  const p = record.people[id];
  return p ? p.name : "—";
}

function section(key, ...body) {
  return h("section", { class: "panel record-section", "aria-labelledby": `sec-${key}` },
    h("h2", { id: `sec-${key}`, class: "panel-head" }, t(`order.sec.${key}`)),
    h("div", { class: "record-body" }, ...body));
}

function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .flatMap(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v)]));
}

function empty(key = "order.none") {
  return h("p", { class: "muted" }, t(key));
}

const telLink = tel;

function windowText(start, end) {
  if (!start) return "";
  return end ? `${dateTime(start)} – ${dateTime(end).split(" ").pop()}` : dateTime(start);
}

function timelineText(event) {
  const data = event.data || {};
  const onSite = fieldEventText(event);
  if (onSite) return onSite;
  if (event.kind === "status_changed" && data.status) return t("order.ev.status", { status: label("status", data.status) });
  if ((event.kind === "assigned" || event.kind === "reassigned") && data.engineer_id) {
    return t(`order.ev.${event.kind}`, { name: person(data.engineer_id) });
  }
  return has(`order.ev.${event.kind}`) ? t(`order.ev.${event.kind}`) : event.kind.replaceAll("_", " ");
}

function timeline(order) {
  if (!order.timeline.length) return empty();
  return h("ol", { class: "timeline" }, order.timeline.map((e) => h("li", {},
    h("time", { datetime: e.at }, dateTime(e.at)),
    h("span", {}, timelineText(e)),
    e.data && e.data.reason && !isFieldEvent(e) ? h("span", { class: "muted" }, ` · ${e.data.reason}`) : null,
    fieldEventBadge(e),
    e.updated_by_id ? h("span", { class: "muted small" }, ` · ${person(e.updated_by_id)}`) : null,
    e.time_suspect ? h("span", { class: "badge badge-flag" }, t("order.time_suspect")) : null)));
}

function photos(order) {
  if (!order.photos.length) return empty();
  return h("div", { class: "photos" }, order.photos.map((p) => h("button", {
    type: "button", class: "photo", dataset: { sha: p.sha256 }, "aria-label": t("order.photo_open", { caption: p.caption || dateTime(p.taken_at) }),
    onclick: () => openPhoto(p),
  }, h("img", { src: `/api/blobs/${p.sha256}`, alt: p.caption || t("order.photo"), loading: "lazy" }))));
}

function openPhoto(photo) {
  const img = document.getElementById("photo-full");
  img.src = `/api/blobs/${photo.sha256}`;
  img.alt = photo.caption || t("order.photo");
  document.getElementById("photo-caption").textContent = `${photo.caption || t("order.photo")} · ${dateTime(photo.taken_at)}`;
  document.getElementById("photo-dialog").showModal();
}

function signatures(order) {
  if (!order.signatures.length) return empty("order.not_signed");
  return order.signatures.map((s) => {
    const image = record.signature_images[s.id];
    return h("div", { class: "signature", dataset: { status: s.status } },
      image && !s.declined ? h("img", { src: `/api/blobs/${image}`, alt: t("order.signature_of", { name: s.signer_name }), class: "signature-image" }) : null,
      facts([["order.signer", s.signer_name || "—"], ["order.signed_at", dateTime(s.signed_at)],
        ["order.sig_state", h("span", { class: `chip sig-${s.status}` }, t(`order.sig.${s.status}`))],
        ["order.sig_reason", s.status_reason ? (has(`order.sigr.${s.status_reason}`) ? t(`order.sigr.${s.status_reason}`) : s.status_reason) : ""]]),
      s.declined ? h("p", {}, t("order.sig_declined")) : null);
  });
}

function ratings(order) {
  if (!order.ratings.length) return empty("order.not_rated");
  return order.ratings.map((r) => r.declined ? h("p", {}, t("order.rating_declined")) : facts([
    ["fig.repair_quality", `${r.repair_quality ?? "—"} / 5`], ["fig.service_attitude", `${r.service_attitude ?? "—"} / 5`],
    ["order.comment", r.comment], ["order.rated_at", dateTime(r.rated_at)]]));
}

function chargeLines(charges) {
  if (!charges || !charges.lines) return empty();
  return h("table", { class: "table lines" },
    h("tbody", {}, charges.lines.map((l) => h("tr", {},
      h("td", {}, l.description || l.code || l.kind), h("td", { class: "num" }, l.qty ?? ""),
      h("td", { class: "num" }, money(l.amount_fen))))),
    h("tfoot", {}, h("tr", {}, h("th", { colspan: "2" }, t("order.total")), h("th", { class: "num" }, money(charges.total_fen)))));
}

function charges(order) {
  const server = order.derivation && order.derivation.derivation ? order.derivation.derivation.charges : null;
  const phone = order.charges && order.charges.lines ? { ...order.charges, total_fen: order.total_fen } : null;
  const diffs = order.derivation ? order.derivation.differences || [] : [];
  const body = [];
  if (diffs.length) {
    body.push(h("p", { class: "form-error", role: "note" }, t("order.charges_disagree", { list: diffs.map((d) => t(`order.diff.${d}`)).join(", ") })));
    body.push(h("div", { class: "sides" },
      h("div", { class: "side" }, h("div", { class: "side-head" }, t("order.charges_phone")), chargeLines(phone)),
      h("div", { class: "side" }, h("div", { class: "side-head" }, t("order.charges_server")), chargeLines(server))));
  } else {
    body.push(chargeLines(phone || server));
  }
  return body;
}

function receipts(list) {
  if (!list.length) return empty("order.no_receipt");
  return h("ul", { class: "plain" }, list.map((r) => h("li", { class: "receipt-row", dataset: { number: r.number } },
    h("a", { href: `/receipts/${encodeURIComponent(r.number)}` }, r.number), ` · ${money(r.total_fen)} · ${dateTime(r.issued_at)}`,
    r.voided_at ? h("span", { class: "badge badge-breach" }, t("order.voided")) : null)));
}

function followUps(order) {
  if (!order.follow_ups.length) return empty();
  return h("ul", { class: "plain" }, order.follow_ups.map((f) => h("li", {},
    `${t(`follow.kind.${f.kind}`)} · ${t("follow.due")} ${dateTime(f.due_at)}`,
    f.done_at ? ` · ${t(`follow.${f.outcome}`)} ${dateTime(f.done_at)}` : "")));
}

function complaints(order) {
  const now = Date.now();
  return h("div", { class: "record-complaints" },
    record.complaints.length ? h("ul", { class: "plain" }, record.complaints.map((c) => h("li", { dataset: { complaintId: c.id } },
      h("a", { href: "/console/complaints" }, c.text), ` · ${t("complaint.opened", { time: dateTime(c.opened_at) })}`,
      ...c.breaches.map((b) => h("span", { class: "badge badge-breach" }, t(`breach.${b}`))),
      h("div", { class: "clock-bars" },
        clockBar(t("complaint.first"), c.opened_at, c.first_response_due, c.first_response_at, now),
        clockBar(t("complaint.formal"), c.opened_at, c.formal_answer_due, c.formal_answer_at, now))))) : empty(),
    complaintForm({ orderId: order.id, onSaved: refresh }));
}

async function moveTo(order, status, reason) {
  try {
    await post(`/api/orders/${encodeURIComponent(order.id)}/status`, { status, reason });
    toast(t("order.moved", { status: label("status", status) }));
    await refresh();
  } catch (e) {
    toast(e.message, "error");
  }
}

function actions(order) {
  const reason = h("input", { type: "text", id: "action-reason", maxlength: "300", "aria-label": t("assign.reason") });
  reason.placeholder = t("assign.reason");
  return h("div", { class: "actions" },
    order.next_statuses.length ? [reason, ...order.next_statuses.map((s) => h("button", {
      type: "button", class: "button small", dataset: { status: s }, onclick: () => moveTo(order, s, reason.value.trim()),
    }, label("status", s)))] : empty("order.no_actions"),
    h("a", { class: "button small", href: `/console/board${order.appointment_start ? `?day=${order.appointment_start.slice(0, 10)}` : ""}` }, t("order.on_board")));
}

function render(order, receiptList) {
  const c = order.customer;
  const u = order.unit;
  document.getElementById("page-title").textContent = `${t("order.title")} ${order.number}`;
  const phones = [...new Set([order.contact_phone, ...(c.phones || [])].filter(Boolean))];
  replace(document.getElementById("record"),
    h("header", { class: "record-head panel" },
      h("strong", { class: "record-number" }, order.number),
      h("span", { class: `chip status-${order.status}` }, label("status", order.status)),
      order.priority !== "normal" ? h("span", { class: `prio prio-${order.priority}` }, label("prio", order.priority)) : null,
      h("span", {}, t("order.engineer", { name: order.assignee_id ? person(order.assignee_id) : t("intake.nobody") })),
      order.open_conflicts ? h("a", { class: "badge badge-flag", href: "/console/conflicts" }, t("order.conflicts", { n: order.open_conflicts })) : null,
      ...order.breaches.map((b) => h("span", { class: "badge badge-breach" }, t(`breach.${b}`)))),
    h("div", { class: "record-grid" },
      section("customer", facts([["intake.name", c.name],
        ["intake.phone", h("span", { class: "phones" }, phones.map(telLink))],
        ["intake.address", order.service_address || c.address], ["order.district", c.district]])),
      section("unit", facts([["intake.category", label("cat", u.category)], ["intake.brand", u.brand], ["intake.model", u.model],
        ["intake.serial", u.serial], ["intake.purchase_date", u.purchase_date],
        ["order.warranty", order.in_warranty === null || order.in_warranty === undefined ? t("order.warranty_unknown")
          : t(order.in_warranty ? "order.in_warranty" : "order.out_of_warranty")],
        ["order.warranty_reason", order.warranty_reason]])),
      section("intake", facts([["intake.symptom", order.symptom], ["intake.requests", order.customer_requests],
        ["order.reported", dateTime(order.reported_at)],
        ["order.requested_window", windowText(order.requested_window_start, order.requested_window_end)],
        ["order.appointment", windowText(order.appointment_start, order.appointment_end)
          + (order.appointment_start ? ` · ${t(order.appointment_confirmed ? "order.confirmed" : "order.unconfirmed")}` : "")],
        ["order.flag", order.flagged ? order.flag_reason || t("board.flagged") : ""],
        ["order.intake_issues", (order.intake_issues || []).map(issueText).join(", ")]])),
      section("actions", actions(order)),
      waiting(order) ? section("suggestions", h("div", { id: "suggestions" }, h("p", { class: "muted" }, t("live.loading")))) : null,
      section("timeline", timeline(order)),
      section("appointments", order.appointment_changes.length
        ? h("ul", { class: "plain" }, order.appointment_changes.map((a) => h("li", {},
          `${dateTime(a.at)} · ${has(`order.appt.${a.kind}`) ? t(`order.appt.${a.kind}`) : a.kind} · ${windowText(a.new_start, a.new_end)}`,
          a.reason ? ` · ${a.reason}` : "")))
        : empty()),
      section("photos", photos(order)),
      section("signature", signatures(order)),
      section("ratings", ratings(order)),
      section("charges", charges(order)),
      section("receipts", receipts(receiptList)),
      section("follow_ups", followUps(order)),
      section("complaints", complaints(order))));
}

export async function refresh() {
  const id = encodeURIComponent(orderId());
  const [order, extra, receiptList] = await Promise.all([
    get(`/api/orders/${id}`), get(`/api/dispatch/orders/${id}/record`), get(`/api/orders/${id}/receipts`)]);
  record = extra;
  render(order, receiptList);
  if (waiting(order)) await suggestions.show(document.getElementById("suggestions"), order, refresh);
}

function waiting(order) {
  return !order.assignee_id || WAITING.has(order.status);
}

export function mount() {
  return refresh();
}
