"""The pre-departure checklist in Chromium: all ticked departs at once; anything missing needs an
explicit "leave anyway"."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import screenshot
from tests.e2e.forms_harness.site import csp_violations, harness_fixtures, last_result, open_form

forms_site, forms_browser, forms_page = harness_fixtures()

ITEMS = {
    "tools": "Tools",
    "parts_or_loaner": "Parts or loaner unit",
    "work_order_form": "Work-order form",
    "receipts": "Receipts",
    "fee_schedule": "Fee schedule",
    "service_card": "Service card",
    "id_badge": "ID badge",
    "floor_cloth": "Floor cloth",
    "shoe_covers": "Shoe covers",
}


def test_complete_checklist_departs_at_once(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "checklist")
    assert page.locator(".of-check__label").all_inner_texts() == list(ITEMS.values())
    screenshot(page, "forms-checklist-empty")
    for label in ITEMS.values():
        page.get_by_label(label).check()
    assert page.locator(".of-progress").inner_text() == "9 of 9 checked"
    screenshot(page, "forms-checklist-complete")
    page.get_by_role("button", name="Depart").tap()
    assert page.get_by_role("alertdialog").is_hidden()
    assert last_result(page) == {"items": dict.fromkeys(ITEMS, True), "complete": True}
    assert csp_violations(page) == []


def test_incomplete_checklist_needs_leave_anyway(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "checklist")
    rows = page.locator(".of-checklist")
    for item, label in ITEMS.items():
        if item not in ("floor_cloth", "shoe_covers"):
            rows.get_by_text(label, exact=True).tap()  # the whole row is the tap target
    page.get_by_role("button", name="Depart").tap()

    dialog = page.get_by_role("alertdialog")
    assert dialog.is_visible()
    assert dialog.locator("h3").inner_text() == "2 not checked"
    assert dialog.locator("li").all_inner_texts() == ["Floor cloth", "Shoe covers"]
    assert page.evaluate("window.__results.length") == 0  # nothing recorded yet
    screenshot(page, "forms-checklist-incomplete")

    dialog.get_by_role("button", name="Back to checklist").tap()
    assert dialog.is_hidden()
    page.locator(".of-checklist").get_by_text("Floor cloth", exact=True).tap()
    page.get_by_role("button", name="Depart").tap()
    assert dialog.locator("li").all_inner_texts() == ["Shoe covers"]
    dialog.get_by_role("button", name="Leave anyway").tap()

    result = last_result(page)
    assert result["complete"] is False
    assert result["items"] == {**dict.fromkeys(ITEMS, True), "shoe_covers": False}


def test_checklist_takes_its_items_and_speaks_chinese(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "checklist", lang="zh-CN")
    page.evaluate(
        "window.__mount('checklist', {lang: 'zh-CN', items: ['id_badge', 'shoe_covers'],"
        " checked: {id_badge: true}})"
    )
    assert page.locator(".of-check__label").all_inner_texts() == ["工作证", "鞋套"]
    assert page.locator(".of-progress").inner_text() == "已检查 1/2"
    page.get_by_role("button", name="出发").tap()
    assert page.get_by_role("alertdialog").locator("h3").inner_text() == "还有 1 项未勾选"
    screenshot(page, "forms-checklist-zh")
    page.get_by_role("button", name="仍然出发").tap()
    assert last_result(page) == {"items": {"id_badge": True, "shoe_covers": False}, "complete": False}
