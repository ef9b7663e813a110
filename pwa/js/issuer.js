// Who the customer deals with, as the receipt prints it: the service company and its complaint
// line (the server's configuration, sent with the session answer and kept for offline use) and
// the engineer signed in on this phone. The one place the PWA reads them.
import * as db from "./db.js";

const KEY = "service";

/** What the store remembers from the last session answer (offline start). */
export async function load(app) {
  app.service = (await db.getMeta(KEY, null)) || {};
}

/** Keep the session answer's `service` block when it has one. */
export async function remember(app, session) {
  if (!session || !session.service) return;
  app.service = { company_name: session.service.company_name || "", complaint_phone: session.service.complaint_phone || "" };
  await db.setMeta(KEY, app.service);
}

/** The receipt form's issuer options: {company, complaintPhone, engineer: {name, badge}}. */
export function receiptIssuer(app) {
  const service = app.service || {};
  return {
    company: service.company_name || "",
    complaintPhone: service.complaint_phone || "",
    engineer: { name: app.user?.display_name || "", badge: app.user?.badge_no || "" },
  };
}

/** Everything the receipt form is given besides the receipt: issuer, payment, names in app.lang. */
export function receiptOptions(app, bundle, receipt) {
  const parts = bundle.catalogue?.parts || [];
  const labels = {};
  for (const line of receipt.lines || []) {
    const name = app.lineLabel(line, parts);
    if (name && name !== line.code) labels[line.code] = name;
  }
  const payments = (bundle.payment || []).filter((p) => p.receipt_id === receipt.id || !p.receipt_id);
  return { issuer: receiptIssuer(app), payment: payments.at(-1) || null, labels };
}
