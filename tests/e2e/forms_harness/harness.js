// Mounts one form per page as the app shell would, and keeps what it reports for the tests to read.
import * as checklist from "../../../pwa/forms/checklist.js";
import * as photos from "../../../pwa/forms/photos.js";
import * as rating from "../../../pwa/forms/rating.js";
import * as receipt from "../../../pwa/forms/receipt.js";
import * as signature from "../../../pwa/forms/signature.js";
import { strings } from "../../../pwa/forms/strings.js";
import { canonicalBytes, summaryHash } from "../../../pwa/forms/summary-hash.js";
import { fixtures, LABELS } from "./fixtures.js";

const modules = { signature, rating, photos, receipt, checklist };
const params = new URLSearchParams(location.search);
const root = document.getElementById("root");
let mounted = null;

window.__results = [];
window.__cancels = 0;
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));

function base64(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Mount form `name` with its fixture data, overridden by `extra`; returns nothing useful. */
window.__mount = (name, extra = {}) => {
  mounted?.destroy();
  const lang = extra.lang || params.get("lang") || "en";
  document.documentElement.lang = lang;
  // The shell's translate function: its merged dictionary, key -> string.
  const t = (key) => strings[lang]?.[key] ?? key;
  mounted = modules[name].mount(root, {
    ...fixtures[name], labels: LABELS[lang], lang, t, ...extra,
    onSubmit: (result) => {
      // A test can make the next answer fail to be kept, as a full disk would.
      if (window.__rejectNext) {
        window.__rejectNext = false;
        return Promise.reject(new Error("could not store the answer"));
      }
      window.__results.push(result);
      document.body.dataset.results = String(window.__results.length);
    },
    onCancel: () => { window.__cancels += 1; },
  });
  document.body.dataset.form = name;
};
window.__destroy = () => { mounted?.destroy(); mounted = null; };
/** The last result, with its ArrayBuffers as base64 so the test can read them. */
window.__lastResult = () => {
  const result = window.__results.at(-1);
  if (!result) return null;
  const out = {};
  for (const [key, value] of Object.entries(result)) out[key] = value instanceof ArrayBuffer ? { base64: base64(value) } : value;
  return out;
};
window.__fixtures = fixtures;
window.__modules = modules;
window.__fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
window.__base64 = base64;
window.__summary = {
  hash: (summary) => summaryHash(summary),
  bytes: (summary) => base64(canonicalBytes(summary)),
};

if (params.has("sw")) {
  window.__swReady = navigator.serviceWorker.register("/sw.js").then(() => navigator.serviceWorker.ready)
    .then(() => (navigator.serviceWorker.controller ? true
      : new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true)))));
}
if (params.get("form")) window.__mount(params.get("form"));
