// One order, one step at a time: the engineer sees the order's facts and only the legal next
// moves of its status (states.js), with the primary action at the bottom of the screen.
import { h, replace, button, field, toast, toLocalInput, fromLocalInput, stampTime } from "../ui.js";
import { loadOrder, chargesOf, scheduleFor, localDay } from "../orders.js";
import { lateness, decideWarranty, LATENESS_REASONS } from "../rules.js";
import { chargeTable } from "./charges.js";
import * as checklistForm from "../../forms/checklist.js";
import * as photosForm from "../../forms/photos.js";
import { photoStrip } from "./photos.js";
import { factsCard, correctionSheet, dialable } from "./order-facts.js";
import { positionOnce, arrivalEvidence } from "../position.js";
import { quickSlots, isPast, choiceChips, RESCHEDULE_REASONS } from "./appointment.js";
import { notHomeSheet, unableSheet, partMissingSheet, loanerCard } from "./field-situations.js";

const CAUSES = ["manufacturing_fault", "misuse", "disaster", "unknown"];

export async function render(root, app, [id]) {
  const bundle = await loadOrder(id);
  if (!bundle) {
    replace(root, h("section", { class: "empty-state" }, h("h1", null, app.t("order.gone")),
      h("p", null, app.t("order.gone_hint")), h("a", { class: "btn btn--primary", href: "#/" }, app.t("nav.back_list"))));
    return null;
  }
  const view = new VisitView(root, app, bundle);
  await view.draw();
  return () => view.destroy();
}

class VisitView {
  constructor(root, app, bundle) {
    Object.assign(this, { root, app, bundle, mounted: [], sheet: null });
    this.t = app.t;
  }

  destroy() { for (const form of this.mounted) form.destroy(); this.mounted = []; }

  async act(mutations, blobs = [], next = null) {
    await this.app.outbox.commit(mutations.filter(Boolean), blobs);
    if (next) this.app.go(next); else this.app.render();
    this.app.syncNow("change");
  }

  async move(target, { reason, milestones = {}, fields = null, extra = [] } = {}) {
    const { outbox } = this.app;
    const muts = [];
    if (fields) muts.push(await outbox.updateMut("order", this.bundle.order.id, fields));
    muts.push(...extra);
    muts.push(await outbox.statusMut(this.bundle.order, target, { reason, milestones }));
    await this.act(muts);
  }

  warranty(cause) {
    const { order, unit, catalogue } = this.bundle;
    const policy = catalogue.warrantyPolicies.find((p) => p.category === unit?.category);
    return decideWarranty({ purchaseDate: unit?.purchase_date, manufactureDate: unit?.manufacture_date,
      cause: cause || order.cause || "unknown", today: localDay(order.arrived_at, catalogue.policy.timezone), policy });
  }

  /** The warranty's end date as the decision saw it, for the words that name it. */
  expires() {
    const w = this.warranty(this.bundle.order.cause);
    return w.expiresOn ? this.app.date(w.expiresOn) : "";
  }

  async draw() {
    this.destroy();
    const { order } = this.bundle;
    const step = this.sheet ? this.sheet() : this.step(order.status);
    replace(this.root,
      h("section", { class: "visit", "data-status": order.status, "data-outcome": order.repair_outcome || null, "data-sheet": this.sheet ? "open" : null },
        this.header(), this.rejected(), h("div", { class: "step" }, step.body), this.sheet ? null : factsCard(this), this.facts()),
      h("div", { class: "actionbar" }, step.actions));
  }

  header() {
    const { order, customer, unit } = this.bundle;
    const phone = order.contact_phone || customer?.phones?.[0] || "";
    return h("div", { class: "order-head" },
      h("div", { class: "order-head__top" }, h("a", { href: "#/", class: "back", "aria-label": this.t("nav.back_list") }, "‹"),
        h("div", null, h("h1", null, customer?.name || order.number), h("small", { class: "muted" }, order.number)),
        h("span", { class: `status status--${order.status}` }, this.t(`status.${order.status}`))),
      h("dl", { class: "facts-grid" },
        h("dt", null, this.t("order.address")), h("dd", null, order.service_address || customer?.address || "—"),
        h("dt", null, this.t("order.unit")), h("dd", null, [unit?.brand, unit?.model, unit?.category && this.t(`category.${unit.category}`, {}, unit.category)].filter(Boolean).join(" · ") || "—"),
        h("dt", null, this.t("order.symptom")), h("dd", null, order.symptom || "—"),
        h("dt", null, this.t("order.appointment")), h("dd", null, order.appointment_start ? this.app.dateTime(order.appointment_start) : "—")),
      phone ? h("a", { class: "btn btn--call", href: `tel:${dialable(phone)}` }, "☎ ", this.t("order.call"), " ", phone) : null,
      order.flagged ? h("p", { class: "notice notice--warn" }, this.t(`flag.${order.flag_reason}`, {}, order.flag_reason)) : null);
  }

  openCorrection() {
    this.sheet = () => correctionSheet(this);
    this.draw();
    window.scrollTo(0, 0);
  }

  rejected() {
    const rows = this.bundle.rejected;
    if (!rows.length) return null;
    return h("div", { class: "notice notice--error", "data-testid": "rejected" },
      h("strong", null, this.t("rejected.title")),
      ...rows.map((m) => h("div", { class: "rejected-row" },
        h("span", null, this.app.reasonText(m)),
        button(this.t("rejected.discard"), () => this.app.outbox.discard(m.number).then(() => this.app.render()), "btn btn--small"))));
  }

  facts() {
    const { order, part_used: parts, photo } = this.bundle;
    const catalogue = new Map(this.bundle.catalogue.parts.map((p) => [p.code, p]));
    return h("div", { class: "order-facts" },
      parts.filter((p) => !p.removed).length ? h("div", { class: "card" }, h("h2", null, this.t("parts.title")),
        h("ul", { class: "plain parts-used", "data-testid": "parts" }, parts.filter((p) => !p.removed).map((p) => this.partRow(p, catalogue)))) : null,
      photo.length && order.status !== "on_site" ? h("div", { class: "card" }, h("h2", null, this.t("photos.title", { n: photo.length })),
        photoStrip(this.app, photo)) : null,
      ["diagnosed", "awaiting_consent", "in_repair", "awaiting_part", "taken_back", "completed"].includes(order.status)
        ? h("a", { class: "btn btn--ghost btn--block", href: `#/order/${order.id}/charges` }, this.t("charges.open")) : null);
  }

  /** A part used: its name and quantity, what it costs this customer (from the same charges the
   *  receipt will show), and, until the receipt, a way to take it off the order. */
  partRow(part, catalogue) {
    const charges = chargesOf(this.bundle);
    const lines = charges.error ? [] : charges.lines.filter((l) => l.code === part.part_code && (l.kind === "part" || l.kind === "trade_in"));
    const amount = lines.reduce((sum, l) => sum + l.amount_fen, 0);
    const editable = ["on_site", "diagnosed", "awaiting_consent", "in_repair"].includes(this.bundle.order.status)
      && !this.bundle.receipt.some((r) => !r.voided_at);
    const name = this.app.partName(catalogue.get(part.part_code)) || part.part_code;
    const remove = async () => {
      await this.act([await this.app.outbox.updateMut("part_used", part.id, { removed: true }, this.bundle.order.id),
        await this.app.outbox.event(this.bundle.order.id, "part_removed", { part_code: part.part_code, qty: part.qty })]);
      toast(this.t("parts.removed", { name }));
    };
    return h("li", { class: "part-row", "data-part": part.part_code },
      h("span", { class: "part-row__what" }, `${name} × ${part.qty}`,
        part.trade_in ? h("span", { class: "tag" }, this.t("parts.trade_in")) : null),
      h("span", { class: "part-row__price num", "data-testid": "part-price" },
        charges.error ? "—" : amount === 0 && lines.some((l) => l.reason === "in_warranty") ? this.t("parts.free_in_warranty") : this.app.money(amount)),
      editable ? button(this.t("parts.remove"), remove, "btn btn--small btn--quiet", { "data-testid": "remove-part",
        "aria-label": this.t("parts.remove_named", { name }) }) : null);
  }

  // ---- one panel per status ------------------------------------------------------------
  step(status) {
    const fn = this[`step_${status}`];
    if (fn) return fn.call(this);
    return { body: h("p", { class: "muted" }, this.t(`status_hint.${status}`, {}, this.t("status_hint.none"))), actions: null };
  }

  /** Show a field situation's sheet (field-situations.js) in place of the step. */
  situation(make) {
    this.sheet = () => make(this);
    this.draw();
    window.scrollTo(0, 0);
  }

  reasonSheet(target, title, { agreed = false, reason: given = "" } = {}) {
    this.sheet = () => {
      const t = this.t;
      const reason = h("textarea", { name: "reason", rows: 3, required: true, value: given });
      const when = target === "scheduled" ? h("input", { type: "datetime-local", name: "new_start",
        value: toLocalInput(this.bundle.order.appointment_start) }) : null;
      // The customer's answer is asked, never assumed: nothing is chosen until tapped.
      let answer = null;
      const agree = agreed ? choiceChips(t, "appointment.answer", ["agreed", "refused"], (code) => { answer = code; },
        { "aria-label": t("appointment.customer_agreed"), "data-choice": "agreed" }) : null;
      const slots = when ? h("div", { class: "chips", "data-choice": "slot" }, quickSlots().map((slot) =>
        button(`${t(`appointment.slot.${slot.code}`)} ${this.app.clock(slot.start.toISOString())}`,
          () => { when.value = toLocalInput(slot.start.toISOString()); }, "chip", { "data-value": slot.code }))) : null;
      const reasons = when ? choiceChips(t, "appointment.reason", RESCHEDULE_REASONS, (code) => {
        reason.value = t(`appointment.reason.${code}`);
      }, { "aria-label": t("common.reason"), "data-choice": "reason" }) : null;
      const go = async () => {
        if (!reason.value.trim()) { toast(t("reason.reason_required"), "error"); return; }
        if (when) {
          const start = fromLocalInput(when.value);
          if (!start) { toast(t("appointment.pick_time"), "error"); return; }
          if (isPast(start)) { toast(t("appointment.past", { time: this.app.dateTime(start) }), "error"); return; }
          if (agree && !answer) { toast(t("appointment.ask_customer"), "error"); return; }
          this.sheet = null;
          await this.reschedule(reason.value.trim(), start, agree ? answer === "agreed" : true);
          return;
        }
        this.sheet = null;
        await this.move(target, { reason: reason.value.trim(),
          fields: target === "returned_to_dispatch" ? { handback_reason: reason.value.trim() } : null });
      };
      return { body: h("div", { class: "card" }, h("h2", null, title), reasons, field(t("common.reason"), reason),
        slots, when ? field(t("appointment.new_time"), when) : null,
        agree ? [h("p", null, t("appointment.customer_agreed")), agree] : null),
      actions: [button(t("common.cancel"), () => { this.sheet = null; this.draw(); }, "btn"),
        button(t("common.confirm"), go, "btn btn--primary", { "data-testid": "confirm-reason" })] };
    };
    this.draw();
  }

  async reschedule(reason, newStart, agreed) {
    const { order } = this.bundle;
    const { outbox } = this.app;
    const change = outbox.createMut("appointment_change", { order_id: order.id, kind: "reschedule",
      old_start: order.appointment_start || null, new_start: newStart, new_end: null, reason, customer_agreed: agreed,
      at: outbox.nowIso() });
    if (!agreed) {
      // The customer refused the new time: the order goes back to the dispatcher.
      await this.act([change, await outbox.statusMut(order, "returned_to_dispatch", { reason })]);
      return;
    }
    const muts = [change, await outbox.updateMut("order", order.id, { appointment_start: newStart, appointment_confirmed: true })];
    if (order.status === "departed") muts.push(await outbox.statusMut(order, "scheduled", { reason }));
    await this.act(muts);
  }

  handBack() { this.reasonSheet("returned_to_dispatch", this.t("handback.title")); }

  step_assigned() {
    return { body: h("div", { class: "card" }, h("h2", null, this.t("step.assigned")), h("p", null, this.t("step.assigned_hint"))),
      actions: [button(this.t("action.hand_back"), () => this.handBack(), "btn"),
        button(this.t("action.accept"), () => this.move("accepted", { milestones: { accepted_at: this.app.outbox.nowIso() } }),
          "btn btn--primary", { "data-testid": "primary" })] };
  }

  step_accepted() {
    const { order } = this.bundle;
    const { outbox } = this.app;
    const noAnswer = async () => this.act([await outbox.event(order.id, "call", { outcome: "no_answer" })]);
    return { body: h("div", { class: "card" }, h("h2", null, this.t("step.accepted")), h("p", null, this.t("step.accepted_hint")),
      button(this.t("call.no_answer"), noAnswer, "btn btn--block"),
      button(this.t("call.guided"), () => this.guided(), "btn btn--block")),
    actions: [button(this.t("action.hand_back"), () => this.handBack(), "btn"),
      button(this.t("call.reached"), async () => this.act([await outbox.event(order.id, "call", { outcome: "reached" }),
        await outbox.statusMut(order, "contacted", { milestones: { contacted_at: outbox.nowIso() } })]),
      "btn btn--primary", { "data-testid": "primary" })] };
  }

  async guided() {
    const { order } = this.bundle;
    const { outbox } = this.app;
    await this.act([await outbox.event(order.id, "phone_guidance", {}),
      await outbox.statusMut(order, "guided_by_phone", { milestones: { contacted_at: order.contacted_at || outbox.nowIso() } })]);
  }

  step_contacted() {
    const { order } = this.bundle;
    const { outbox } = this.app;
    const when = h("input", { type: "datetime-local", name: "appointment", required: true,
      value: toLocalInput(order.appointment_start || order.requested_window_start) });
    let warnedFor = null;
    const confirm = async () => {
      const start = fromLocalInput(when.value);
      if (!start) { toast(this.t("appointment.pick_time"), "error"); return; }
      // A time already past is said out loud; a second tap confirms it was meant (a visit agreed earlier).
      if (isPast(start) && warnedFor !== start) {
        warnedFor = start;
        toast(this.t("appointment.past_confirm", { time: this.app.dateTime(start) }), "error");
        return;
      }
      const fields = { appointment_confirmed: true };
      if (start !== order.appointment_start) fields.appointment_start = start;
      await this.act([
        outbox.createMut("appointment_change", { order_id: order.id, kind: "confirm", old_start: order.appointment_start || null,
          new_start: start, new_end: order.appointment_end || null, reason: "", customer_agreed: true, at: outbox.nowIso() }),
        await outbox.updateMut("order", order.id, fields),
        await outbox.statusMut(order, "scheduled")]);
    };
    return { body: h("div", { class: "card" }, h("h2", null, this.t("step.contacted")),
      field(this.t("appointment.time"), when, this.t("appointment.check_hint")),
      button(this.t("call.guided"), () => this.guided(), "btn btn--block")),
    actions: [button(this.t("action.hand_back"), () => this.handBack(), "btn"),
      button(this.t("appointment.confirm"), confirm, "btn btn--primary", { "data-testid": "primary" })] };
  }

  step_guided_by_phone() {
    const { order } = this.bundle;
    return { body: h("div", { class: "card" }, h("h2", null, this.t("step.guided")), h("p", null, this.t("step.guided_hint"))),
      actions: [button(this.t("guided.visit"), () => this.move("scheduled"), "btn"),
        button(this.t("guided.solved"), () => this.move("completed", { milestones: { completed_at: this.app.outbox.nowIso() },
          fields: { repair_outcome: "phone_guidance" } }), "btn btn--primary", { "data-testid": "primary" })],
      order };
  }

  step_scheduled() {
    const { order } = this.bundle;
    const holder = h("div", { class: "form-host" });
    let result = { items: order.checklist || {}, complete: false };
    const form = checklistForm.mount(holder, { t: this.t, lang: this.app.lang, checked: order.checklist || {},
      submitOutside: true, onSubmit: (r) => { result = r; depart(); } });
    this.mounted.push(form);
    const depart = async () => {
      const { outbox } = this.app;
      await this.act([await outbox.updateMut("order", order.id, { checklist: result.items }),
        await outbox.event(order.id, "checklist", { items: result.items, complete: result.complete }),
        await outbox.statusMut(order, "departed", { milestones: { departed_at: outbox.nowIso() } })]);
    };
    // One Depart, in the bar under the thumb: it submits the form, which asks about what is missing.
    const departFromBar = () => holder.querySelector("form")?.requestSubmit();
    return { body: [h("div", { class: "card" }, holder),
      button(this.t("action.hand_back"), () => this.handBack(), "btn btn--block btn--quiet")],
    actions: [button(this.t("action.reschedule"), () => this.reasonSheet("scheduled", this.t("appointment.reschedule"), { agreed: true }), "btn"),
        button(this.t("action.depart"), departFromBar, "btn btn--primary", { "data-testid": "primary" })] };
  }

  step_departed() {
    const { order } = this.bundle;
    const { outbox } = this.app;
    const policy = this.bundle.catalogue.policy.values;
    const tier = order.appointment_start
      ? lateness(order.appointment_start, order.appointment_end, new Date().toISOString(), policy) : null;
    // Ticked when the engineer shows the badge, and recorded at that moment (一证件).
    const badge = h("input", { type: "checkbox", name: "badge_shown", checked: !!order.badge_shown });
    badge.addEventListener("change", async () => {
      await this.act([await outbox.updateMut("order", order.id, { badge_shown: badge.checked }),
        await outbox.event(order.id, badge.checked ? "badge_shown" : "badge_unticked", {})]);
    });
    let reason = order.late_reason || "";
    const chips = h("div", { class: "chips", role: "radiogroup", "aria-label": this.t("lateness.reason_title") },
      LATENESS_REASONS.map((code) => {
        const chip = h("button", { type: "button", class: `chip${reason === code ? " chip--on" : ""}`, role: "radio",
          "aria-checked": String(reason === code), "data-reason": code }, this.t(`lateness.reason.${code}`));
        chip.addEventListener("click", () => {
          reason = code;
          for (const c of chips.children) {
            const on = c.dataset.reason === code;
            c.classList.toggle("chip--on", on);
            c.setAttribute("aria-checked", String(on));
          }
        });
        return chip;
      }));
    const arrive = async () => {
      const at = outbox.nowIso();
      const late = order.appointment_start ? lateness(order.appointment_start, order.appointment_end, at, policy) : null;
      if (late && late.tier !== "on_time" && !reason) { toast(this.t("lateness.reason_required"), "error"); return; }
      const fields = late && late.tier !== "on_time" ? { late_reason: reason } : {};
      // The position is asked once, after the moment of arrival is taken (it may take seconds).
      toast(this.t("arrive.locating"));
      const where = arrivalEvidence(await positionOnce(), order.service_location, policy.arrival_radius_m);
      await this.act([await outbox.event(order.id, "arrived", { lateness_minutes: late?.minutes ?? null,
        tier: late?.tier ?? null, late_reason: fields.late_reason || null, ...where }),
      Object.keys(fields).length ? await outbox.updateMut("order", order.id, fields) : null,
      await outbox.statusMut(order, "on_site", { milestones: { arrived_at: at } })]);
    };
    return { body: h("div", { class: "card" }, h("h2", null, this.t("step.departed")),
      tier ? this.latenessBox(tier) : null,
      tier && tier.tier !== "on_time" ? h("div", { class: "late-reason" }, h("p", null, this.t("lateness.reason_title")), chips) : null,
      h("label", { class: "check" }, badge, this.t("arrive.badge")),
      button(this.t("not_home.open"), () => this.situation(notHomeSheet), "btn btn--block", { "data-testid": "open-not-home" }),
      button(this.t("unable.open"), () => this.situation(unableSheet), "btn btn--block btn--quiet", { "data-testid": "open-unable" })),
    actions: [button(this.t("action.delayed"), () => this.reasonSheet("scheduled", this.t("appointment.delay"), { agreed: true }), "btn"),
      button(this.t("action.arrived"), arrive, "btn btn--primary", { "data-testid": "primary" })] };
  }

  /** Where the phone was at arrival, as recorded: distance and accuracy, flagged when far, or why not. */
  arrivalBox() {
    const arrived = this.bundle.timeline_event.filter((e) => e.kind === "arrived").pop();
    if (!arrived || !("position_error" in (arrived.data || {}))) return null;
    const d = arrived.data;
    if (d.position_error) {
      return h("p", { class: "notice notice--warn", "data-testid": "arrival-position" }, this.t(`arrive.no_position.${d.position_error}`));
    }
    const text = d.distance_m === null || d.distance_m === undefined
      ? this.t("arrive.position_only", { accuracy: d.position.accuracy_m })
      : this.t(d.far_from_address ? "arrive.far" : "arrive.near", { distance: d.distance_m, accuracy: d.position.accuracy_m, radius: d.radius_m });
    // The server read the same position against the address as it holds it (the pin may have moved).
    const server = d.server_check;
    const differs = server && typeof server.far_from_address === "boolean" && server.far_from_address !== !!d.far_from_address;
    return h("div", { "data-testid": "arrival-position", "data-far": d.far_from_address ? "1" : "0" },
      h("p", { class: `notice ${d.far_from_address ? "notice--warn" : "notice--ok"}` }, text),
      differs ? h("p", { class: "notice notice--warn", "data-testid": "arrival-server-check" },
        this.t("arrive.server_differs", { distance: server.distance_m })) : null);
  }

  latenessBox(tier) {
    return h("div", { class: `lateness lateness--${tier.tier}`, "data-testid": "lateness" },
      h("strong", null, this.t(`lateness.${tier.tier}`, { minutes: tier.minutes })),
      h("p", null, this.t(`lateness.${tier.reason}`, { minutes: tier.minutes })));
  }

  step_on_site() {
    const { order, unit, part_used: used, catalogue } = this.bundle;
    const { outbox } = this.app;
    const tier = chargesOf(this.bundle).derived.lateness;
    const cause = h("select", { name: "cause" }, CAUSES.map((c) => h("option", { value: c, selected: c === (order.cause || "unknown") }, this.t(`cause.${c}`))));
    const diagnosis = h("textarea", { name: "diagnosis", rows: 3, value: order.diagnosis || "" });
    const schedule = scheduleFor(order, catalogue.schedules);
    const other = schedule?.compare_with_id ? catalogue.schedules.find((s) => s.id === schedule.compare_with_id) : null;
    const jobs = [...new Map([...(schedule?.items || []), ...(other?.items || [])]
      .filter((i) => i.kind === "labour" && (!unit || i.category === unit.category)).map((i) => [i.job, i])).values()];
    const job = h("select", { name: "job_code" }, h("option", { value: "" }, this.t("diagnosis.no_job")),
      jobs.map((j) => h("option", { value: j.job, selected: j.job === order.job_code }, this.app.jobName(j.job))));
    const warrantyBox = h("div", { class: "warranty", "data-testid": "warranty" });
    const showWarranty = () => {
      const w = this.warranty(cause.value);
      warrantyBox.className = `warranty warranty--${w.inWarranty ? "in" : "out"}`;
      replace(warrantyBox, h("strong", null, this.t(w.inWarranty ? "warranty.in" : "warranty.out")),
        h("span", null, this.t(`warranty.reason.${w.reason}`, { expires: w.expiresOn ? this.app.date(w.expiresOn) : "" }, w.reason)));
      return w;
    };
    cause.addEventListener("change", showWarranty);
    showWarranty();
    const travel = h("input", { type: "checkbox", name: "travel_applies", checked: !!order.travel_applies });
    // parts from the catalogue
    const parts = catalogue.parts.filter((p) => !unit || !p.category || p.category === unit.category);
    const partSel = h("select", { name: "part" }, h("option", { value: "" }, this.t("parts.pick")),
      parts.map((p) => h("option", { value: p.code }, `${this.app.partName(p)} (${p.code})`)));
    const qty = h("input", { type: "number", name: "qty", min: 1, max: 99, value: "1", inputmode: "numeric" });
    const tradeIn = h("input", { type: "checkbox", name: "trade_in" });
    const saveFields = () => ({ cause: cause.value, diagnosis: diagnosis.value.trim(), job_code: job.value,
      travel_applies: travel.checked });
    const addPart = async () => {
      if (!partSel.value) { toast(this.t("parts.pick"), "error"); return; }
      await this.act([await outbox.updateMut("order", order.id, saveFields()),
        outbox.createMut("part_used", { order_id: order.id, part_code: partSel.value, qty: Math.max(1, parseInt(qty.value, 10) || 1),
          trade_in: tradeIn.checked, old_part_returned: false, removed: false })]);
    };
    const photoHost = h("div", { class: "form-host" });
    const openPhotos = () => {
      if (photoHost.childElementCount) return;
      const form = photosForm.mount(photoHost, { t: this.t, lang: this.app.lang,
        stamp: (takenAt) => `${order.number} · ${stampTime(takenAt)}`,
        parts: used.filter((p) => !p.removed).map((p) => ({ id: p.id, label: this.app.partName(catalogue.parts.find((c) => c.code === p.part_code)) || p.part_code, code: p.part_code })),
        onSubmit: async (r) => {
          await this.act([await outbox.updateMut("order", order.id, saveFields()),
            outbox.createMut("photo", { order_id: order.id, part_used_id: r.partUsedId || null, sha256: r.sha256, mime: r.mime,
              size: r.bytes.byteLength, width: r.width ?? null, height: r.height ?? null, taken_at: r.takenAt || outbox.nowIso(),
              caption: r.caption || "" })],
          [{ sha256: r.sha256, bytes: r.bytes, mime: r.mime, size: r.bytes.byteLength, order_id: order.id }]);
        },
        onCancel: () => { form.destroy(); photoHost.replaceChildren(); } });
      this.mounted.push(form);
    };
    const done = async () => {
      if (!diagnosis.value.trim()) { toast(this.t("diagnosis.required"), "error"); diagnosis.focus(); return; }
      const w = showWarranty();
      await this.move("diagnosed", { fields: { ...saveFields(), in_warranty: w.inWarranty, warranty_reason: w.reason } });
    };
    return { body: [
      this.arrivalBox(),
      tier ? this.latenessBox(tier) : null,
      tier?.waiver ? h("p", { class: "muted" }, this.t("lateness.waiver_note")) : null,
      h("div", { class: "card" }, h("h2", null, this.t("step.on_site")),
        field(this.t("diagnosis.cause"), cause), warrantyBox,
        field(this.t("diagnosis.text"), diagnosis), field(this.t("diagnosis.job"), job),
        h("label", { class: "check" }, travel, this.t("diagnosis.travel"))),
      h("div", { class: "card" }, h("h2", null, this.t("parts.add")), field(this.t("parts.part"), partSel),
        h("div", { class: "row" }, field(this.t("parts.qty"), qty), h("label", { class: "check" }, tradeIn, this.t("parts.trade_in"))),
        button(this.t("parts.add"), addPart, "btn btn--block", { "data-testid": "add-part" })),
      h("div", { class: "card" }, h("h2", null, this.bundle.photo.length ? this.t("photos.title", { n: this.bundle.photo.length }) : this.t("photos.add")),
        this.bundle.photo.length ? photoStrip(this.app, this.bundle.photo) : null,
        button(this.t("photos.take"), openPhotos, "btn btn--block", { "data-testid": "open-photos" }), photoHost)],
    actions: [button(this.t("diagnosis.done"), done, "btn btn--primary", { "data-testid": "primary" })] };
  }

  /** The priced total, or why it cannot be priced (which line) and the way to a manual price. */
  priceBox(charges) {
    const { order } = this.bundle;
    if (!charges.error) {
      return h("p", { class: "total-line" }, this.t("charges.total"), " ", h("strong", { "data-testid": "total" }, this.app.money(charges.total_fen)));
    }
    const item = charges.kind === "labour" ? this.app.jobName(String(charges.item).split("/").pop())
      : charges.kind === "part" ? this.app.partName(this.bundle.catalogue.parts.find((p) => p.code === charges.item)) || charges.item
        : this.t(`line.${charges.kind}`, {}, charges.kind || "");
    const asked = this.bundle.timeline_event.some((e) => e.kind === "price_requested" && e.data?.item === charges.item);
    return h("div", { class: "notice notice--error", "data-testid": "price-missing" },
      h("p", null, this.t(`charges.${charges.error}`, { item }, charges.error)),
      charges.error === "missing_price" ? (asked ? h("p", { class: "muted" }, this.t("charges.price_requested"))
        : button(this.t("charges.request_price"), async () => this.act([await this.app.outbox.event(order.id, "price_requested",
          { kind: charges.kind, item: charges.item })]), "btn btn--block", { "data-testid": "request-price" })) : null);
  }

  step_diagnosed() {
    const { order } = this.bundle;
    const inWarranty = order.in_warranty === true;
    const charges = chargesOf(this.bundle);
    const body = h("div", { class: "card" }, h("h2", null, this.t("step.diagnosed")),
      h("div", { class: `warranty warranty--${inWarranty ? "in" : "out"}` },
        h("strong", null, this.t(inWarranty ? "warranty.in" : "warranty.out")),
        h("span", null, this.t(`warranty.reason.${order.warranty_reason}`, { expires: this.expires() }, order.warranty_reason))),
      this.priceBox(charges),
      button(this.t("part_missing.open"), () => this.situation(partMissingSheet), "btn btn--block", { "data-testid": "open-part-missing" }),
      button(this.t("repair.take_back"), () => this.move("taken_back", { fields: { repair_outcome: "taken_back" } }), "btn btn--block"));
    const primary = inWarranty
      ? button(this.t("repair.start"), () => this.move("in_repair"), "btn btn--primary", { "data-testid": "primary" })
      : button(this.t("consent.show"), () => this.move("awaiting_consent"), "btn btn--primary",
        { "data-testid": "primary", disabled: charges.error ? true : null });
    return { body, actions: [primary] };
  }

  /** The quote on the customer's own screen: they read it and agree (or not) themselves. */
  step_awaiting_consent() {
    const { outbox } = this.app;
    const { order } = this.bundle;
    const charges = chargesOf(this.bundle);
    if (charges.error) {
      return { body: h("div", { class: "card" }, h("h2", null, this.t("step.awaiting_consent")), this.priceBox(charges)),
        actions: [button(this.t("consent.declined"), () => this.reasonSheet("completed", this.t("consent.declined")), "btn")] };
    }
    const agree = async () => {
      const at = outbox.nowIso();
      await this.move("in_repair", { fields: { consent_at: at, schedule_shown: true },
        extra: [await outbox.event(order.id, "schedule_shown", { schedule_ids: charges.inputs.schedule_ids }),
          await outbox.event(order.id, "consent", { total_fen: charges.total_fen, lines: charges.lines,
            schedule_ids: charges.inputs.schedule_ids, policy_version: charges.inputs.policy_version })] });
    };
    return { body: h("div", { class: "card quote", "data-testid": "quote" },
      h("h2", null, this.t("quote.title")), h("p", null, this.t("quote.hint")),
      chargeTable(this.app, charges, this.bundle.catalogue.parts),
      charges.waivers.length ? h("ul", { class: "plain" }, charges.waivers.map((w) => h("li", { class: "waiver-note", "data-waiver": w.code },
        this.t(`waiver.${w.code}`, w.params, w.code)))) : null,
      h("p", { class: "muted" }, this.t("quote.schedule", { name: charges.schedule?.name || "" }))),
    actions: [button(this.t("quote.decline"), () => this.reasonSheet("completed", this.t("consent.declined")), "btn"),
      button(this.t("quote.agree", { total: this.app.money(charges.total_fen) }), agree, "btn btn--primary", { "data-testid": "primary" })] };
  }

  step_in_repair() {
    const { order } = this.bundle;
    const { outbox } = this.app;
    // Ticked when the engineer has run the unit (三到位), recorded at that moment; unticked, a
    // follow-up call is due 2-3 hours later.
    const tested = h("input", { type: "checkbox", name: "repair_certain", checked: false });
    tested.addEventListener("change", async () => {
      if (tested.checked) await outbox.commit([await outbox.event(order.id, "test_run", {})]);
    });
    if (order.repair_outcome === "fixed_on_site") {
      return { body: h("div", { class: "card" }, h("h2", null, this.t("repair.fixed_title")), h("p", null, this.t("handoff.hint"))),
        actions: [button(this.t("repair.change"), async () => this.act([await outbox.updateMut("order", order.id, { repair_outcome: "" })]), "btn"),
          button(this.t("handoff.start"), () => this.app.go(`#/order/${order.id}/handoff`), "btn btn--primary", { "data-testid": "primary" })] };
    }
    return { body: h("div", { class: "card" }, h("h2", null, this.t("step.in_repair")),
      h("label", { class: "check" }, tested, this.t("repair.tested")),
      button(this.t("part_missing.open"), () => this.situation(partMissingSheet), "btn btn--block", { "data-testid": "open-part-missing" }),
      button(this.t("repair.take_back"), () => this.move("taken_back", { fields: { repair_outcome: "taken_back" } }), "btn btn--block"),
      button(this.t("repair.cannot_fix"), () => this.move("taken_back", { fields: { repair_outcome: "cannot_fix" } }), "btn btn--block")),
    actions: [button(this.t("repair.fixed"), async () => this.act([await outbox.updateMut("order", order.id,
      { repair_outcome: "fixed_on_site", repair_certain: tested.checked })]), "btn btn--primary", { "data-testid": "primary" })] };
  }

  step_awaiting_part() {
    const asked = this.bundle.timeline_event.filter((e) => e.kind === "part_requested");
    const names = new Map(this.bundle.catalogue.parts.map((p) => [p.code, this.app.partName(p)]));
    return { body: h("div", { class: "card" }, h("h2", null, this.t("step.awaiting_part")),
      asked.length ? h("ul", { class: "plain", "data-testid": "parts-requested" }, asked.map((e) => h("li", null,
        this.t("part_missing.requested", { part: names.get(e.data?.part_code) || e.data?.part_code || "",
          problem: this.t(`part_missing.problem.${e.data?.problem}`, {}, ""), time: this.app.dateTime(e.at) })))) : null),
      actions: [button(this.t("action.reschedule"), () => this.move("scheduled"), "btn"),
        button(this.t("repair.resume"), () => this.move("in_repair", { fields: { repair_outcome: "" } }), "btn btn--primary", { "data-testid": "primary" })] };
  }

  step_taken_back() {
    const step = this.step_awaiting_part();
    step.body = [h("div", { class: "card" }, h("h2", null, this.t("step.taken_back")), h("p", { class: "muted" }, this.t("step.taken_back_hint"))),
      loanerCard(this)];
    return step;
  }

  step_completed() {
    const { order, receipt, signature, rating } = this.bundle;
    const r = receipt[0];
    return { body: h("div", { class: "card" }, h("h2", null, this.t("step.completed")),
      r ? h("p", null, this.t("receipt.number"), " ", h("strong", { "data-testid": "receipt-number" }, r.number)) : null,
      signature[0] ? h("p", null, this.t(`signature.status.${signature[0].status || "pending"}`, {}, signature[0].status)) : null,
      rating[0] ? h("p", null, rating[0].declined ? this.t("rating.declined") : this.t("rating.line",
        { q: rating[0].repair_quality, a: rating[0].service_attitude })) : null),
    actions: [r ? h("a", { class: "btn btn--primary", href: `#/order/${order.id}/receipt` }, this.t("receipt.open")) : null] };
  }
}
