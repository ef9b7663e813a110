/** Charge lines as the customer reads them (on the signature summary and the receipt), one row each. */
import { h } from "./dom.js";
import { field } from "./money.js";

function known(t, key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

// Lines named by what was done or fitted (the job, the part); the others by their kind.
const NAMED = new Set(["labour", "part", "trade_in"]);

/**
 * A list of lines `{kind, code, description?, qty, unit_fen, amount_fen, reason}`; money in fen.
 * `labels` ({code: name} in the customer's language, from the catalogue) names labour and parts;
 * the line's stored description is the fallback. A code is never shown: a line the catalogue
 * cannot name is called by its kind. Reasons are told only when they explain a price (the
 * ordinary "schedule_price" and "trade_in_credit" have no words under `forms.charge.reason.`).
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
    const named = NAMED.has(kind);
    const name = named ? (code != null && labels[code]) || field(line, "description") || null : null;
    const label = name || kindText;
    const details = [];
    if (name) details.push(kindText);
    if (qty !== 1 && unit != null) details.push(`${money(unit)} ${t("forms.charge.qty", { qty })}`);
    if (reason) details.push(known(t, `forms.charge.reason.${reason}`, null));
    const detailText = details.filter(Boolean).join(" · ");
    return h("li", { class: `of-line of-line--${kind}` },
      h("span", { class: "of-line__what" },
        h("span", { class: "of-line__label" }, label),
        detailText ? h("span", { class: "of-line__detail" }, detailText) : null),
      h("span", { class: "of-line__amount" }, money(amount)));
  }));
}
