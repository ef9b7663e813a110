// The schedule flags the server computed (server/domain/schedule.py), said in plain words: a short
// label on a card, a sentence with the numbers in the placement dialog and the card's tooltip.
import { h, label, time } from "./html.js";
import { t } from "./i18n.js";

// What a sentence needs besides the flag: the other order's number, the engineer's name.
export function flagSentence(flag, { numbers = {}, engineer = null } = {}) {
  const p = flag.params || {};
  const other = numbers[flag.other_order_id] || "";
  const name = engineer ? engineer.name : "";
  const words = {
    double_booking: { other, time: time(p.other_start) },
    impossible_travel: { other, travel: p.travel_minutes, short: p.short_minutes },
    missing_skill: { name, category: label("cat", p.category) },
    out_of_area: {
      name, home: p.home_district || "", km: (p.distance_m / 1000).toFixed(1), radius: Math.round(p.radius_m / 1000),
    },
    over_capacity: { count: p.count, capacity: p.capacity },
  }[flag.code] || {};
  return t(`flag.long.${flag.code}`, words);
}

export function flagBadges(flags, context) {
  return flags.map((flag) => h("span", {
    class: `badge flag flag-${flag.code}`, dataset: { flag: flag.code }, title: flagSentence(flag, context),
  }, t(`flag.${flag.code}`)));
}

export function flagList(flags, context) {
  return flags.map((flag) => h("li", { class: `flag-line flag-${flag.code}`, dataset: { flag: flag.code } },
    h("strong", {}, t(`flag.${flag.code}`)), " ", flagSentence(flag, context)));
}
