/**
 * The receipt handed to the customer: numbered on the device, printable, shareable where the Web
 * Share API exists, with a QR code of the customer's own link (/r/<token>, no sign-in), which
 * opens the server's copy once the phone has uploaded it.
 */
import qrcode from "qrcode-generator";
import { chargeList } from "./charge-lines.js";
import { h, listeners, svg } from "./dom.js";
import { field, moneyFormatter } from "./money.js";
import { translator } from "./strings.js";

/** The customer's own link to the receipt whose link token is `token`. */
export function receiptUrl(origin, token) {
  return `${String(origin).replace(/\/+$/, "")}/r/${encodeURIComponent(token)}`;
}

/** A new link token: 16 random bytes (128 bits) as base64url, made offline when the receipt is. */
export function newLinkToken() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const PAYMENT_METHODS = new Set(["cash", "wechat", "alipay", "card"]);

/** A QR code for `text` as an SVG element (dark modules as one path; a quiet zone of 4 modules). */
export function qrCode(text, label) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const count = qr.getModuleCount();
  const quiet = 4;
  let d = "";
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (qr.isDark(row, col)) d += `M${col + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  const size = count + quiet * 2;
  return svg("svg", { class: "of-qr", viewBox: `0 0 ${size} ${size}`, role: "img", "aria-label": label,
    "shape-rendering": "crispEdges", "data-text": text },
  svg("rect", { width: size, height: size, fill: "#fff" }),
  svg("path", { d, fill: "#000" }));
}

function waiverText(waiver, t) {
  const code = typeof waiver === "string" ? waiver : waiver.code;
  const key = `forms.charge.reason.${code}`;
  const text = t(key, typeof waiver === "object" ? waiver.params : undefined);
  return text === key ? t("forms.charge.kind.waiver") : text; // a waiver without words: never its code
}

/**
 * mount(root, {receipt, issuer, payment?, labels?: {code: name}, currency?, origin?, lang, t, onSubmit?, onCancel?})
 * receipt: {number, linkToken, issuedAt, orderNumber, customer, lines, waivers, total_fen, currency?,
 *           invoiceRequested, invoicePromised, invoiceDeclined?, voidedAt?, voidReason?}
 *          (snake_case accepted too; money in fen)
 * issuer: {company, complaintPhone, engineer: {name, badge}}; payment: {method} or null (not paid).
 * onSubmit({number, printed, shared}) when the engineer taps Done.
 */
export function mount(root, opts = {}) {
  const t = translator(opts);
  const on = listeners();
  const r = opts.receipt || {};
  const number = String(field(r, "number") ?? "");
  const currency = opts.currency || field(r, "currency");
  const money = moneyFormatter(opts.lang, currency);
  const issuedAt = field(r, "issuedAt", "issued_at");
  const customer = field(r, "customer", "customer_name", "customerName");
  const customerName = customer && typeof customer === "object" ? customer.name : customer;
  const orderNumber = field(r, "orderNumber", "order_number", "order_id", "orderId");
  const total = field(r, "total_fen", "totalFen", "total");
  const waivers = field(r, "waivers") || [];
  const requested = Boolean(field(r, "invoiceRequested", "invoice_requested"));
  const promised = Boolean(field(r, "invoicePromised", "invoice_promised"));
  const declined = Boolean(field(r, "invoiceDeclined", "invoice_declined"));
  const voided = Boolean(field(r, "voidedAt", "voided_at") || field(r, "voidReason", "void_reason"));
  const voidReason = field(r, "voidReason", "void_reason");
  const token = field(r, "linkToken", "link_token");
  // No token (a receipt made before links existed): no QR rather than one needing a staff login.
  const url = token ? receiptUrl(opts.origin || globalThis.location?.origin || "", token) : "";
  const issuer = opts.issuer || {};
  const engineer = issuer.engineer || {};
  const engineerText = engineer.badge ? t("forms.receipt.engineer_badge", { name: engineer.name || "", badge: engineer.badge })
    : engineer.name || "";
  const method = field(opts.payment, "method");
  const paymentKey = PAYMENT_METHODS.has(method) ? method : Number(total) > 0 ? "none" : "nothing_due";
  const paymentText = t(`forms.receipt.payment.${paymentKey}`);
  let printed = false;
  let shared = false;

  const when = issuedAt
    ? new Intl.DateTimeFormat(opts.lang || undefined, { dateStyle: "medium", timeStyle: "short" })
      .format(new Date(issuedAt))
    : "";
  const row = (label, value, cls) => (value ? h("div", { class: "of-summary__row" },
    h("dt", null, label), h("dd", { class: cls }, value)) : null);
  // Only what was asked during the visit: nothing when the invoice never came up.
  const invoiceKey = promised ? "promised" : requested ? "requested" : declined ? "declined" : null;

  const printBtn = h("button", { class: "of-btn of-btn--quiet", type: "button" }, t("forms.receipt.print"));
  const canShare = typeof navigator !== "undefined" && typeof navigator.share === "function";
  const shareBtn = h("button", { class: "of-btn of-btn--quiet", type: "button", hidden: !canShare },
    t("forms.receipt.share"));
  const doneBtn = h("button", { class: "of-btn of-btn--primary", type: "button" }, t("forms.receipt.done"));
  const cancelBtn = opts.onCancel
    ? h("button", { class: "of-btn of-btn--quiet", type: "button" }, t("forms.cancel")) : null;

  const article = h("article", { class: `of-form of-receipt${voided ? " of-receipt--void" : ""}`,
    "aria-label": t("forms.receipt.title") },
  voided ? h("p", { class: "of-receipt__void", role: "status" }, h("strong", null, t("forms.receipt.void")),
    voidReason ? h("span", null, t("forms.receipt.void_reason", { reason: voidReason })) : null) : null,
  h("header", { class: "of-receipt__head" },
      issuer.company ? h("p", { class: "of-receipt__issuer" }, issuer.company) : null,
      h("h2", { class: "of-title" }, t("forms.receipt.title")),
      h("p", { class: "of-receipt__number" }, h("span", null, t("forms.receipt.number")), " ",
        h("strong", null, number))),
    h("dl", { class: "of-summary of-receipt__facts" },
      row(t("forms.receipt.issued"), when),
      row(t("forms.receipt.order"), orderNumber),
      row(t("forms.receipt.customer"), customerName),
      row(t("forms.receipt.engineer"), engineerText, "of-receipt__engineer"),
      row(t("forms.receipt.payment"), paymentText, "of-receipt__payment")),
    h("div", { class: "of-receipt__lines-head" },
      h("span", null, t("forms.receipt.item")), h("span", null, t("forms.receipt.amount"))),
    chargeList(field(r, "lines") || [], { t, money, labels: opts.labels }),
    waivers.length ? h("section", { class: "of-receipt__waivers" },
      h("h3", null, t("forms.receipt.waivers")),
      h("ul", null, waivers.map((w) => h("li", null, waiverText(w, t))))) : null,
    h("div", { class: "of-total" },
      h("span", null, t("forms.receipt.total")),
      h("strong", { class: "of-total__amount" }, money(total))),
    invoiceKey ? h("p", { class: `of-receipt__invoice of-receipt__invoice--${invoiceKey}` },
      t(`forms.receipt.invoice_${invoiceKey}`)) : null,
    issuer.complaintPhone ? h("p", { class: "of-receipt__complaint" },
      t("forms.receipt.complaint", { phone: issuer.complaintPhone })) : null,
    url ? h("figure", { class: "of-receipt__qr" },
      qrCode(url, t("forms.receipt.qr")),
      h("figcaption", null, t("forms.receipt.qr"), h("br"), h("span", { class: "of-receipt__url" }, url))) : null,
    h("div", { class: "of-actions of-receipt__actions" }, printBtn, shareBtn),
    h("div", { class: "of-actions of-receipt__actions" }, cancelBtn, doneBtn));
  root.replaceChildren(article);

  on(printBtn, "click", () => {
    printed = true;
    window.print();
  });
  on(shareBtn, "click", async () => {
    const data = { title: t("forms.receipt.share_title", { number }),
      text: t("forms.receipt.share_text", { number, total: money(total) }), ...(url ? { url } : {}) };
    try {
      await navigator.share(data);
      shared = true;
    } catch (error) {
      if (error && error.name !== "AbortError") console.warn("share failed", error);
    }
  });
  on(doneBtn, "click", () => opts.onSubmit?.({ number, printed, shared }));
  if (cancelBtn) on(cancelBtn, "click", () => opts.onCancel());

  return {
    destroy() {
      on.off();
      root.replaceChildren();
    },
  };
}
