// Customer hand-off: the phone shows the customer only this order's summary, the rating and
// signature forms and the receipt. No navigation; leaving needs the engineer: the lock screen
// (lock.js: passkey, the unlock PIN with its PBKDF2 and attempt limit, or signing in online).
import { h, replace, button, field, toast } from "../ui.js";
import { loadOrder, chargesOf } from "../orders.js";
import { buildSummary, summaryHash, sha256Hex } from "../summary.js";
import { chargeTable } from "./charges.js";
import * as ratingForm from "../../forms/rating.js";
import * as signatureForm from "../../forms/signature.js";
import * as receiptForm from "../../forms/receipt.js";
import { receiptOptions } from "../issuer.js";
import * as lockScreen from "../lock.js";
import * as customerMode from "../customer-mode.js";

export async function render(root, app, [id]) {
  const locked = await app.db.getMeta("handoff", null);
  if (!locked) return setup(root, app, id);
  const bundle = await loadOrder(id);
  if (!bundle) { await app.db.setMeta("handoff", null); app.go("#/"); return null; }
  const mounted = [];
  const stage = bundle.receipt.length ? "receipt" : bundle.rating.length ? "signature" : (await app.db.getMeta("handoff_stage", "summary"));
  const host = h("div", { class: "handoff__body" });
  const leave = button(app.t("handoff.return"), () => giveBack(), "btn btn--small btn--quiet", { "data-testid": "leave-handoff" });
  replace(root, h("section", { class: "handoff", "data-stage": stage },
    h("header", { class: "handoff__head" }, h("h1", null, app.t("handoff.title")), leave), host));
  const charges = chargesOf(bundle);
  const next = async (stageName) => { await app.db.setMeta("handoff_stage", stageName); app.render(); };

  if (stage === "summary") {
    const { order, part_used: parts } = bundle;
    // Asked now, on the customer's screen: an invoice (and whether it comes later), and how they paid.
    const asked = (await app.db.getMeta("handoff_answers", null)) || {};
    const choice = (name, values, current, labelOf) => h("div", { class: "chips", role: "radiogroup",
      "aria-label": app.t(`handoff.${name}_title`), "data-choice": name },
    values.map((value) => {
      const chip = h("button", { type: "button", class: `chip${current === value ? " chip--on" : ""}`, role: "radio",
        "aria-checked": String(current === value), "data-value": value }, labelOf(value));
      chip.addEventListener("click", async () => {
        await app.db.setMeta("handoff_answers", { ...asked, [name]: value });
        app.render();
      });
      return chip;
    }));
    const paid = !charges.error && charges.total_fen > 0;
    const ready = asked.invoice && (!paid || asked.payment);
    replace(host,
      h("div", { class: "card" }, h("h2", null, bundle.customer?.name || ""),
        h("p", { class: "muted" }, [bundle.unit?.brand, bundle.unit?.model].filter(Boolean).join(" ")),
        h("h3", null, app.t("handoff.work")), h("p", { class: "prewrap" }, order.diagnosis || "—"),
        parts.length ? [h("h3", null, app.t("parts.title")), h("ul", { class: "plain" }, parts.filter((p) => !p.removed)
          .map((p) => h("li", null, `${app.partName(bundle.catalogue.parts.find((c) => c.code === p.part_code)) || p.part_code} × ${p.qty}`)))] : null),
      charges.error ? h("p", { class: "error", "data-testid": "price-missing" }, app.t("handoff.not_priced")) : h("div", { class: "card" },
        h("h3", null, app.t("handoff.your_charges")), chargeTable(app, charges, bundle.catalogue.parts),
        charges.waivers.map((w) => h("p", { class: "waiver-note", "data-waiver": w.code }, app.t(`waiver.${w.code}`, w.params, w.code)))),
      charges.error ? null : h("div", { class: "card" },
        h("h3", null, app.t("handoff.invoice_title")),
        choice("invoice", ["now", "later", "none"], asked.invoice, (v) => app.t(`handoff.invoice.${v}`)),
        paid ? [h("h3", null, app.t("handoff.payment_title")),
          choice("payment", ["cash", "wechat", "alipay", "unpaid"], asked.payment, (v) => app.t(`handoff.payment.${v}`))] : null),
      h("div", { class: "actionbar" }, charges.error ? null
        : button(app.t("handoff.to_rating"), () => next("rating"), "btn btn--primary btn--block",
          { "data-testid": "primary", disabled: ready ? null : true })));
  } else if (stage === "rating") {
    const form = ratingForm.mount(host, { t: app.t, lang: app.lang,
      onSubmit: async (r) => {
        await app.outbox.create("rating", { order_id: id, repair_quality: r.declined ? null : r.repairQuality,
          service_attitude: r.declined ? null : r.serviceAttitude, comment: r.comment || "", declined: !!r.declined,
          rated_at: app.outbox.nowIso() });
        next("signature");
      },
      onCancel: () => next("summary") });
    mounted.push(form);
  } else if (stage === "signature") {
    if (charges.error) { replace(host, h("p", { class: "error" }, app.t(`charges.${charges.error}`))); return null; }
    const r = bundle.rating[0];
    const signedAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const summary = buildSummary({ order: bundle.order, customer: bundle.customer, unit: bundle.unit,
      charges, rating: r && { repairQuality: r.repair_quality, serviceAttitude: r.service_attitude, declined: r.declined },
      signedAt });
    const hash = await summaryHash(summary);
    // Lines by the names the customer knows (the part's, the job's), never by their codes.
    const labels = Object.fromEntries(charges.lines.map((l) => [l.code, app.lineLabel(l, bundle.catalogue.parts)])
      .filter(([, name]) => name));
    const form = signatureForm.mount(host, { t: app.t, lang: app.lang, currency: app.currency, summary, summaryHash: hash,
      signerName: bundle.customer?.name || "", labels,
      onSubmit: (result) => complete(app, bundle, charges, summary, hash, result).then(() => next("receipt"))
        .catch((e) => toast(app.t(`error.${e.code || "save_failed"}`, {}, String(e.message || e)), "error")),
      onCancel: () => next("rating") });
    mounted.push(form);
  } else {
    const receipt = bundle.receipt[0];
    const form = receiptForm.mount(host, { t: app.t, lang: app.lang, currency: receipt.currency,
      ...receiptOptions(app, bundle, receipt),
      receipt: { ...receipt, orderNumber: bundle.order.number, customer: bundle.customer?.name || "",
        waivers: charges.error ? [] : charges.waivers, issuedAt: receipt.issued_at },
      onSubmit: () => giveBack() });
    mounted.push(form);
  }
  return () => mounted.forEach((f) => f.destroy());
}

/** The customer signed (or declined): charges, signature, receipt and completion in one commit. */
async function complete(app, bundle, charges, summary, hash, result) {
  const { outbox, db } = app;
  const { order } = bundle;
  const blobs = [];
  let imageSha = null;
  if (!result.declined && result.imagePng) {
    imageSha = await sha256Hex(result.imagePng);
    blobs.push({ sha256: imageSha, bytes: result.imagePng, mime: "image/png", size: result.imagePng.byteLength, order_id: order.id });
  }
  // Numbers are the device's prefix plus its own counter, never reused (kept per prefix).
  const counterKey = `receipt_counter:${app.receiptPrefix}`;
  const counter = (await db.getMeta(counterKey, 0)) + 1;
  await db.setMeta(counterKey, counter);
  const number = `${app.receiptPrefix}-${String(counter).padStart(6, "0")}`;
  const issuedAt = outbox.nowIso();
  const asked = (await db.getMeta("handoff_answers", null)) || {};
  const receiptId = outbox.uuid();
  const paidBy = charges.total_fen > 0 && ["cash", "wechat", "alipay"].includes(asked.payment) ? asked.payment : null;
  const receiptLines = charges.lines.map((l, i) => ({ position: i + 1, kind: l.kind, code: l.code,
    description: app.lineLabel(l, bundle.catalogue.parts), qty: l.qty, unit_fen: l.unit_fen, amount_fen: l.amount_fen, reason: l.reason }));
  await outbox.commit([
    // What the customer saw and signed, with what it was priced by: the server derives its own
    // and keeps both where they differ (server/sync/derive.py).
    await outbox.updateMut("order", order.id, { charges: { lines: summary.charge_lines, subtotal_fen: charges.subtotal_fen,
      waivers: charges.waivers, notes: charges.notes, total_fen: charges.total_fen, currency: charges.currency,
      schedule_ids: charges.inputs.schedule_ids, policy_version: charges.inputs.policy_version, today: charges.inputs.today },
    total_fen: charges.total_fen, invoice_requested: asked.invoice === "now" || asked.invoice === "later",
    invoice_promised: asked.invoice === "later" }),
    outbox.createMut("signature", { order_id: order.id, signer_name: result.signerName || "", declined: !!result.declined,
      strokes: result.strokes || [], image_sha256: imageSha, summary, summary_hash: hash, signed_at: summary.signed_at }),
    outbox.createMut("receipt", { number, link_token: receiptForm.newLinkToken(), order_id: order.id, issued_at: issuedAt, currency: charges.currency,
      total_fen: charges.total_fen, invoice_requested: asked.invoice === "now" || asked.invoice === "later",
      invoice_promised: asked.invoice === "later", invoice_declined: asked.invoice === "none",
      void_reason: "", replaces_id: null, lines: receiptLines }, receiptId),
    ...(paidBy ? [outbox.createMut("payment", { order_id: order.id, receipt_id: receiptId, amount_fen: charges.total_fen,
      method: asked.payment, paid_at: issuedAt, note: "" })] : []),
    await outbox.statusMut(order, "completed", { milestones: { completed_at: issuedAt } }),
  ], blobs);
  app.syncNow("handoff");
}

/** Before the phone goes to the customer: make sure the engineer can take it back. With no passkey
 *  and no unlock PIN yet, the engineer chooses one here: it is the lock screen's PIN (lock.js). */
async function setup(root, app, id) {
  const bundle = await loadOrder(id);
  if (bundle && chargesOf(bundle).error) {
    // No hand-off without a priced total: the customer would meet a dead end.
    toast(app.t("handoff.not_priced"), "error");
    app.go(`#/order/${id}`);
    return null;
  }
  const lock = async () => {
    await app.db.setMetaMany({ handoff: id, handoff_stage: "summary", handoff_answers: null });
    customerMode.begin(id); // the server narrows the session too (offline: at the next sync)
    app.render();
  };
  if (await lockScreen.canLock()) { await lock(); return null; }
  const pin = h("input", { type: "password", inputmode: "numeric", name: "pin", minlength: 6, maxlength: 12, autocomplete: "off" });
  const again = h("input", { type: "password", inputmode: "numeric", name: "pin_again", minlength: 6, maxlength: 12, autocomplete: "off" });
  let saving = false;
  replace(root, h("section", { class: "pin-setup" }, h("h1", null, app.t("pin.setup_title")), h("p", null, app.t("pin.setup_hint")),
    field(app.t("pin.pin"), pin), field(app.t("pin.again"), again)),
  h("div", { class: "actionbar" }, h("a", { class: "btn", href: `#/order/${id}` }, app.t("common.cancel")),
    button(app.t("pin.save_and_start"), async () => {
      if (saving) return;
      if (!/^\d{6,12}$/.test(pin.value) || pin.value !== again.value) { toast(app.t("pin.invalid"), "error"); return; }
      saving = true;
      try { await lockScreen.setPin(pin.value); } finally { saving = false; }
      await lock();
    }, "btn btn--primary", { "data-testid": "primary" })));
  return null;
}

/** The engineer has the phone back (the lock was for the hand-off and is now open): leave customer mode. */
export async function endIfActive(app) {
  const id = await app.db.getMeta("handoff", null);
  if (!id) return;
  await app.db.setMetaMany({ handoff: null, handoff_stage: null, handoff_answers: null });
  customerMode.end().then((free) => { if (free) app.syncNow("handoff-end"); });
  app.go(`#/order/${id}`);
  app.render();
}

/** Back to the engineer, always through the lock screen; customer mode ends when it is unlocked
 *  (main.js listens). With the PIN erased after too many wrong tries, only a passkey or signing in
 *  online opens it. */
async function giveBack() {
  await lockScreen.lockNow("handoff", { force: true });
}
