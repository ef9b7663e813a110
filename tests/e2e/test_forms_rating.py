"""The satisfaction rating form in Chromium: two 1-5 star scales, a comment, or declined."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import screenshot
from tests.e2e.forms_harness.site import csp_violations, harness_fixtures, last_result, open_form

forms_site, forms_browser, forms_page = harness_fixtures()


def stars(page: Any, scale: str) -> Any:
    return page.get_by_role("radiogroup", name=scale).get_by_role("radio")


def test_customer_rates_repair_4_and_attitude_5_with_a_comment(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "rating")
    submit = page.get_by_role("button", name="Submit rating")
    assert submit.is_disabled()
    screenshot(page, "forms-rating-empty")

    stars(page, "Repair quality").nth(3).tap()
    assert submit.is_disabled()  # both scales are needed
    stars(page, "Service attitude").nth(4).tap()
    assert stars(page, "Repair quality").nth(3).get_attribute("aria-checked") == "true"
    assert page.locator(".of-rating__scale").nth(0).locator(".of-stars__level").inner_text() == "Satisfied"
    page.fill("textarea[name=comment]", "Quick and tidy, explained how to clean the filter.")
    for box in [stars(page, "Repair quality").nth(i).bounding_box() for i in range(5)]:
        assert box["width"] >= 48 and box["height"] >= 48  # thumb-sized
    screenshot(page, "forms-rating-filled")
    submit.tap()

    assert last_result(page) == {
        "repairQuality": 4,
        "serviceAttitude": 5,
        "declined": False,
        "comment": "Quick and tidy, explained how to clean the filter.",
    }
    assert csp_violations(page) == []


def test_changing_a_rating_keeps_the_last_tap(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "rating")
    stars(page, "Repair quality").nth(1).tap()
    stars(page, "Repair quality").nth(4).tap()
    stars(page, "Service attitude").nth(0).tap()
    page.get_by_role("button", name="Submit rating").tap()
    result = last_result(page)
    assert (result["repairQuality"], result["serviceAttitude"], result["comment"]) == (5, 1, "")


def test_comment_is_limited_to_500_characters(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "rating")
    page.locator("textarea[name=comment]").fill("好" * 600)
    assert page.locator(".of-counter").inner_text() == "500/500"
    stars(page, "Repair quality").nth(2).tap()
    stars(page, "Service attitude").nth(2).tap()
    page.get_by_role("button", name="Submit rating").tap()
    assert len(last_result(page)["comment"]) == 500


def test_customer_declining_to_rate_is_recorded(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "rating", lang="zh-CN")
    page.get_by_role("button", name="用户不愿评价").tap()
    screenshot(page, "forms-rating-decline-zh")
    page.get_by_role("alertdialog").get_by_role("button", name="记录不评价").tap()
    assert last_result(page) == {
        "repairQuality": None,
        "serviceAttitude": None,
        "comment": "",
        "declined": True,
    }


def test_rating_is_given_once_and_open_again_if_it_could_not_be_kept(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "rating")
    stars(page, "Repair quality").nth(3).tap()
    stars(page, "Service attitude").nth(4).tap()
    submit = page.get_by_role("button", name="Submit rating")

    page.evaluate("window.__rejectNext = true")
    submit.tap()
    page.wait_for_function("() => !window.__rejectNext")
    assert page.evaluate("window.__results.length") == 0
    assert submit.is_enabled()  # the customer can try again

    submit.dblclick()  # an impatient double tap gives one answer
    page.wait_for_selector("body[data-results='1']")
    assert submit.is_disabled()
    stars(page, "Repair quality").nth(0).click(force=True)
    page.wait_for_timeout(100)
    assert page.evaluate("window.__results.length") == 1
    assert last_result(page)["repairQuality"] == 4


def test_stars_follow_the_arrow_keys(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "rating")
    stars(page, "Repair quality").nth(2).focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # stops at 5
    assert stars(page, "Repair quality").nth(4).get_attribute("aria-checked") == "true"
    stars(page, "Service attitude").nth(0).focus()
    page.keyboard.press("ArrowLeft")  # at least 1
    page.keyboard.press("ArrowRight")
    assert stars(page, "Service attitude").nth(1).get_attribute("aria-checked") == "true"
    page.get_by_role("button", name="Submit rating").click()
    assert (last_result(page)["repairQuality"], last_result(page)["serviceAttitude"]) == (5, 2)
