"""The receipt's words in Simplified Chinese and English, and its money format.

The PWA's receipt form says the same (pwa/forms/strings.js, `forms.charge.*` and `forms.receipt.*`;
tests/api/test_receipts.py holds the two together): one name per line kind, the customer addressed
as "you", money as Intl.NumberFormat writes it (¥1,234.50, -¥10.00).
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("zh-CN", "en")

KIND_NAMES: Mapping[str, Mapping[str, str]] = {
    "zh-CN": {
        "labour": "工时费",
        "part": "配件费",
        "travel": "上门费",
        "service_fee": "服务费",
        "trade_in": "旧件抵扣",
        "waiver": "减免",
    },
    "en": {
        "labour": "Labour",
        "part": "Part",
        "travel": "Travel",
        "service_fee": "Service fee",
        "trade_in": "Old part trade-in",
        "waiver": "Waiver",
    },
}

# Why a line costs what it does, where that is worth telling the customer ("schedule_price", the
# ordinary case, and "trade_in_credit", which the kind already says, are not printed).
REASONS: Mapping[str, Mapping[str, str]] = {
    "zh-CN": {
        "lower_of_two_schedules": "两份公开收费标准取低价",
        "manual_price": "服务中心核准的价格",
        "in_warranty": "保修期内免费",
        "late_arrival": "超时上门，本次免单",
        "repeat_repair": "一次就好，多次免单",
        "schedule_not_shown": "未向您出示收费标准，违规免单",
        "badge_not_shown": "未向您出示工作证，违规免单",
    },
    "en": {
        "lower_of_two_schedules": "Lower of two published prices",
        "manual_price": "Price approved by the service centre",
        "in_warranty": "Free under warranty",
        "late_arrival": "We arrived late: this visit is free",
        "repeat_repair": "Repeat repair: free of charge",
        "schedule_not_shown": "We did not show you the fee schedule: free of charge",
        "badge_not_shown": "We did not show you a badge: free of charge",
    },
}

PAYMENT_METHODS: Mapping[str, Mapping[str, str]] = {
    # "" is no payment on a receipt with something to pay; "nothing_due", a total of 0.
    "zh-CN": {
        "cash": "现金",
        "wechat": "微信",
        "alipay": "支付宝",
        "card": "银行卡",
        "": "未收款",
        "nothing_due": "无需付款",
    },
    "en": {
        "cash": "Cash",
        "wechat": "WeChat Pay",
        "alipay": "Alipay",
        "card": "Bank card",
        "": "Not paid",
        "nothing_due": "Nothing to pay",
    },
}

# Labour lines are named by their job (the catalogue's job codes, as the PWA's `job.<code>`).
JOB_NAMES: Mapping[str, Mapping[str, str]] = {
    "zh-CN": {
        "drain_pump": "更换排水泵",
        "door_lock": "更换门锁",
        "bearing": "更换轴承",
        "refrigerant": "加注冷媒",
        "capacitor": "更换启动电容",
        "pcb": "更换主板",
        "thermostat": "更换温控器",
        "defrost": "更换化霜加热丝",
        "fan": "更换风扇电机",
        "element": "更换加热管",
        "anode": "更换镁棒",
        "valve": "更换阀门",
        "fuser": "更换定影组件",
        "roller": "更换搓纸轮",
        "drum": "更换硒鼓",
        "filter": "更换空气过滤芯",
        "rings": "更换活塞环",
        "replace_drain_pump": "更换排水泵",
        "replace_board": "更换电脑板",
        "replace_thermostat": "更换温控器",
        "recharge": "加注制冷剂",
        "repair": "维修",
        "inspect": "检测",
    },
    "en": {
        "drain_pump": "Replace drain pump",
        "door_lock": "Replace door lock",
        "bearing": "Replace bearing",
        "refrigerant": "Recharge refrigerant",
        "capacitor": "Replace start capacitor",
        "pcb": "Replace main board",
        "thermostat": "Replace thermostat",
        "defrost": "Replace defrost heater",
        "fan": "Replace fan motor",
        "element": "Replace heating element",
        "anode": "Replace anode rod",
        "valve": "Replace valve",
        "fuser": "Replace fuser",
        "roller": "Replace pickup roller",
        "drum": "Replace drum",
        "filter": "Replace air filter",
        "rings": "Replace piston rings",
        "replace_drain_pump": "Replace drain pump",
        "replace_board": "Replace control board",
        "replace_thermostat": "Replace thermostat",
        "recharge": "Recharge refrigerant",
        "repair": "Repair",
        "inspect": "Inspection",
    },
}

CATEGORY_NAMES: Mapping[str, Mapping[str, str]] = {
    "zh-CN": {
        "washing_machine": "洗衣机",
        "air_conditioner": "空调",
        "refrigerator": "冰箱",
        "water_heater": "热水器",
        "office_printer": "办公打印机",
        "air_compressor": "呼吸空气压缩机",
    },
    "en": {
        "washing_machine": "Washing machine",
        "air_conditioner": "Air conditioner",
        "refrigerator": "Refrigerator",
        "water_heater": "Water heater",
        "office_printer": "Office printer",
        "air_compressor": "Breathing-air compressor",
    },
}

WORDS: Mapping[str, Mapping[str, str]] = {
    "zh-CN": {
        "title": "维修服务收据",
        "number": "收据编号",
        "issued": "开具时间",
        "order": "工单号",
        "customer": "用户",
        "address": "地址",
        "product": "产品",
        "engineer": "维修工程师",
        "engineer_badge": "{name}（工号 {badge}）",
        "payment": "付款方式",
        "item": "项目",
        "qty": "数量",
        "unit": "单价",
        "amount": "金额",
        "total": "合计",
        "invoice_requested": "发票：已按您的要求开具",
        "invoice_promised": "发票：您已申请，我们将另行寄送给您",
        "invoice_declined": "发票：您表示不需要",
        "complaint": "投诉监督电话：{phone}",
        "void": "已作废：本收据已取消",
        "void_reason": "原因：{reason}",
        "print_hint": "如需打印，请使用浏览器的打印功能。",
        "other_language": "English",
        "yours": "这是您的收据，只有持有此链接的人可以查看。",
        "not_found_title": "找不到这张收据",
        "not_found": "这个链接不对应任何收据。请核对链接，或拨打投诉监督电话 {phone}。",
        "not_yet_title": "收据还没有上传",
        "not_yet": "如果工程师刚刚为您开具这张收据，他的手机可能还没有联网上传。请稍后再试。"
        "如有疑问，请拨打投诉监督电话 {phone}。",
    },
    "en": {
        "title": "Service receipt",
        "number": "Receipt no.",
        "issued": "Issued",
        "order": "Order no.",
        "customer": "Customer",
        "address": "Address",
        "product": "Product",
        "engineer": "Engineer",
        "engineer_badge": "{name} (badge {badge})",
        "payment": "Payment",
        "item": "Item",
        "qty": "Qty",
        "unit": "Unit price",
        "amount": "Amount",
        "total": "Total",
        "invoice_requested": "Invoice: issued at your request",
        "invoice_promised": "Invoice: you asked for one, and we will send it to you",
        "invoice_declined": "Invoice: you did not want one",
        "complaint": "Complaints and supervision: {phone}",
        "void": "VOID: this receipt was cancelled",
        "void_reason": "Reason: {reason}",
        "print_hint": "To print, use your browser's print command.",
        "other_language": "中文",
        "yours": "This is your receipt; only someone with this link can see it.",
        "not_found_title": "No such receipt",
        "not_found": "This link does not lead to any receipt. Please check it, or call {phone}.",
        "not_yet_title": "This receipt has not been uploaded yet",
        "not_yet": "If the engineer has just given you this receipt, their phone may not have "
        "uploaded it yet. Please try again later. Questions: call {phone}.",
    },
}


def pick_language(requested: str | None, accept: str | None = None) -> str:
    """zh-CN or en: an explicit choice first, then the browser's first known language, else zh-CN."""
    for tag in [requested or "", *(part.split(";")[0].strip() for part in (accept or "").split(","))]:
        if tag.lower().startswith("zh"):
            return "zh-CN"
        if tag.lower().startswith("en"):
            return "en"
    return "zh-CN"


def money(fen: int, currency: str = "CNY") -> str:
    """Fen as the PWA's Intl.NumberFormat shows it (narrow symbol, grouping, two decimals):
    44700 -> '¥447.00', 120000 -> '¥1,200.00', -1000 -> '-¥10.00'."""
    sign = "-" if fen < 0 else ""
    amount = f"{abs(fen) // 100:,}.{abs(fen) % 100:02d}"
    if currency == "CNY":
        return f"{sign}¥{amount}"
    return f"{sign}{currency}\u00a0{amount}"
