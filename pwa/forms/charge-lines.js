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
    const name = field(line, "description") || (code != null && labels[code]) || null;
    const codeText = code && code !== kind && kind !== "waiver" ? code : null;
    // Labour and parts are named by what was done or fitted; credits, fees and waivers by their kind.
    const named = kind === "labour" || kind === "part";
    const label = named ? name || kindText : kindText;
    const details = [];
    if (named) details.push(name ? kindText : codeText);
    else details.push(name || codeText);
    if (qty !== 1 && unit != null) details.push(`${money(unit)} ${t("forms.charge.qty", { qty })}`);
    if (reason) details.push(known(t, `forms.charge.reason.${reason}`, reason));
    const detailText = details.filter(Boolean).join(" · ");
    return h("li", { class: `of-line of-line--${kind}` },
      h("span", { class: "of-line__what" },
        h("span", { class: "of-line__label" }, label),
        detailText ? h("span", { class: "of-line__detail" }, detailText) : null),
      h("span", { class: "of-line__amount" }, money(amount)));
  }));
}
