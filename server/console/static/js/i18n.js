// The console's two languages: a flat dictionary per locale, applied to [data-i18n] elements.
// Policy numbers are never written here: {contact_within} and the like are filled from the policy record.
import { conflictWords } from "./conflict_words.js";
import * as board from "./i18n_board.js";
import * as field from "./i18n_field.js";
import * as notice from "./i18n_notice.js";
import { policy } from "./policy.js";

const en = {
  "app.name": "Onsite Dispatch", "app.sign_out": "Sign out",
  "nav.board": "Board", "nav.intake": "New order", "nav.follow_ups": "Follow-up calls",
  "nav.complaints": "Complaints", "nav.conflicts": "Conflicts", "nav.figures": "Quality figures",
  "common.cancel": "Cancel", "common.save": "Save", "common.never": "never",
  "live.on": "Live · updated {time}", "live.off": "Connection lost · retrying", "live.loading": "Loading…",
  "board.unassigned": "Unassigned", "board.stat_unassigned": "Waiting for an engineer",
  "board.stat_breached": "Clocks missed", "board.stat_soon": "Due within 2 h",
  "board.stat_synced": "Phones synced in the last hour", "board.stat_flagged": "Flagged orders",
  "board.no_orders": "No visits this day", "board.queue_empty": "Every order has an engineer",
  "board.later": "+{n} on later days", "board.synced": "synced {ago}", "board.never_synced": "never synced",
  "board.push_on": "Push on", "board.push_off": "No push", "board.assign": "Assign", "board.reassign": "Reassign",
  "board.not_scheduled": "Not scheduled", "board.reported": "Reported {ago}", "board.flagged": "Flagged", "board.intake_issues": "Intake: {list}",
  "assign.title_assign": "Assign {number}", "assign.title_reassign": "Reassign {number}",
  "assign.engineer": "Engineer", "assign.reason": "Reason", "assign.submit": "Assign",
  "assign.reason_needed": "A reason is needed to reassign.", "assign.option": "{name} · {load}", "assign.done": "{number} → {name}",
  "nav.plan": "Day plan",
  "suggest.title": "Suggested engineers", "suggest.none": "No engineers.", "suggest.assign_at": "Assign, visit at {time}",
  "suggest.skill": "Repairs {category}", "suggest.no_skill": "Does not repair {category}",
  "suggest.free_at": "Free at {time} in the customer's window", "suggest.no_free_time": "No free time in the customer's window",
  "suggest.travel_from": "+{minutes} min travel from {from}", "suggest.travel_home": "+{minutes} min travel from home",
  "suggest.workload": "{n} of {capacity} visits that day", "suggest.full": "Day full: {n} of {capacity} visits",
  "suggest.handed_back": "Handed this order back",
  "plan.day": "Day", "plan.move_confirmed": "Let times confirmed with customers move", "plan.propose": "Plan the unassigned",
  "plan.hint": "Choose a day and plan its unassigned orders. Nothing changes until you accept.",
  "plan.figures": "Proposal: {n} visits, {km} km of travel in all (straight-line).", "plan.nothing": "Nothing to place.",
  "plan.col_take": "Accept", "plan.col_order": "Order", "plan.col_engineer": "Engineer", "plan.col_time": "Visit",
  "plan.take": "Accept {number}", "plan.confirmed": "confirmed with the customer", "plan.unplaced": "Not placed",
  "plan.why.no_location": "no map position for the address", "plan.why.no_skill": "nobody repairs this product",
  "plan.why.no_room": "no engineer has room in the customer's window",
  "plan.tick_all": "Tick all", "plan.accept": "Accept the ticked", "plan.tick_some": "Tick the visits to accept.",
  "plan.accepted": "{n} orders assigned and booked", "plan.reason": "Accepted from the day plan",
  "clock.contact": "Contact", "clock.on_site": "On site", "clock.complete": "Completion",
  "clock.left": "{label} due in {d}", "clock.over": "{label} overdue {d}",
  "clock.overdue": "Overdue {d}", "clock.due_in": "Due in {d}", "clock.call_within": "Call within {d}",
  "breach.contact": "Contact {contact_within}", "breach.on_site": "On site {on_site_within}",
  "breach.complete": "Completion {complete_within}", "breach.follow_up": "Follow-up {follow_up_within}",
  "breach.complaint_first_response": "Complaint {complaint_first_response}",
  "breach.complaint_formal_answer": "Complaint {complaint_formal_answer_working_days} working days",
  "status.received": "Received", "status.assigned": "Assigned", "status.accepted": "Accepted",
  "status.contacted": "Contacted", "status.scheduled": "Scheduled", "status.guided_by_phone": "Phone guidance",
  "status.departed": "On the way", "status.on_site": "On site", "status.diagnosed": "Diagnosed",
  "status.awaiting_consent": "Awaiting consent", "status.in_repair": "In repair",
  "status.awaiting_part": "Awaiting part", "status.taken_back": "Taken back", "status.completed": "Completed",
  "status.follow_up_done": "Followed up", "status.closed": "Closed", "status.reopened": "Reopened",
  "status.cancelled": "Cancelled", "status.returned_to_dispatch": "Handed back",
  "prio.low": "Low", "prio.normal": "Normal", "prio.high": "High", "prio.urgent": "Urgent",
  "cat.washing_machine": "Washing machine", "cat.air_conditioner": "Air conditioner",
  "cat.refrigerator": "Refrigerator", "cat.water_heater": "Water heater", "cat.office_printer": "Office printer",
  "cat.air_compressor": "Air compressor", "cat.other": "Other",
  "follow.tab_open": "Open", "follow.tab_overdue": "Overdue", "follow.tab_done": "Done",
  "follow.order": "Order", "follow.kind": "Call", "follow.due": "Due", "follow.clock": "Clock",
  "follow.outcome": "Outcome", "follow.none": "No calls here.", "follow.notes": "Notes from the call",
  "follow.kind.phone_guidance": "After phone guidance ({guidance_follow_up_after})",
  "follow.kind.repair_not_tested": "Untested repair ({uncertain_repair_follow_up_after}–{uncertain_repair_follow_up_until})",
  "follow.kind.completed": "After completion ({follow_up_within})", "follow.kind.completion": "After completion ({follow_up_within})",
  "follow.satisfied": "Satisfied", "follow.dissatisfied": "Dissatisfied", "follow.unreachable": "Unreachable",
  "follow.recorded": "{number}: {outcome} recorded", "follow.reopened": "{number} reopened for another visit",
  "follow.closed": "{number} closed", "follow.customer": "Customer",
  "complaint.new": "Log a complaint", "complaint.new_text": "What the customer complains about", "complaint.log": "Log complaint",
  "complaint.logged": "Complaint logged: its clocks have started", "complaint.no_order": "Not about one order", "complaint.about_order": "About order",
  "complaint.due_by": "due {time}",
  "complaint.tab_open": "Open", "complaint.tab_overdue": "Overdue", "complaint.tab_closed": "Answered",
  "complaint.none": "No complaints here.", "complaint.first": "First response ({complaint_first_response})",
  "complaint.formal": "Formal answer ({complaint_formal_answer_working_days} working days)", "complaint.respond": "Record first response",
  "complaint.answer": "Send formal answer", "complaint.answer_placeholder": "The formal answer to the customer",
  "complaint.note_placeholder": "What was said", "complaint.done_at": "done {time}",
  "complaint.order": "Order {number}", "complaint.opened": "Opened {time}",
  "conflict.tab_open": "To resolve", "conflict.tab_all": "All", "conflict.none": "Nothing to resolve.",
  "conflict.server": "Server", "conflict.device": "Phone", "conflict.base": "Before both",
  "conflict.provisional": "Provisional winner", "conflict.keep_server": "Keep server value",
  "conflict.keep_device": "Keep phone value", "conflict.resolved": "Resolved: {choice}",
  "conflict.by": "{name} · {time}", "conflict.done": "Conflict resolved",
  "fig.satisfaction": "Customer satisfaction by week (of 5)", "fig.rates": "On-time arrival and first-visit fix",
  "fig.breaches": "Service-level breaches by week", "fig.repair_quality": "Repair quality",
  "fig.service_attitude": "Service attitude", "fig.target": "Target {value}", "fig.on_time": "On-time arrival",
  "fig.first_visit": "First-visit fix", "fig.tile_quality": "Repair quality (30 days)",
  "fig.tile_attitude": "Service attitude (30 days)", "fig.tile_on_time": "On-time arrival (30 days)",
  "fig.tile_fix": "First-visit fix (30 days)", "fig.tile_breaches": "Breaches (30 days)",
  "fig.tile_follow_ups": "Follow-ups open / overdue", "fig.rated": "{n} rated", "fig.week": "wk of {date}",
  "intake.customer": "Customer", "intake.name": "Name", "intake.phone": "Phone", "intake.address": "Address",
  "intake.unit": "Appliance", "intake.category": "Category", "intake.brand": "Brand", "intake.model": "Model",
  "intake.serial": "Serial", "intake.purchase_date": "Purchase date", "intake.fault": "Fault",
  "intake.symptom": "Symptom as reported", "intake.requests": "Customer's requests", "intake.priority": "Priority",
  "intake.assignee": "Assign to", "intake.nobody": "Nobody yet", "intake.submit": "Create order",
  "intake.created": "Order {number} created", "intake.refused": "The order was not created: fix the fields marked",
  "intake.warnings": "Created with warnings to check with the customer:",
  "intake.lookup": "Returning customer", "intake.lookup_hint": "Phone number or name", "intake.find": "Find",
  "intake.no_customer": "No customer found: take the details below.", "intake.past_orders": "Past orders",
  "intake.no_past_orders": "No orders before.", "intake.which_unit": "Which appliance?", "intake.new_unit": "Another appliance (fill in below)",
  "intake.window_day": "Customer's day", "intake.window_from": "From", "intake.window_to": "To",
  "intake.created_link": "Order created:", "intake.draft_saved": "Saved as a draft, flagged to complete:",
  "intake.draft_missing": "Still missing:", "intake.save_draft": "Save as a draft",
  "intake.duplicate": "This customer already has an open order for this appliance:", "intake.create_anyway": "Create a new order anyway",
  "issue.missing": "missing", "issue.vague": "too vague", "issue.invalid": "not valid",
  "login.username": "Username", "login.password": "Password", "login.submit": "Sign in",
  "login.staff_only": "This console is for dispatchers.",
  "order.title": "Order", "order.back": "Back to the board", "order.none": "None.", "common.close": "Close",
  "order.sec.customer": "Customer", "order.sec.unit": "Appliance and warranty", "order.sec.intake": "Intake",
  "order.sec.actions": "What can be done now", "order.sec.suggestions": "Suggested engineers", "order.sec.timeline": "Timeline", "order.sec.appointments": "Appointment history",
  "order.sec.photos": "Photos", "order.sec.signature": "Customer's signature", "order.sec.ratings": "Ratings",
  "order.sec.charges": "Charges", "order.sec.receipts": "Receipts", "order.sec.follow_ups": "Follow-up calls",
  "order.sec.complaints": "Complaints",
  "order.district": "District", "order.warranty": "Warranty", "order.warranty_reason": "Why",
  "order.in_warranty": "In warranty", "order.out_of_warranty": "Out of warranty", "order.warranty_unknown": "Not decided yet",
  "order.reported": "Reported", "order.requested_window": "Customer's window", "order.appointment": "Appointment",
  "order.confirmed": "confirmed with the customer", "order.unconfirmed": "not yet confirmed", "order.flag": "Flag",
  "order.intake_issues": "Intake gaps", "order.engineer": "Engineer: {name}", "order.conflicts": "{n} conflicts to resolve",
  "order.time_suspect": "phone clock doubtful", "order.photo": "Photo", "order.photo_open": "Open photo full size: {caption}",
  "order.not_signed": "Not signed yet.", "order.signer": "Signed by", "order.signed_at": "Signed at",
  "order.sig_state": "Check", "order.sig_reason": "Reason", "order.signature_of": "Signature of {name}",
  "order.sig.pending": "Waiting for the phone's upload", "order.sig.verified": "Verified: matches what was signed",
  "order.sig.invalid": "Does not match what was signed", "order.sig_declined": "The customer declined to sign.",
  "order.not_rated": "Not rated yet.", "order.rating_declined": "The customer declined to rate.",
  "order.comment": "Comment", "order.rated_at": "Rated at", "order.total": "Total",
  "order.charges_disagree": "The phone and the server disagree: {list}. Settle it on the conflicts page.",
  "order.charges_phone": "On the phone (what the customer saw)", "order.charges_server": "The server's derivation",
  "order.diff.lines_differ": "lines differ", "order.diff.waivers_differ": "waivers differ", "order.diff.total_differs": "totals differ",
  "order.diff.charges_missing_on_phone": "the phone has no charges", "order.diff.charges_missing_on_server": "the server has no charges",
  "order.no_receipt": "No receipt yet.", "order.voided": "Voided", "order.no_actions": "Nothing to do in this state.",
  "order.on_board": "Show on the board", "order.moved": "Moved to {status}",
  "order.ev.status": "Status: {status}", "order.ev.assigned": "Assigned to {name}", "order.ev.reassigned": "Reassigned to {name}",
  "order.ev.received": "Order received", "order.ev.charges_settled": "Charges settled",
  "order.ev.appointment_set": "Appointment set", "order.ev.appointment_reschedule": "Appointment moved",
  "order.ev.appointment_confirm": "Appointment confirmed", "order.ev.fee_schedule_repinned": "Fee schedule changed",
  "order.ev.manual_price_approved": "Manual price approved", "order.ev.phone_guidance": "Guided by phone",
  "order.ev.completed": "Completed",
  "order.appt.set": "Set", "order.appt.reschedule": "Moved", "order.appt.confirm": "Confirmed",
  "common.yes": "Yes", "common.no": "No", "conflict.not_on_server": "Not applied yet: kept for you to decide",
  "conflict.keep_server_all": "Keep the server's values", "conflict.keep_device_all": "Apply the phone's work",
  "conflict.charges_server": "Void and reissue at the server's price", "conflict.charges_device": "Accept what the customer signed",
  "conflict.charges_refund": "Refund the difference",
  "conflict.reassigned_hint": "{name} worked on this order offline after it was given to someone else. The work is kept here until you decide.",
  "conflict.reason.changed_on_both_sides": "Changed on the phone and at the desk since they last agreed.",
  "conflict.reason.deleted": "Deleted on one side, changed on the other.",
  "conflict.reason.reassigned_work_kept": "Work recorded after the order was reassigned.",
  "conflict.reason.order_reassigned": "A status change on an order now assigned to someone else.",
  "conflict.reason.order_cancelled_work_kept": "Work recorded after the order was cancelled.",
  "ago.now": "just now", "ago.min": "{n} min ago", "ago.hour": "{n} h ago", "ago.day": "{n} d ago",
};

const zh = {
  "app.name": "Onsite 调度台", "app.sign_out": "退出登录",
  "nav.board": "调度看板", "nav.intake": "新建工单", "nav.follow_ups": "回访", "nav.complaints": "投诉",
  "nav.conflicts": "同步冲突", "nav.figures": "质量指标",
  "common.cancel": "取消", "common.save": "保存", "common.never": "从未",
  "live.on": "实时 · 更新于 {time}", "live.off": "连接中断 · 正在重试", "live.loading": "加载中…",
  "board.unassigned": "待派工", "board.stat_unassigned": "等待派工", "board.stat_breached": "已超时",
  "board.stat_soon": "2 小时内到期", "board.stat_synced": "1 小时内同步的手机", "board.stat_flagged": "已标记工单",
  "board.no_orders": "当天没有上门", "board.queue_empty": "所有工单均已派工",
  "board.later": "另有 {n} 单在之后几天", "board.synced": "{ago}同步", "board.never_synced": "从未同步",
  "board.push_on": "推送已开", "board.push_off": "未开推送", "board.assign": "派工", "board.reassign": "改派",
  "board.not_scheduled": "未预约", "board.reported": "{ago}报修", "board.flagged": "已标记", "board.intake_issues": "受理信息：{list}",
  "assign.title_assign": "派工 {number}", "assign.title_reassign": "改派 {number}",
  "assign.engineer": "工程师", "assign.reason": "原因", "assign.submit": "确认派工",
  "assign.reason_needed": "改派需要填写原因。", "assign.option": "{name} · {load}", "assign.done": "{number} → {name}",
  "nav.plan": "日计划",
  "suggest.title": "推荐工程师", "suggest.none": "没有工程师。", "suggest.assign_at": "派工，{time} 上门",
  "suggest.skill": "会修{category}", "suggest.no_skill": "不修{category}",
  "suggest.free_at": "{time} 有空（在用户要求的时段内）", "suggest.no_free_time": "用户要求的时段内没有空",
  "suggest.travel_from": "从 {from} 过去，多走 {minutes} 分钟", "suggest.travel_home": "从家出发，多走 {minutes} 分钟",
  "suggest.workload": "当天已有 {n} 单，上限 {capacity} 单", "suggest.full": "当天已满：{n} 单，上限 {capacity} 单",
  "suggest.handed_back": "曾退回此单",
  "plan.day": "日期", "plan.move_confirmed": "允许调整已与用户确认的时间", "plan.propose": "规划待派工单",
  "plan.hint": "选择日期，规划当天的待派工单。接受之前不会改动任何工单。",
  "plan.figures": "方案：{n} 次上门，路程共 {km} 公里（直线）。", "plan.nothing": "没有需要安排的工单。",
  "plan.col_take": "接受", "plan.col_order": "工单", "plan.col_engineer": "工程师", "plan.col_time": "上门时间",
  "plan.take": "接受 {number}", "plan.confirmed": "已与用户确认", "plan.unplaced": "未能安排",
  "plan.why.no_location": "地址没有地图位置", "plan.why.no_skill": "没有人会修这类产品",
  "plan.why.no_room": "用户要求的时段内没有工程师有空",
  "plan.tick_all": "全选", "plan.accept": "接受已勾选的", "plan.tick_some": "请勾选要接受的上门安排。",
  "plan.accepted": "已派工并预约 {n} 单", "plan.reason": "按日计划派工",
  "clock.contact": "联系", "clock.on_site": "上门", "clock.complete": "完工",
  "clock.left": "{label}时限还剩 {d}", "clock.over": "{label}超时 {d}",
  "clock.overdue": "超时 {d}", "clock.due_in": "{d} 后到期", "clock.call_within": "{d} 内回访",
  "breach.contact": "{contact_within}联系", "breach.on_site": "{on_site_within}上门", "breach.complete": "{complete_within}完工",
  "breach.follow_up": "{follow_up_within}回访", "breach.complaint_first_response": "投诉 {complaint_first_response}",
  "breach.complaint_formal_answer": "投诉 {complaint_formal_answer_working_days} 个工作日",
  "status.received": "已受理", "status.assigned": "已派工", "status.accepted": "已接单", "status.contacted": "已联系",
  "status.scheduled": "已预约", "status.guided_by_phone": "电话指导", "status.departed": "在途",
  "status.on_site": "已上门", "status.diagnosed": "已诊断", "status.awaiting_consent": "待用户确认",
  "status.in_repair": "维修中", "status.awaiting_part": "待配件", "status.taken_back": "拉修",
  "status.completed": "已完工", "status.follow_up_done": "已回访", "status.closed": "已关闭",
  "status.reopened": "已重开", "status.cancelled": "已取消", "status.returned_to_dispatch": "已退回",
  "prio.low": "低", "prio.normal": "普通", "prio.high": "高", "prio.urgent": "紧急",
  "cat.washing_machine": "洗衣机", "cat.air_conditioner": "空调", "cat.refrigerator": "冰箱",
  "cat.water_heater": "热水器", "cat.office_printer": "办公打印机", "cat.air_compressor": "空压机", "cat.other": "其他",
  "follow.tab_open": "待回访", "follow.tab_overdue": "已超时", "follow.tab_done": "已完成",
  "follow.order": "工单", "follow.kind": "回访类型", "follow.due": "应回访时间", "follow.clock": "时限",
  "follow.outcome": "结果", "follow.none": "暂无回访。", "follow.notes": "回访记录",
  "follow.kind.phone_guidance": "电话指导后（{guidance_follow_up_after}）",
  "follow.kind.repair_not_tested": "未试机维修（{uncertain_repair_follow_up_after}–{uncertain_repair_follow_up_until}）",
  "follow.kind.completed": "完工后（{follow_up_within}）", "follow.kind.completion": "完工后（{follow_up_within}）",
  "follow.satisfied": "满意", "follow.dissatisfied": "不满意", "follow.unreachable": "联系不上",
  "follow.recorded": "{number}：已记录{outcome}", "follow.reopened": "{number} 已重开，需再次上门",
  "follow.closed": "{number} 已关闭",
  "follow.customer": "用户", "complaint.new": "登记投诉", "complaint.new_text": "用户投诉的内容", "complaint.log": "登记",
  "complaint.logged": "投诉已登记，时限开始计算", "complaint.no_order": "不针对某个工单", "complaint.about_order": "相关工单",
  "complaint.due_by": "截止 {time}",
  "complaint.tab_open": "处理中", "complaint.tab_overdue": "已超时", "complaint.tab_closed": "已答复",
  "complaint.none": "暂无投诉。", "complaint.first": "首次响应（{complaint_first_response}）", "complaint.formal": "正式答复（{complaint_formal_answer_working_days} 个工作日）",
  "complaint.respond": "记录首次响应", "complaint.answer": "发送正式答复",
  "complaint.answer_placeholder": "给用户的正式答复", "complaint.note_placeholder": "沟通内容",
  "complaint.done_at": "已于 {time} 完成", "complaint.order": "工单 {number}", "complaint.opened": "{time} 受理",
  "conflict.tab_open": "待处理", "conflict.tab_all": "全部", "conflict.none": "没有待处理的冲突。",
  "conflict.server": "服务器", "conflict.device": "手机", "conflict.base": "修改前",
  "conflict.provisional": "暂定采用", "conflict.keep_server": "采用服务器的值", "conflict.keep_device": "采用手机的值",
  "conflict.resolved": "已处理：{choice}", "conflict.by": "{name} · {time}",
  "conflict.done": "冲突已处理",
  "fig.satisfaction": "用户满意度（按周，满分 5）", "fig.rates": "准时上门率与一次修复率",
  "fig.breaches": "服务时限超时（按周）", "fig.repair_quality": "维修质量", "fig.service_attitude": "服务态度",
  "fig.target": "目标 {value}", "fig.on_time": "准时上门", "fig.first_visit": "一次修复",
  "fig.tile_quality": "维修质量（30 天）", "fig.tile_attitude": "服务态度（30 天）",
  "fig.tile_on_time": "准时上门率（30 天）", "fig.tile_fix": "一次修复率（30 天）",
  "fig.tile_breaches": "超时次数（30 天）", "fig.tile_follow_ups": "待回访 / 已超时", "fig.rated": "{n} 次评价",
  "fig.week": "{date} 周",
  "intake.customer": "用户", "intake.name": "姓名", "intake.phone": "电话", "intake.address": "地址",
  "intake.unit": "产品", "intake.category": "品类", "intake.brand": "品牌", "intake.model": "型号",
  "intake.serial": "机号", "intake.purchase_date": "购买日期", "intake.fault": "故障",
  "intake.symptom": "故障现象", "intake.requests": "用户要求", "intake.priority": "优先级",
  "intake.assignee": "派给", "intake.nobody": "暂不派工", "intake.submit": "创建工单",
  "intake.created": "已创建工单 {number}", "intake.refused": "工单未创建：请修改标出的字段",
  "intake.warnings": "已创建，以下信息需与用户核实：",
  "intake.lookup": "老用户", "intake.lookup_hint": "电话号码或姓名", "intake.find": "查找",
  "intake.no_customer": "没有找到用户：请在下面填写。", "intake.past_orders": "以往工单",
  "intake.no_past_orders": "以前没有工单。", "intake.which_unit": "哪台产品？", "intake.new_unit": "其他产品（在下面填写）",
  "intake.window_day": "用户要求的日期", "intake.window_from": "从", "intake.window_to": "到",
  "intake.created_link": "工单已创建：", "intake.draft_saved": "已存为草稿，已标记待补全：",
  "intake.draft_missing": "还缺：", "intake.save_draft": "存为草稿",
  "intake.duplicate": "该用户这台产品已有未完成的工单：", "intake.create_anyway": "仍然新建工单",
  "issue.missing": "缺失", "issue.vague": "不够具体", "issue.invalid": "无效",
  "login.username": "用户名", "login.password": "密码", "login.submit": "登录", "login.staff_only": "调度台仅供调度员使用。",
  "order.title": "工单", "order.back": "返回调度看板", "order.none": "无。", "common.close": "关闭",
  "order.sec.customer": "用户", "order.sec.unit": "产品与保修", "order.sec.intake": "受理信息",
  "order.sec.actions": "当前可做的操作", "order.sec.suggestions": "推荐工程师", "order.sec.timeline": "处理记录", "order.sec.appointments": "预约记录",
  "order.sec.photos": "照片", "order.sec.signature": "用户签名", "order.sec.ratings": "评价",
  "order.sec.charges": "费用", "order.sec.receipts": "收据", "order.sec.follow_ups": "回访", "order.sec.complaints": "投诉",
  "order.district": "区", "order.warranty": "保修", "order.warranty_reason": "依据",
  "order.in_warranty": "保内", "order.out_of_warranty": "保外", "order.warranty_unknown": "尚未判定",
  "order.reported": "报修时间", "order.requested_window": "用户要求时间", "order.appointment": "预约时间",
  "order.confirmed": "已与用户确认", "order.unconfirmed": "尚未确认", "order.flag": "标记",
  "order.intake_issues": "受理缺项", "order.engineer": "工程师：{name}", "order.conflicts": "{n} 个冲突待处理",
  "order.time_suspect": "手机时间存疑", "order.photo": "照片", "order.photo_open": "查看原图：{caption}",
  "order.not_signed": "尚未签名。", "order.signer": "签名人", "order.signed_at": "签名时间",
  "order.sig_state": "核验", "order.sig_reason": "原因", "order.signature_of": "{name}的签名",
  "order.sig.pending": "等待手机上传", "order.sig.verified": "已核验：与签署内容一致",
  "order.sig.invalid": "与签署内容不一致", "order.sig_declined": "用户拒绝签名。",
  "order.not_rated": "尚未评价。", "order.rating_declined": "用户拒绝评价。",
  "order.comment": "留言", "order.rated_at": "评价时间", "order.total": "合计",
  "order.charges_disagree": "手机与服务器的计算不一致：{list}。请在同步冲突页处理。",
  "order.charges_phone": "手机上的（用户所见）", "order.charges_server": "服务器的计算",
  "order.diff.lines_differ": "明细不同", "order.diff.waivers_differ": "减免不同", "order.diff.total_differs": "合计不同",
  "order.diff.charges_missing_on_phone": "手机没有费用", "order.diff.charges_missing_on_server": "服务器没有费用",
  "order.no_receipt": "尚无收据。", "order.voided": "已作废", "order.no_actions": "当前状态无可做操作。",
  "order.on_board": "在看板上查看", "order.moved": "已改为{status}",
  "order.ev.status": "状态：{status}", "order.ev.assigned": "派给{name}", "order.ev.reassigned": "改派给{name}",
  "order.ev.received": "受理工单", "order.ev.charges_settled": "费用已处理",
  "order.ev.appointment_set": "设定预约", "order.ev.appointment_reschedule": "改约", "order.ev.appointment_confirm": "确认预约",
  "order.ev.fee_schedule_repinned": "更换收费标准", "order.ev.manual_price_approved": "批准手工价格",
  "order.ev.phone_guidance": "电话指导", "order.ev.completed": "完工",
  "order.appt.set": "设定", "order.appt.reschedule": "改约", "order.appt.confirm": "确认",
  "common.yes": "是", "common.no": "否", "conflict.not_on_server": "尚未采用：已保留，等您决定",
  "conflict.keep_server_all": "保留服务器的值", "conflict.keep_device_all": "采用手机上的工作",
  "conflict.charges_server": "作废并按服务器价格重开", "conflict.charges_device": "认可用户签署的费用",
  "conflict.charges_refund": "退还差额",
  "conflict.reassigned_hint": "{name}在工单改派后离线做了这些工作。工作先保存在这里，等您决定。",
  "conflict.reason.changed_on_both_sides": "上次一致之后，手机和调度台都改了。",
  "conflict.reason.deleted": "一边删除，另一边修改。",
  "conflict.reason.reassigned_work_kept": "工单改派后记录的工作。",
  "conflict.reason.order_reassigned": "工单已改派给别人后的状态变更。",
  "conflict.reason.order_cancelled_work_kept": "工单取消后记录的工作。",
  "ago.now": "刚刚", "ago.min": "{n} 分钟前", "ago.hour": "{n} 小时前", "ago.day": "{n} 天前",
};

const DICTS = { en: { ...conflictWords.en, ...en, ...board.en, ...field.en, ...notice.en },
  "zh-CN": { ...conflictWords["zh-CN"], ...zh, ...board.zh, ...field.zh, ...notice.zh } };
const KEY = "onsite.console.lang";

export function currentLang() {
  const saved = localStorage.getItem(KEY);
  if (saved && DICTS[saved]) return saved;
  return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function setLang(lang) {
  localStorage.setItem(KEY, DICTS[lang] ? lang : "en");
}

// A policy duration (seconds) in words: "2 h" / "2 小时", "90 min" / "90 分钟".
export function spanWords(seconds) {
  const zh = currentLang() === "zh-CN";
  const minutes = Math.round(seconds / 60);
  if (minutes % 60 !== 0) return zh ? `${minutes} 分钟` : `${minutes} min`;
  return zh ? `${minutes / 60} 小时` : `${minutes / 60} h`;
}

function policyParam(name) {
  const value = policy()[name];
  if (value === undefined) return undefined;
  return name.endsWith("_days") || typeof value !== "number" ? String(value) : spanWords(value);
}

export function t(key, params = {}) {
  const text = DICTS[currentLang()][key] ?? DICTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => {
    if (name in params) return String(params[name]);
    return policyParam(name) ?? `{${name}}`;
  });
}

export function has(key) {
  return key in DICTS.en;
}

export function applyTranslations(root = document) {
  document.documentElement.lang = currentLang();
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const button of root.querySelectorAll("[data-lang]")) {
    button.classList.toggle("active", button.dataset.lang === currentLang());
  }
}

// Intake issues name API fields (customer.phones.0, unit.model, service_address): say them as the form does.
const FIELD_KEYS = {
  customer_id: "name", name: "name", contact_phone: "phone", phones: "phone", service_address: "address",
  address: "address", model: "model", brand: "brand", serial: "serial", purchase_date: "purchase_date",
  manufacture_date: "purchase_date", symptom: "symptom", category: "category",
};

export function issueText(issue) {
  const last = issue.field.split(".").filter((p) => !/^\d+$/.test(p)).pop();
  const field = FIELD_KEYS[last] ? t(`intake.${FIELD_KEYS[last]}`) : last;
  // Codes read like "missing_model" or "vague_address": the kind of problem comes first.
  const kind = issue.code.split("_")[0];
  const code = has(`issue.${issue.code}`) ? t(`issue.${issue.code}`)
    : has(`issue.${kind}`) ? t(`issue.${kind}`) : issue.code.replaceAll("_", " ");
  return `${field} ${code}`;
}
