/** Money for display: integer fen (1/100 of the currency unit, as the domain keeps it) to local text. */

export const DEFAULT_CURRENCY = "CNY";

/** A function fen -> "¥135.00" in `lang`, for `currency` (CNY unless told). */
export function moneyFormatter(lang, currency = DEFAULT_CURRENCY) {
  const format = new Intl.NumberFormat(lang || undefined, { style: "currency", currency: currency || DEFAULT_CURRENCY,
    currencyDisplay: "narrowSymbol" });
  return (fen) => format.format((Number(fen) || 0) / 100);
}

/** The first defined value among `names` on `obj` (the shell may send snake_case or camelCase). */
export function field(obj, ...names) {
  for (const name of names) if (obj && obj[name] !== undefined) return obj[name];
  return undefined;
}
