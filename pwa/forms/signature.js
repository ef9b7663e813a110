/**
 * The customer's signature over the visit summary they are shown: vector strokes and a PNG, bound to
 * the summary's hash. Declining to sign is a first-class answer, recorded, never forced.
 */
import SignaturePad from "signature_pad";
import { chargeList } from "./charge-lines.js";
import { answerOnce, h, listeners } from "./dom.js";
import { field, moneyFormatter } from "./money.js";
import { translator } from "./strings.js";

function summaryView(summary, t, money, labels) {
  const unit = summary.unit || {};
  const product = [unit.brand, unit.model, unit.serial].filter(Boolean).join(" · ");
  const parts = summary.parts || [];
  const ratings = summary.ratings;
  const row = (label, value, cls = "") =>
    value ? h("div", { class: `of-summary__row ${cls}` }, h("dt", null, label), h("dd", null, value)) : null;
  let ratingText = null;
  if (ratings && ratings.declined) ratingText = t("forms.signature.rating_declined");
  else if (ratings && ratings.repair_quality != null) {
    ratingText = t("forms.signature.rating_line",
      { repair: ratings.repair_quality, attitude: ratings.service_attitude });
  }
  return h("section", { class: "of-summary of-card", "aria-label": t("forms.signature.title") },
    h("dl", null,
      row(t("forms.signature.order"), field(summary, "order_id", "order_number", "orderNumber")),
      row(t("forms.signature.customer"), summary.customer_name),
      row(t("forms.signature.product"), product),
      row(t("forms.signature.work"), summary.work_done, "of-summary__row--block"),
      parts.length ? row(t("forms.signature.parts"),
        parts.map((p) => `${p.name || labels[p.code] || p.code} × ${p.qty ?? 1}`).join("\n"), "of-summary__row--block") : null,
      row(t("forms.signature.ratings"), ratingText)),
    h("h3", { class: "of-summary__heading" }, t("forms.signature.charges")),
    chargeList(summary.charge_lines || [], { t, money, labels }),
    h("div", { class: "of-total" },
      h("span", null, t("forms.signature.total")),
      h("strong", { class: "of-total__amount" }, money(field(summary, "total_fen", "totalFen")))));
}

/**
 * mount(root, {summary, summaryHash, signerName?, labels?: {code: name}, currency?, lang, t, onSubmit, onCancel?})
 * onSubmit({strokes, imagePng, summaryHash, signedAt, declined, signerName})
 */
export function mount(root, opts = {}) {
  const t = translator(opts);
  const on = listeners();
  const summary = opts.summary || {};
  const hash = String(opts.summaryHash || "");
  const money = moneyFormatter(opts.lang, opts.currency);

  const canvas = h("canvas", { class: "of-sig__canvas", role: "img", "aria-label": t("forms.signature.pad_label") });
  const name = h("input", { class: "of-input", type: "text", name: "signerName", autocomplete: "name",
    maxlength: 100, value: opts.signerName ?? summary.customer_name ?? "" });
  const clearBtn = h("button", { class: "of-btn of-btn--quiet", type: "button" }, t("forms.signature.clear"));
  const submitBtn = h("button", { class: "of-btn of-btn--primary", type: "submit", disabled: true },
    t("forms.signature.submit"));
  const hint = h("p", { class: "of-hint", "aria-live": "polite" }, t("forms.signature.empty_hint"));
  const declineBtn = h("button", { class: "of-btn of-btn--link", type: "button" }, t("forms.signature.decline"));
  const declineConfirm = h("button", { class: "of-btn of-btn--primary", type: "button" },
    t("forms.signature.decline_confirm"));
  const declineBack = h("button", { class: "of-btn of-btn--quiet", type: "button" }, t("forms.signature.decline_back"));
  const declinePanel = h("div", { class: "of-confirm", role: "alertdialog", hidden: true,
    "aria-labelledby": "of-sig-decline-title" },
  h("h3", { id: "of-sig-decline-title" }, t("forms.signature.decline_title")),
  h("p", null, t("forms.signature.decline_body")),
  h("div", { class: "of-actions" }, declineBack, declineConfirm));
  const cancelBtn = opts.onCancel
    ? h("button", { class: "of-btn of-btn--quiet", type: "button" }, t("forms.cancel")) : null;

  const form = h("form", { class: "of-form of-sig", novalidate: true },
    h("h2", { class: "of-title" }, t("forms.signature.title")),
    summaryView(summary, t, money, opts.labels || {}),
    h("p", { class: "of-binding" },
      h("strong", null, t("forms.signature.binding")),
      h("span", { class: "of-binding__ref", dataset: { hash } }, t("forms.signature.reference", { ref: hash.slice(0, 8) }))),
    h("div", { class: "of-sig__pad" }, canvas,
      h("span", { class: "of-sig__baseline", "aria-hidden": "true" }, t("forms.signature.sign_here"))),
    h("label", { class: "of-field" }, h("span", { class: "of-field__label" }, t("forms.signature.name")), name),
    hint,
    h("div", { class: "of-actions" }, clearBtn, submitBtn),
    h("div", { class: "of-actions of-actions--secondary" }, cancelBtn, declineBtn),
    declinePanel);
  root.replaceChildren(form);

  const pad = new SignaturePad(canvas, { backgroundColor: "rgb(255, 255, 255)", penColor: "#10243e",
    minWidth: 1.2, maxWidth: 3.2 });
  // signature_pad wipes the canvas whenever it is resized (rotation, keyboard): keep the vectors here
  // and redraw them after every resize.
  let strokes = [];
  let busy = false;

  // One answer per mount (a signature is never given twice); the pad stops taking ink meanwhile.
  const answer = answerOnce(form, async (value) => {
    pad.off();
    try {
      await opts.onSubmit?.(value);
    } catch (error) {
      pad.on();
      throw error;
    }
  }, () => refresh());
  const refresh = () => {
    if (answer.done()) return;
    const empty = strokes.length === 0;
    submitBtn.disabled = empty || busy;
    hint.hidden = !empty;
    form.classList.toggle("of-sig--signed", !empty);
  };
  pad.addEventListener("endStroke", () => {
    strokes = pad.toData().map((group) => ({ ...group, points: group.points.slice() }));
    refresh();
  });

  const fit = () => {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const width = Math.round(canvas.offsetWidth * ratio);
    const height = Math.round(canvas.offsetHeight * ratio);
    if (!width || !height || (canvas.width === width && canvas.height === height)) return;
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (strokes.length) pad.fromData(strokes);
  };
  const resizeObserver = new ResizeObserver(fit);
  resizeObserver.observe(canvas);
  on(window, "orientationchange", fit);
  fit();

  on(clearBtn, "click", () => {
    pad.clear();
    strokes = [];
    refresh();
  });
  on(declineBtn, "click", () => {
    declinePanel.hidden = false;
    declineConfirm.focus();
  });
  on(declineBack, "click", () => { declinePanel.hidden = true; });
  if (cancelBtn) on(cancelBtn, "click", () => opts.onCancel());

  const result = (declined, imagePng) => ({
    strokes: declined ? [] : structuredClone(strokes),
    imagePng,
    summaryHash: hash,
    signedAt: new Date().toISOString(),
    declined,
    signerName: name.value.trim(),
  });
  on(declineConfirm, "click", () => {
    declinePanel.hidden = true;
    answer(result(true, null));
  });
  on(form, "submit", async (event) => {
    event.preventDefault();
    if (!strokes.length || busy || answer.done()) return;
    busy = true;
    refresh();
    try {
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
      await answer(result(false, await blob.arrayBuffer()));
    } finally {
      busy = false;
      refresh();
    }
  });
  refresh();

  return {
    destroy() {
      on.off();
      resizeObserver.disconnect();
      pad.off();
      root.replaceChildren();
    },
  };
}
