// The field situations the source documents spell out, each a path with its record: nobody
// opens the door [000], late and unable to come [000], the part missing or wrong [001], and the
// take-back repair with a loaner [000, 001]. Every step is a timeline event recorded when tapped.
import { h, button, field, toast } from "../ui.js";
import { choiceChips } from "./appointment.js";

/** The not-home steps of this trip (since the engineer set off), oldest first. */
export function notHomeSteps(order, events) {
  const since = order.departed_at || "";
  return events.filter((e) => e.kind === "not_home_step" && String(e.at) >= since)
    .sort((a, b) => String(a.at).localeCompare(String(b.at)));
}

/** What the 000 sequence asks next, from the steps so far and the clock: knock again (and
 * when), phone the customer (and from when), ask the neighbours, leave a note. */
export function notHomeGuide(steps, now, policy) {
  const knocks = steps.filter((s) => s.data?.step === "knock");
  const first = knocks[0] ? Date.parse(knocks[0].at) : null;
  const last = knocks.length ? Date.parse(knocks[knocks.length - 1].at) : null;
  const knockAgainAt = last === null ? now : last + policy.knock_again_after * 1000;
  const phoneAt = first === null ? null : first + policy.phone_after_knocking * 1000;
  const done = new Set(steps.map((s) => s.data?.step));
  return { knocks: knocks.length, knockAgainAt, phoneAt, phoneDue: phoneAt !== null && now >= phoneAt,
    called: done.has("call"), neighbours: done.has("neighbours"), note: done.has("note") };
}

export function notHomeSheet(view) {
  const { app, bundle } = view;
  const { t } = app;
  const { order } = bundle;
  const { outbox } = app;
  const policy = bundle.catalogue.policy.values;
  const steps = notHomeSteps(order, bundle.timeline_event);
  const guide = notHomeGuide(steps, Date.now(), policy);
  const record = async (step, data = {}) => {
    const m = await outbox.event(order.id, "not_home_step", { step, ...data });
    await outbox.commit([m]);
    view.bundle.timeline_event = [...view.bundle.timeline_event, { id: m.entity_id, ...m.fields }];
    view.draw();
    app.syncNow("change");
  };
  const closeWith = async (outcome) => {
    const summary = steps.map((s) => ({ step: s.data.step, at: s.at, outcome: s.data.outcome || null }));
    const event = await outbox.event(order.id, "not_home", { steps: summary, outcome });
    view.sheet = null;
    if (outcome === "handed_back") {
      await view.move("returned_to_dispatch", { reason: t("not_home.reason"), extra: [event],
        fields: { handback_reason: t("not_home.reason") } });
    } else {
      await outbox.commit([event]);
      view.reasonSheet("scheduled", t("not_home.new_visit"), { agreed: true, reason: t("not_home.reason") });
    }
  };
  const log = h("ol", { class: "plain step-log", "data-testid": "not-home-log" }, steps.map((s) =>
    h("li", null, h("time", null, app.clock(s.at)), " ", t(`not_home.step.${s.data.step}`),
      s.data.outcome ? [" · ", t(`not_home.outcome.${s.data.outcome}`)] : null)));
  const wait = guide.knocks ? h("p", { class: "muted", "data-testid": "knock-next" },
    t("not_home.knock_next", { time: app.clock(new Date(guide.knockAgainAt).toISOString()) })) : null;
  const phoneLine = guide.phoneAt !== null && !guide.phoneDue
    ? h("p", { class: "muted", "data-testid": "phone-from" }, t("not_home.phone_from", { time: app.clock(new Date(guide.phoneAt).toISOString()) }))
    : null;
  const body = h("div", { class: "card", "data-testid": "not-home" },
    h("h2", null, t("not_home.title")),
    h("p", null, t("not_home.knock_how")),
    button(t("not_home.knocked"), () => record("knock"), "btn btn--block", { "data-testid": "knocked" }),
    button(t("not_home.door_opened"), async () => {
      if (guide.knocks) await record("door_opened");
      view.sheet = null;
      view.draw();
    }, "btn btn--block btn--quiet", { "data-testid": "door-opened" }),
    wait, phoneLine,
    button(t("not_home.call_no_answer"), () => record("call", { outcome: "no_answer" }), "btn btn--block",
      { "data-testid": "call-no-answer", disabled: guide.knocks ? null : true }),
    button(t("not_home.call_answered"), async () => {
      await record("call", { outcome: "answered" });
      view.sheet = null;
      view.draw();
    }, "btn btn--block", { disabled: guide.knocks ? null : true }),
    button(t("not_home.neighbours"), () => record("neighbours"), "btn btn--block",
      { "data-testid": "neighbours", disabled: guide.called ? null : true }),
    button(t("not_home.note"), () => record("note"), "btn btn--block",
      { "data-testid": "left-note", disabled: guide.called ? null : true }),
    steps.length ? log : null);
  const sure = guide.called && guide.note;
  return { body, actions: [
    button(t("not_home.hand_back"), () => closeWith("handed_back"), "btn", { "data-testid": "not-home-hand-back", disabled: sure ? null : true }),
    button(t("not_home.new_visit"), () => closeWith("new_visit"), "btn btn--primary", { "data-testid": "not-home-new-visit", disabled: sure ? null : true })] };
}

/** Late and cannot come at all [000]: the dispatcher is asked to send someone else. */
export function unableSheet(view) {
  const { app } = view;
  const { t } = app;
  const reasons = ["previous_job_overran", "vehicle", "illness", "other"];
  let picked = null;
  const chips = reasonChips(app, "unable.reason", reasons, (code) => { picked = code; });
  const note = h("textarea", { name: "note", rows: 2 });
  const go = async () => {
    if (!picked) { toast(t("unable.pick"), "error"); return; }
    const reason = [t(`unable.reason.${picked}`), note.value.trim()].filter(Boolean).join(": ");
    view.sheet = null;
    await view.move("returned_to_dispatch", { reason, fields: { handback_reason: reason },
      extra: [await app.outbox.event(view.bundle.order.id, "unable_to_come", { reason: picked, note: note.value.trim() })] });
  };
  return { body: h("div", { class: "card", "data-testid": "unable" }, h("h2", null, t("unable.title")),
    h("p", null, t("unable.hint")), chips, field(t("unable.note"), note)),
  actions: [button(t("common.cancel"), () => { view.sheet = null; view.draw(); }, "btn"),
    button(t("unable.send"), go, "btn btn--primary", { "data-testid": "unable-send" })] };
}

/** The part not brought, wrong or faulty [001]: apologise, request the part, then come again
 * (awaiting the part) or take the unit back. */
export function partMissingSheet(view) {
  const { app, bundle } = view;
  const { t } = app;
  const { order, unit, catalogue } = bundle;
  const parts = catalogue.parts.filter((p) => !unit || !p.category || p.category === unit.category);
  const part = h("select", { name: "part" }, h("option", { value: "" }, t("parts.pick")),
    parts.map((p) => h("option", { value: p.code }, `${app.partName(p)} (${p.code})`)));
  let problem = null;
  const chips = reasonChips(app, "part_missing.problem", ["not_brought", "wrong", "faulty"], (code) => { problem = code; });
  const request = async (next) => {
    if (!part.value) { toast(t("parts.pick"), "error"); return; }
    if (!problem) { toast(t("part_missing.pick_problem"), "error"); return; }
    view.sheet = null;
    const event = await app.outbox.event(order.id, "part_requested", { part_code: part.value, qty: 1, problem, next });
    await view.move(next === "take_back" ? "taken_back" : "awaiting_part",
      { fields: { repair_outcome: next === "take_back" ? "taken_back" : "needs_part" }, extra: [event] });
  };
  return { body: h("div", { class: "card", "data-testid": "part-missing" }, h("h2", null, t("part_missing.title")),
    h("p", { class: "notice notice--warn" }, t("part_missing.apologise")),
    field(t("parts.part"), part), h("p", null, t("part_missing.problem_title")), chips),
  actions: [button(t("part_missing.take_back"), () => request("take_back"), "btn", { "data-testid": "part-take-back" }),
    button(t("part_missing.come_again"), () => request("come_again"), "btn btn--primary", { "data-testid": "part-come-again" })] };
}

/** The loaner left with the customer for a take-back repair, and brought back with the unit. */
export function loanerState(events) {
  const out = events.filter((e) => e.kind === "loaner_out").sort((a, b) => String(a.at).localeCompare(String(b.at))).pop();
  const back = out && events.some((e) => e.kind === "loaner_back" && String(e.at) >= String(out.at));
  return out ? { out, back } : null;
}

export function loanerCard(view) {
  const { app, bundle } = view;
  const { t } = app;
  const { order } = bundle;
  const state = loanerState(bundle.timeline_event);
  const serial = h("input", { name: "loaner_serial", autocomplete: "off" });
  const leave = async () => {
    if (!serial.value.trim()) { toast(t("loaner.serial_required"), "error"); serial.focus(); return; }
    await view.act([await app.outbox.event(order.id, "loaner_out", { serial: serial.value.trim() })]);
  };
  const back = async () => view.act([await app.outbox.event(order.id, "loaner_back", { serial: state.out.data?.serial || "" })]);
  return h("div", { class: "card", "data-testid": "loaner" }, h("h2", null, t("loaner.title")),
    !state ? [field(t("loaner.serial"), serial), button(t("loaner.leave"), leave, "btn btn--block", { "data-testid": "loaner-out" })]
      : state.back ? h("p", { "data-testid": "loaner-state" }, t("loaner.returned", { serial: state.out.data?.serial || "", time: app.dateTime(state.out.at) }))
        : [h("p", { "data-testid": "loaner-state" }, t("loaner.with_customer", { serial: state.out.data?.serial || "", time: app.dateTime(state.out.at) })),
          button(t("loaner.back"), back, "btn btn--block", { "data-testid": "loaner-back" })]);
}

function reasonChips(app, prefix, codes, onPick) {
  return choiceChips(app.t, prefix, codes, onPick, { "aria-label": app.t(`${prefix}_title`) });
}
