/**
 * The pre-departure checklist (tools, parts or loaner, forms, receipts, fee schedule, service card,
 * badge, floor cloth, shoe covers). Leaving with items unchecked needs an explicit "leave anyway".
 */
import { answerOnce, h, listeners } from "./dom.js";
import { translator } from "./strings.js";

/** The standard list, in the order the engineer packs it. */
export const CHECKLIST_ITEMS = ["tools", "parts_or_loaner", "work_order_form", "receipts", "fee_schedule",
  "service_card", "id_badge", "floor_cloth", "shoe_covers"];

/**
 * mount(root, {items?: [id], checked?: {id: bool}, lang, t, onSubmit, onCancel?, submitOutside?})
 * onSubmit({items: {id: bool}, complete})
 * submitOutside: the host has its own Depart (the app's action bar submits the form): the form then
 * shows no button of its own and asks "leave anyway?" in a sheet over the host's bar.
 */
export function mount(root, opts = {}) {
  const t = translator(opts);
  const on = listeners();
  const ids = opts.items && opts.items.length ? opts.items : CHECKLIST_ITEMS;
  const checked = Object.fromEntries(ids.map((id) => [id, Boolean(opts.checked && opts.checked[id])]));

  const boxes = ids.map((id) => h("input", { class: "of-check__box", type: "checkbox", name: id,
    checked: checked[id] }));
  const list = h("ul", { class: "of-checklist" }, ids.map((id, i) => h("li", null,
    h("label", { class: "of-check" }, boxes[i],
      h("span", { class: "of-check__mark", "aria-hidden": "true" }),
      h("span", { class: "of-check__label" }, t(`forms.checklist.item.${id}`))))));
  const progress = h("p", { class: "of-progress", "aria-live": "polite" });
  const bar = h("span", { class: "of-progress__bar" });
  const departBtn = opts.submitOutside ? null
    : h("button", { class: "of-btn of-btn--primary", type: "submit" }, t("forms.checklist.depart"));
  // One tap for the engineer who has packed everything; each box stays the engineer's own tick.
  const allBtn = h("button", { class: "of-btn of-btn--quiet of-checklist__all", type: "button",
    "data-testid": "all-packed" }, t("forms.checklist.all_packed"));
  const missingTitle = h("h3", { id: "of-check-missing-title" });
  const missingList = h("ul", { class: "of-confirm__missing" });
  const leaveBtn = h("button", { class: "of-btn of-btn--danger", type: "button" }, t("forms.checklist.leave_anyway"));
  const backBtn = h("button", { class: "of-btn of-btn--quiet", type: "button" }, t("forms.checklist.back"));
  const confirm = h("div", { class: `of-confirm${opts.submitOutside ? " of-confirm--sheet" : ""}`,
    role: "alertdialog", hidden: true,
    "aria-labelledby": "of-check-missing-title" },
  missingTitle, missingList, h("p", null, t("forms.checklist.incomplete_body")),
  h("div", { class: "of-actions of-actions--stacked" }, leaveBtn, backBtn));
  const cancelBtn = opts.onCancel
    ? h("button", { class: "of-btn of-btn--quiet", type: "button" }, t("forms.cancel")) : null;

  const form = h("form", { class: "of-form of-checklist-form", novalidate: true },
    h("h2", { class: "of-title" }, t("forms.checklist.title")),
    h("div", { class: "of-progress__track", "aria-hidden": "true" }, bar),
    progress, list, allBtn,
    cancelBtn || departBtn ? h("div", { class: "of-actions" }, cancelBtn, departBtn) : null,
    confirm);
  root.replaceChildren(form);

  const missing = () => ids.filter((id) => !checked[id]);
  const refresh = () => {
    const done = ids.length - missing().length;
    progress.textContent = t("forms.checklist.progress", { done, total: ids.length });
    bar.dataset.done = String(done);
    bar.style.width = `${(100 * done) / ids.length}%`;
    form.classList.toggle("of-checklist-form--complete", done === ids.length);
    allBtn.hidden = done === ids.length;
  };
  const result = () => ({ items: { ...checked }, complete: missing().length === 0 });
  const answerOnceOnly = answerOnce(form, opts.onSubmit); // departing happens once
  const answer = () => {
    confirm.hidden = true;
    answerOnceOnly(result());
  };

  boxes.forEach((box, i) => on(box, "change", () => {
    checked[ids[i]] = box.checked;
    confirm.hidden = true;
    refresh();
  }));
  on(form, "submit", (event) => {
    event.preventDefault();
    if (answerOnceOnly.done()) return;
    const left = missing();
    if (!left.length) {
      answer();
      return;
    }
    missingTitle.textContent = t("forms.checklist.incomplete_title", { n: left.length });
    missingList.replaceChildren(...left.map((id) => h("li", null, t(`forms.checklist.item.${id}`))));
    confirm.hidden = false;
    backBtn.focus();
  });
  on(allBtn, "click", () => {
    boxes.forEach((box, i) => { box.checked = true; checked[ids[i]] = true; });
    confirm.hidden = true;
    refresh();
  });
  on(backBtn, "click", () => { confirm.hidden = true; });
  on(leaveBtn, "click", () => {
    answer();
  });
  if (cancelBtn) on(cancelBtn, "click", () => opts.onCancel());
  refresh();

  return {
    destroy() {
      on.off();
      root.replaceChildren();
    },
  };
}
