"""The product's words: one term per thing in each language, used by every screen and document.

The source documents (Haier's and Midea's service rules) call the customer 用户 and the loaner unit
备用机; the screens follow them. A test (`tests/unit/test_glossary.py`) reads every string table of
the phone, the console and the receipt and fails on a variant ruled out here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    en: str
    zh: str
    not_zh: tuple[str, ...]  # words a Chinese string must not use for this thing


GLOSSARY: tuple[Term, ...] = (
    Term("customer", "用户", ("客户", "顾客")),
    Term("service order", "工单", ("订单",)),
    Term("part", "配件", ("零件", "备件")),
    Term("loaner unit", "备用机", ("周转机",)),
    Term("warranty", "保修", ("质保", "保固")),
    Term("engineer", "工程师", ("维修员", "技术员")),
)

# Every table of words a person reads: the phone's, its forms', the console's and the receipt's.
STRING_TABLES = (
    "pwa/js/messages.js",
    "pwa/forms/strings.js",
    "server/console/static/js/i18n.js",
    "server/console/static/js/devices.js",
    "server/console/static/js/i18n_board.js",
    "server/console/static/js/i18n_field.js",
    "server/console/static/js/i18n_notice.js",
    "server/console/static/js/conflict_words.js",
    "pwa/js/lock.js",
    "pwa/js/wipe.js",
    "pwa/js/views/security.js",
    "pwa/sw/push.js",
    "pwa/js/views/order.js",
    "pwa/js/i18n.js",
    "server/console/static/js/html.js",
    "server/services/receipt_words.py",
    "server/templates/receipt_signin.html",
)
