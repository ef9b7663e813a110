// Tiny DOM helpers for the views: elements from data (never HTML strings), no inline handlers.

export function h(tag, props = null, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key === "on") for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key === "value") el.value = value;
      else if (key === "checked") el.checked = !!value;
      else if (value === true) el.setAttribute(key, "");
      else el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(root, ...children) {
  root.replaceChildren();
  append(root, children);
}

export const button = (label, onClick, cls = "btn", extra = {}) =>
  h("button", { type: "button", class: cls, on: { click: onClick }, ...extra }, label);

/** A labelled field; `input` is the control element. */
export const field = (label, input, hint) =>
  h("label", { class: "field" }, h("span", { class: "field__label" }, label), input, hint ? h("small", { class: "hint" }, hint) : null);

export function toast(message, kind = "info") {
  let host = document.querySelector(".toasts");
  if (!host) { host = h("div", { class: "toasts", role: "status" }); document.body.append(host); }
  const item = h("div", { class: `toast toast--${kind}` }, message);
  host.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 6000 : 3500);
}

/** datetime-local value (local time) from an ISO string, and back. */
export function toLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export const fromLocalInput = (value) => (value ? new Date(value).toISOString() : null);
/** Local time as "2026-12-02 14:35:07", the same in both languages: what a photo's stamp shows. */
export const stampTime = (iso) => `${toLocalInput(iso).replace("T", " ")}:${String(new Date(iso).getSeconds()).padStart(2, "0")}`;
