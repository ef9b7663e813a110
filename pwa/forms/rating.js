/**
 * The customer's satisfaction rating: repair quality and service attitude, 1 to 5 stars each, an
 * optional comment, or "declines to rate" (recorded, never forced).
 */
import { answerOnce, h, listeners, svg } from "./dom.js";
import { translator } from "./strings.js";

export const COMMENT_MAX = 500;
const STAR_PATH = "M12 2.6l2.9 6.1 6.6.8-4.9 4.6 1.3 6.6L12 17.4l-5.9 3.3 1.3-6.6-4.9-4.6 6.6-.8z";

function starScale(name, label, t) {
  const buttons = [1, 2, 3, 4, 5].map((n) => h("button", {
    class: "of-star", type: "button", role: "radio", "aria-checked": "false",
    "aria-label": t("forms.rating.star", { n }), dataset: { value: n },
  }, svg("svg", { viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" }, svg("path", { d: STAR_PATH }))));
  const level = h("p", { class: "of-stars__level", "aria-live": "polite" }, t("forms.rating.level.0"));
  const group = h("div", { class: "of-stars", role: "radiogroup", "aria-label": label, dataset: { name } }, buttons);
  const section = h("fieldset", { class: "of-rating__scale" }, h("legend", null, label), group, level);
  const show = (value) => {
    buttons.forEach((b, i) => {
      b.setAttribute("aria-checked", String(i + 1 === value));
      b.classList.toggle("of-star--on", i < value);
    });
    level.textContent = t(`forms.rating.level.${value || 0}`);
  };
  return { section, buttons, show };
}

/**
 * mount(root, {lang, t, onSubmit, onCancel?, initial?: {repairQuality, serviceAttitude, comment}})
 * onSubmit({repairQuality, serviceAttitude, comment, declined})
 */
export function mount(root, opts = {}) {
  const t = translator(opts);
  const on = listeners();
  const initial = opts.initial || {};
  const values = { repairQuality: initial.repairQuality || 0, serviceAttitude: initial.serviceAttitude || 0 };

  const scales = {
    repairQuality: starScale("repairQuality", t("forms.rating.repair_quality"), t),
    serviceAttitude: starScale("serviceAttitude", t("forms.rating.service_attitude"), t),
  };
  const comment = h("textarea", { class: "of-input of-textarea", name: "comment", rows: 3,
    maxlength: COMMENT_MAX, value: (initial.comment || "").slice(0, COMMENT_MAX) });
  const counter = h("span", { class: "of-counter" });
  const submitBtn = h("button", { class: "of-btn of-btn--primary", type: "submit" }, t("forms.rating.submit"));
  const declineBtn = h("button", { class: "of-btn of-btn--link", type: "button" }, t("forms.rating.decline"));
  const declineConfirm = h("button", { class: "of-btn of-btn--primary", type: "button" },
    t("forms.rating.decline_confirm"));
  const declineBack = h("button", { class: "of-btn of-btn--quiet", type: "button" }, t("forms.rating.decline_back"));
  const declinePanel = h("div", { class: "of-confirm", role: "alertdialog", hidden: true },
    h("h3", null, t("forms.rating.decline_title")),
    h("p", null, t("forms.rating.decline_body")),
    h("div", { class: "of-actions" }, declineBack, declineConfirm));
  const cancelBtn = opts.onCancel
    ? h("button", { class: "of-btn of-btn--quiet", type: "button" }, t("forms.cancel")) : null;

  const form = h("form", { class: "of-form of-rating", novalidate: true },
    h("h2", { class: "of-title" }, t("forms.rating.title")),
    scales.repairQuality.section,
    scales.serviceAttitude.section,
    h("label", { class: "of-field" },
      h("span", { class: "of-field__label" }, t("forms.rating.comment"), counter), comment),
    h("div", { class: "of-actions" }, submitBtn),
    h("div", { class: "of-actions of-actions--secondary" }, cancelBtn, declineBtn),
    declinePanel);
  root.replaceChildren(form);

  const answer = answerOnce(form, opts.onSubmit, () => refresh()); // one answer per mount
  const refresh = () => {
    for (const [key, scale] of Object.entries(scales)) scale.show(values[key]);
    submitBtn.disabled = !(values.repairQuality && values.serviceAttitude);
    counter.textContent = t("forms.rating.comment_count", { n: comment.value.length, max: COMMENT_MAX });
  };
  for (const [key, scale] of Object.entries(scales)) {
    scale.buttons.forEach((button, i) => on(button, "click", () => {
      if (answer.done()) return;
      values[key] = i + 1;
      refresh();
    }));
    // Radio-group keys: arrows move the rating (and the focus) one star.
    on(scale.buttons[0].parentElement, "keydown", (event) => {
      const step = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[event.key];
      if (!step || answer.done()) return;
      event.preventDefault();
      const current = values[key] || scale.buttons.indexOf(document.activeElement) + 1;
      values[key] = Math.min(5, Math.max(1, current + step));
      scale.buttons[values[key] - 1].focus();
      refresh();
    });
  }
  on(comment, "input", refresh);
  on(declineBtn, "click", () => {
    declinePanel.hidden = false;
    declineConfirm.focus();
  });
  on(declineBack, "click", () => { declinePanel.hidden = true; });
  if (cancelBtn) on(cancelBtn, "click", () => opts.onCancel());
  on(declineConfirm, "click", () => {
    declinePanel.hidden = true;
    answer({ repairQuality: null, serviceAttitude: null, comment: "", declined: true });
  });
  on(form, "submit", (event) => {
    event.preventDefault();
    if (answer.done() || !(values.repairQuality && values.serviceAttitude)) return;
    answer({ repairQuality: values.repairQuality, serviceAttitude: values.serviceAttitude,
      comment: comment.value.trim().slice(0, COMMENT_MAX), declined: false });
  });
  refresh();

  return {
    destroy() {
      on.off();
      root.replaceChildren();
    },
  };
}
