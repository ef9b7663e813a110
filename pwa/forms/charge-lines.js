/** Charge lines as the customer reads them (on the signature summary and the receipt), one row each. */
import { h } from "./dom.js";
import { field } from "./money.js";

function known(t, key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

/**
 * A list of lines `{kind, code, description?, qty, unit_fen, amount_fen, reason}`; money in fen.
 * `labels` ({code: name}, from the catalogue) names lines that carry no description.
 */
export function chargeList(lines, { t, money, labels = {} }) {
  return h("ul", { class: "of-lines" }, (lines || []).map((line) => {
    const kind = field(line, "kind") || "";
    const code = field(line, "code");
    const qty = field(line, "qty") ?? 1;
    const unit = field(line, "unit_fen", "unitFen", "unit");
    const amount = field(line, "amount_fen", "amountFen", "amount");
    const reason = field(line, "reason");
    const kindText = known(t, `forms.charge.kind.${kind}`, kind);
    const description = field(line, "description") || (code != null && labels[code]) || null;
    const details = [];
    if (description && kind !== "waiver") details.push(kindText);
    else if (code && kind !== "waiver") details.push(code);
    if (qty !== 1 && unit != null) details.push(`${money(unit)} ${t("forms.charge.qty", { qty })}`);
    if (reason) details.push(known(t, `forms.charge.reason.${reason}`, reason));
    return h("li", { class: `of-line of-line--${kind}` },
      h("span", { class: "of-line__what" },
        h("span", { class: "of-line__label" }, description || kindText),
        details.length ? h("span", { class: "of-line__detail" }, details.join(" · ")) : null),
      h("span", { class: "of-line__amount" }, money(amount)));
  }));
}
