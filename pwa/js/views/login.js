// Sign in with username and password; refused for another user while this device holds
// someone's unsynced work.
import { h, replace, field, toast } from "../ui.js";
import { passkeySignInButton } from "./security.js";

export async function render(root, app) {
  const previous = await app.db.getMeta("last_user", null);
  const username = h("input", { name: "username", autocomplete: "username", required: true, value: previous || "",
    autocapitalize: "none" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("p", { class: "error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn btn--primary btn--block" }, app.t("login.submit"));
  const form = h("form", { class: "login", on: { submit: async (event) => {
    event.preventDefault();
    error.textContent = "";
    const unsynced = await app.outbox.count();
    if (unsynced && previous && previous !== username.value.trim()) {
      error.textContent = app.t("login.other_user_unsynced", { n: unsynced, user: previous });
      return;
    }
    submit.disabled = true;
    try {
      const body = await app.api.login(username.value.trim(), password.value);
      await app.db.setMeta("last_user", body.user.username);
      await app.signedIn(body.user);
    } catch (e) {
      error.textContent = e.offline ? app.t("login.offline") : app.t(`error.${e.code}`, {}, e.message);
      submit.disabled = false;
    }
  } } },
  h("div", { class: "login__brand" }, h("img", { src: "/icons/icon-192.png", alt: "", width: 72, height: 72 }),
    h("h1", null, "Onsite"), h("p", { class: "muted" }, app.t("login.tagline"))),
  field(app.t("login.username"), username),
  field(app.t("login.password"), password),
  error,
  h("div", { class: "login__actions" }, submit,
    passkeySignInButton(app, error, async (body) => {
      await app.db.setMeta("last_user", body.user.username);
      await app.signedIn(body.user);
    }),
    h("div", { class: "lang-switch" }, ...app.languages.map((l) => h("button", { type: "button",
      class: `chip ${l.code === app.lang ? "chip--on" : ""}`, on: { click: () => app.setLanguage(l.code) } }, l.label)))));
  replace(root, form);
  if (previous) password.focus(); else username.focus();
  void toast;
}
