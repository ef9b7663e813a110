// Picking a visit time on the phone: quick slots a thumb can take, the reasons a reschedule
// usually has, and the check that a time agreed is not already past.
import { h } from "../ui.js";

export const RESCHEDULE_REASONS = ["customer_asked", "customer_not_home", "engineer_delayed", "part_not_ready"];
// Quick slots: later today (if the afternoon is still ahead), tomorrow morning, tomorrow afternoon.
const SLOT_HOURS = { morning: 9, afternoon: 14 };

/** The quick slots from `now` (local time), each {code, start: Date}. */
export function quickSlots(now = new Date()) {
  const at = (days, hour) => { const d = new Date(now); d.setDate(d.getDate() + days); d.setHours(hour, 0, 0, 0); return d; };
  const slots = [];
  if (now.getHours() < SLOT_HOURS.afternoon) slots.push({ code: "today_afternoon", start: at(0, SLOT_HOURS.afternoon) });
  slots.push({ code: "tomorrow_morning", start: at(1, SLOT_HOURS.morning) });
  slots.push({ code: "tomorrow_afternoon", start: at(1, SLOT_HOURS.afternoon) });
  return slots;
}

/** A time already past when the engineer confirms it is refused with this reason. */
export const isPast = (iso, now = Date.now()) => !!iso && Date.parse(iso) < now;

/** One-choice chips: `onPick(code)` on each tap; nothing chosen until tapped. */
export function choiceChips(t, prefix, codes, onPick, attrs = {}) {
  const group = h("div", { class: "chips", role: "radiogroup", ...attrs });
  for (const code of codes) {
    const chip = h("button", { type: "button", class: "chip", role: "radio", "aria-checked": "false", "data-value": code },
      t(`${prefix}.${code}`));
    chip.addEventListener("click", () => {
      for (const c of group.children) {
        c.classList.toggle("chip--on", c === chip);
        c.setAttribute("aria-checked", String(c === chip));
      }
      onPick(code);
    });
    group.append(chip);
  }
  return group;
}
