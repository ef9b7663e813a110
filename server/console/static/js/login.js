// Sign-in for the console: the same password login as the app, then back to the page asked for.
import { post } from "./api.js";
import { applyTranslations } from "./i18n.js";

applyTranslations();
document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    await post("/api/auth/login", { username: form.elements.username.value, password: form.elements.password.value });
    location.reload();
  } catch (e) {
    document.getElementById("login-error").textContent = e.message;
  }
});
