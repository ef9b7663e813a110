// The Security card of Settings: the passkeys of the signed-in engineer (add, remove), the unlock PIN,
// and "lock now". Adding or removing a passkey needs a recent sign-in: the card asks for the password.
import { h, button, field, replace, toast } from "../ui.js";
import * as lock from "../lock.js";
import * as passkeys from "../passkeys.js";
import * as wipe from "../wipe.js";

export const STRINGS = {
  en: {
    "security.title": "Unlock and passkeys", "security.passkeys_none": "No passkey yet.",
    "security.add_passkey": "Add a passkey", "security.remove": "Remove", "security.added": "Passkey added",
    "security.removed": "Passkey removed", "security.password": "Your password, to confirm",
    "security.confirm": "Confirm", "security.reauth": "Enter your password to confirm it is you.",
    "security.pin": "Unlock PIN (6-12 digits)", "security.set_pin": "Set PIN", "security.pin_set": "PIN set",
    "security.pin_invalid": "6 to 12 digits.", "security.pin_on": "A PIN unlocks this phone offline.",
    "security.lock_now": "Lock now", "security.no_method": "Add a passkey or a PIN so the app can lock.",
    "security.failed": "Could not do that: {reason}",
    "passkey.sign_in": "Sign in with a passkey", "passkey.cancelled": "No passkey used.",
  },
  "zh-CN": {
    "security.title": "解锁与通行密钥", "security.passkeys_none": "还没有通行密钥。",
    "security.add_passkey": "添加通行密钥", "security.remove": "移除", "security.added": "已添加通行密钥",
    "security.removed": "已移除通行密钥", "security.password": "请输入密码确认",
    "security.confirm": "确认", "security.reauth": "请输入密码确认是您本人。",
    "security.pin": "解锁 PIN 码（6-12 位数字）", "security.set_pin": "设置 PIN 码", "security.pin_set": "已设置 PIN 码",
    "security.pin_invalid": "请输入 6 到 12 位数字。", "security.pin_on": "无网络时可用 PIN 码解锁。",
    "security.lock_now": "立即锁定", "security.no_method": "请添加通行密钥或 PIN 码，应用才能锁定。",
    "security.failed": "操作失败：{reason}",
    "passkey.sign_in": "用通行密钥登录", "passkey.cancelled": "未使用通行密钥。",
  },
};

/** The app's translator, falling back to these words. */
export function words(app) {
  return (key, params = {}) => {
    const short = app.lang === "en" ? "en" : "zh";
    const own = (STRINGS[app.lang] || STRINGS.en)[key] ?? STRINGS.en[key] ?? lock.STRINGS[short][key]
      ?? wipe.STRINGS[short][key];
    return app.t(key, params, own);
  };
}

/** Run a sensitive call; on reauth_required ask for the password in `host`, then try once more. */
function withReauth(app, host, t, action) {
  return action().catch((error) => {
    if (error.code !== "reauth_required") throw error;
    return new Promise((resolve, reject) => {
      const password = h("input", { type: "password", name: "reauth_password", autocomplete: "current-password" });
      const box = h("div", { class: "reauth", "data-testid": "reauth" }, h("p", null, t("security.reauth")),
        field(t("security.password"), password),
        button(t("security.confirm"), async () => {
          try {
            await app.api.post("/api/reauth/password", { password: password.value });
            box.remove();
            resolve(await action());
          } catch (e) { box.remove(); reject(e); }
        }, "btn btn--primary", { "data-testid": "reauth-confirm" }));
      host.append(box);
      password.focus();
    });
  });
}

export async function securityCard(app) {
  const t = words(app);
  const card = h("div", { class: "card", "data-testid": "security" });
  const draw = async () => {
    const keys = await passkeys.localKeys();
    const pinOn = await lock.hasPin();
    const fail = (e) => toast(t("security.failed", { reason: e.code || e.name || String(e) }), "error");
    const pin = h("input", { type: "password", inputmode: "numeric", name: "unlock_pin", autocomplete: "off", maxlength: 12 });
    replace(card, h("h2", null, t("security.title")),
      keys.length ? h("ul", { class: "plain passkeys" }, keys.map((k) => h("li", { "data-passkey": k.id },
        h("span", null, k.name || "Passkey"), " ",
        button(t("security.remove"), () => withReauth(app, card, t, () => passkeys.remove(k.server_id))
          .then(() => { toast(t("security.removed")); draw(); }, fail), "btn btn--small btn--quiet"))))
        : h("p", { class: "muted" }, t("security.passkeys_none")),
      passkeys.supported() ? button(t("security.add_passkey"), () => withReauth(app, card, t,
        () => passkeys.register(navigator.userAgentData?.platform || "Phone"))
        .then(() => { toast(t("security.added")); draw(); }, fail), "btn btn--block", { "data-testid": "add-passkey" }) : null,
      field(t("security.pin"), pin, pinOn ? t("security.pin_on") : null),
      button(t("security.set_pin"), async () => {
        try { await lock.setPin(pin.value); toast(t("security.pin_set")); draw(); } catch { toast(t("security.pin_invalid"), "error"); }
      }, "btn btn--block", { "data-testid": "set-pin" }),
      keys.length || pinOn ? button(t("security.lock_now"), () => lock.lockNow("manual"), "btn btn--block", { "data-testid": "lock-now" })
        : h("p", { class: "muted" }, t("security.no_method")));
  };
  await draw();
  return card;
}

/** "Sign in with a passkey" for the sign-in screen; `done(body)` continues as a password sign-in does. */
export function passkeySignInButton(app, error, done) {
  if (!passkeys.supported()) return null;
  const t = words(app);
  return button(t("passkey.sign_in"), async () => {
    error.textContent = "";
    try {
      await done(await passkeys.signIn());
    } catch (e) {
      error.textContent = e.offline ? app.t("login.offline") : e.name === "NotAllowedError" ? t("passkey.cancelled")
        : app.t(`error.${e.code}`, {}, e.message);
    }
  }, "btn btn--ghost btn--block", { "data-testid": "passkey-sign-in" });
}
