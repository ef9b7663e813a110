// Data the harness mounts each form with: what the app would pass for one visit.

// The worked example of server/domain/CANONICAL_SUMMARY.md (its hash is checked in the tests).
export const SUMMARY = {
  order_id: "SO-2026-000042",
  customer_name: "王芳",
  unit: { brand: "Midea", model: "MG100V11D", serial: "SN8812345", category: "washing_machine" },
  work_done: "更换排水泵,试机正常\n讲解保养常识",
  parts: [{ code: "DRAIN-PUMP-01", qty: 1, unit_fen: 8500, amount_fen: 8500 }],
  charge_lines: [
    { kind: "labour", code: "replace_drain_pump", qty: 1, unit_fen: 6000, amount_fen: 6000, reason: "schedule_price", schedule_version: "2026-03" },
    { kind: "part", code: "DRAIN-PUMP-01", qty: 1, unit_fen: 8500, amount_fen: 8500, reason: "lower_of_two_schedules", schedule_version: "2026-09" },
    { kind: "trade_in", code: "DRAIN-PUMP-01", qty: 1, unit_fen: -1000, amount_fen: -1000, reason: "trade_in_credit", schedule_version: "2026-03" },
  ],
  total_fen: 13500,
  ratings: { repair_quality: 5, service_attitude: 4, declined: false },
  signed_at: "2026-11-25T16:05:09.532+08:00",
};
export const SUMMARY_HASH = "928c9cc99098e9b38ef8ae7743313acfc2646026a8109fb591ece23f0e3ff0b7";

export const RECEIPT = {
  number: "A7K-000123",
  linkToken: "q3Zr9-_Ux1bGkLmN0pQrSA",
  issuedAt: "2026-11-25T08:05:09Z",
  orderNumber: "SO-2026-000042",
  customer: "王芳",
  lines: [
    { kind: "labour", code: "replace_drain_pump", qty: 1, unit_fen: 6000, amount_fen: 6000, reason: "schedule_price" },
    { kind: "part", code: "DRAIN-PUMP-01", qty: 1, unit_fen: 8500, amount_fen: 8500, reason: "lower_of_two_schedules" },
    { kind: "trade_in", code: "DRAIN-PUMP-01", qty: 1, unit_fen: -1000, amount_fen: -1000, reason: "trade_in_credit" },
    { kind: "travel", code: "travel", qty: 2, unit_fen: 1500, amount_fen: 3000, reason: "schedule_price" },
    { kind: "waiver", code: "late_arrival", qty: 1, unit_fen: -9000, amount_fen: -9000, reason: "late_arrival" },
  ],
  waivers: [{ code: "late_arrival" }],
  total_fen: 7500,
  invoiceRequested: true,
  invoicePromised: true,
};

// Who issues it: the configured company and complaint line, the signed-in engineer.
export const ISSUER = { company: "安心家电维修服务中心", complaintPhone: "400-820-1234",
  engineer: { name: "刘建国", badge: "SH-0231" } };

export const PARTS = [
  { id: "pu-1", label: "Drain pump · DRAIN-PUMP-01" },
  { id: "pu-2", label: "Door seal · SEAL-220" },
];

// Names from the catalogue for the codes on the lines, by language.
export const LABELS = {
  en: { replace_drain_pump: "Replace drain pump", "DRAIN-PUMP-01": "Drain pump" },
  "zh-CN": { replace_drain_pump: "更换排水泵", "DRAIN-PUMP-01": "排水泵" },
};

export const fixtures = {
  signature: { summary: SUMMARY, summaryHash: SUMMARY_HASH },
  rating: {},
  photos: { parts: PARTS },
  receipt: { receipt: RECEIPT, issuer: ISSUER, payment: { method: "wechat" } },
  checklist: {},
};
