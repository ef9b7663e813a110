/** Builds form elements from data (never from HTML strings), so the forms run under a strict CSP. */

const SVG_NS = "http://www.w3.org/2000/svg";

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

function setProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === "class") el.setAttribute("class", value);
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "value" || key === "checked" || key === "disabled") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

/** An HTML element: h("button", {class: "of-btn", type: "button"}, "Sign"). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

/** An SVG element, for drawings such as stars and QR codes. */
export function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(props || {})) el.setAttribute(key, String(value));
  append(el, children);
  return el;
}

/**
 * Listeners that all go away with one call: `const on = listeners(); on(el, "click", fn); on.off()`.
 */
export function listeners() {
  const controller = new AbortController();
  const on = (target, type, fn, options = {}) =>
    target.addEventListener(type, fn, { ...options, signal: controller.signal });
  on.off = () => controller.abort();
  return on;
}

/** Disable every control in `el`; returns a function that puts each back as it was. */
export function disableAll(el) {
  const controls = [...el.querySelectorAll("button, input, select, textarea")];
  const before = controls.map((control) => control.disabled);
  for (const control of controls) control.disabled = true;
  el.setAttribute("aria-disabled", "true");
  return () => {
    controls.forEach((control, i) => { control.disabled = before[i]; });
    el.removeAttribute("aria-disabled");
  };
}

/**
 * Give a form's answer once: the form is disabled while `onSubmit` runs and stays so after. If
 * `onSubmit` throws or returns a promise that rejects (the answer could not be kept), the form is
 * usable again so the person can retry. `onReopen` runs then.
 */
export function answerOnce(form, onSubmit, onReopen) {
  let answered = false;
  const answer = async (value) => {
    if (answered) return;
    answered = true;
    const restore = disableAll(form);
    try {
      await onSubmit?.(value);
    } catch (error) {
      console.warn("the answer was not kept; the form is open again", error);
      answered = false;
      restore();
      onReopen?.();
    }
  };
  answer.done = () => answered;
  return answer;
}
