// The engineer's view of an order's receipt: printable, shareable, with the QR to the server copy.
import { h, replace } from "../ui.js";
import { loadOrder, chargesOf } from "../orders.js";
import * as receiptForm from "../../forms/receipt.js";
import { receiptOptions } from "../issuer.js";

export async function render(root, app, [id]) {
  const bundle = await loadOrder(id);
  const receipt = bundle?.receipt[0];
  if (!receipt) { app.go(bundle ? `#/order/${id}` : "#/"); return null; }
  const charges = chargesOf(bundle);
  const host = h("div", { class: "receipt-host" });
  replace(root, h("section", { class: "receipt-view" },
    h("div", { class: "order-head__top" }, h("a", { href: `#/order/${id}`, class: "back", "aria-label": app.t("nav.back") }, "‹"),
      h("div", null, h("h1", null, app.t("receipt.title")), h("small", { class: "muted" }, bundle.order.number))), host));
  const form = receiptForm.mount(host, { t: app.t, lang: app.lang, currency: receipt.currency,
    ...receiptOptions(app, bundle, receipt),
    receipt: { ...receipt, orderNumber: bundle.order.number, customer: bundle.customer?.name || "",
      waivers: charges.error ? [] : charges.waivers, issuedAt: receipt.issued_at },
    onSubmit: () => app.go(`#/order/${id}`) });
  return () => form.destroy();
}
