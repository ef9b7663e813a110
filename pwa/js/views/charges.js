// The charges of one order line by line: prices by schedule, trade-in credits, waivers with their
// reasons, and the total, computed on the device from the synced fee schedule.
import { h, replace } from "../ui.js";
import { loadOrder, chargesOf } from "../orders.js";

/** The lines by their names (the job's, the part's; never codes), each with its reason in words. */
export function chargeTable(app, charges, parts = []) {
  return h("table", { class: "charges", "data-testid": "charges" },
    h("tbody", null, charges.lines.map((l) => h("tr", { class: `line line--${l.kind}` },
      h("td", null, h("div", null, app.lineLabel(l, parts) || app.t(`forms.charge.kind.${l.kind}`)),
        h("small", { class: "muted" }, app.t(`forms.charge.kind.${l.kind}`), " · ",
          app.t(`forms.charge.reason.${l.reason}`, {}, app.t(`line_reason.${l.reason}`, {}, l.reason)))),
      h("td", { class: "num" }, l.qty > 1 ? `${l.qty} × ${app.money(l.unit_fen)}` : ""),
      h("td", { class: "num" }, app.money(l.amount_fen))))),
    h("tfoot", null, h("tr", null, h("th", { colspan: 2 }, app.t("charges.total")),
      h("th", { class: "num", "data-testid": "total" }, app.money(charges.total_fen)))));
}

export async function render(root, app, [id]) {
  const bundle = await loadOrder(id);
  if (!bundle) { app.go("#/"); return null; }
  const charges = chargesOf(bundle);
  replace(root,
    h("section", { class: "charges-view" },
      h("div", { class: "order-head__top" }, h("a", { href: `#/order/${id}`, class: "back", "aria-label": app.t("nav.back") }, "‹"),
        h("div", null, h("h1", null, app.t("charges.title")), h("small", { class: "muted" }, bundle.order.number))),
      charges.error ? h("p", { class: "error", "data-testid": "price-missing" }, app.t(`charges.${charges.error}`,
        { item: charges.kind === "part" ? app.partName(bundle.catalogue.parts.find((p) => p.code === charges.item)) || charges.item
          : charges.kind === "labour" ? app.jobName(String(charges.item).split("/").pop()) : app.t(`line.${charges.kind}`, {}, "") },
        charges.error)) : [
        h("p", { class: `warranty warranty--${charges.warranty.in_warranty ? "in" : "out"}` },
          app.t(charges.warranty.in_warranty ? "warranty.in" : "warranty.out")),
        chargeTable(app, charges, bundle.catalogue.parts),
        charges.waivers.length ? h("div", { class: "card" }, h("h2", null, app.t("charges.waivers")),
          h("ul", { class: "plain" }, charges.waivers.map((w) => h("li", { "data-waiver": w.code }, app.t(`waiver.${w.code}`, w.params, w.code))))) : null,
        charges.notes.length ? h("ul", { class: "plain muted" }, charges.notes.map((n) => h("li", null, app.t(`note.${n.code}`, n.params, n.code)))) : null,
        h("p", { class: "muted" }, app.t("charges.schedule_name", { name: charges.schedule.name || "" }))]),
    h("div", { class: "actionbar" }, h("a", { class: "btn btn--primary", href: `#/order/${id}` }, app.t("nav.back"))));
  return null;
}
