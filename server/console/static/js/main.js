// The console's composition root: translations, the page's module, live refresh, sign-out.
import { get, post } from "./api.js";
import * as board from "./board.js";
import * as complaints from "./complaints.js";
import * as conflicts from "./conflicts.js";
import * as devices from "./devices.js";
import * as figures from "./figures.js";
import * as followUps from "./follow_ups.js";
import { toast } from "./html.js";
import { applyTranslations, setLang } from "./i18n.js";
import * as intake from "./intake.js";
import { startLive } from "./live.js";
import * as map from "./map.js";
import * as order from "./order.js";
import * as plan from "./plan.js";
import { policy, setPolicy } from "./policy.js";

const PAGES = { board, plan, intake, "follow-ups": followUps, complaints, conflicts, figures, devices, order, map };

async function start() {
  const page = PAGES[document.body.dataset.page];
  // The labels' numbers come from the policy record; the page carries it too, for a slow answer.
  try {
    setPolicy({ ...policy(), ...(await get("/api/policy")).values });
  } catch (e) {
    toast(e.message, "error");
  }
  applyTranslations();
  devices.translate();
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", async () => {
      setLang(button.dataset.lang);
      applyTranslations();
      devices.translate();
      document.dispatchEvent(new Event("langchange"));
      await page.refresh();
    });
  }
  document.getElementById("sign-out").addEventListener("click", async () => {
    await post("/api/auth/logout");
    location.reload();
  });
  try {
    await page.mount();
  } catch (e) {
    toast(e.message, "error");
  }
  document.body.dataset.ready = "true";
  // Marked once the frame after mounting is painted: the page drawn, its handlers attached
  // (bench/console_board.py measures to here).
  requestAnimationFrame(() => setTimeout(() => performance.mark("console:ready")));
  if (page !== intake) startLive(() => page.refresh().catch((e) => toast(e.message, "error")));
}

start();
