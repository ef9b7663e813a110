// Test harness: exposes the app's security modules on window so that a browser test can drive them.
import * as api from "../../../pwa/js/api.js";
import * as db from "../../../pwa/js/db.js";
import * as lock from "../../../pwa/js/lock.js";
import * as passkeys from "../../../pwa/js/passkeys.js";
import * as wipe from "../../../pwa/js/wipe.js";

window.onsite = { api, db, lock, passkeys, wipe };
if (!document.getElementById("app")) {
  const app = document.createElement("div");
  app.id = "app";
  app.textContent = "Orders of the day";
  document.body.append(app);
}
document.documentElement.dataset.harness = "ready";
