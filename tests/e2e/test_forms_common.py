"""What every on-site form keeps to in Chromium at phone size: thumb-sized controls, no sideways
scrolling, nothing blocked by the CSP, and destroy() leaving nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.forms_harness.site import csp_violations, harness_fixtures, open_form

forms_site, forms_browser, forms_page = harness_fixtures()

FORMS = ["signature", "rating", "photos", "receipt", "checklist"]
CONTROLS = """() => [...document.querySelectorAll('#root :is(button, select, input, textarea, label)')]
  .filter((el) => el.offsetParent !== null && !el.classList.contains('of-visually-hidden')
                  && !el.classList.contains('of-check__box') && el.type !== 'hidden'
                  && !(el.tagName === 'LABEL' && el.classList.contains('of-field')))
  .map((el) => ({ name: el.textContent.trim() || el.name || el.getAttribute('aria-label'),
                  w: el.getBoundingClientRect().width, h: el.getBoundingClientRect().height }))"""


@pytest.mark.parametrize("form", FORMS)
def test_form_fits_a_phone_with_thumb_sized_controls(forms_page: Any, form: str) -> None:
    page = forms_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_form(page, form)
    controls = page.evaluate(CONTROLS)
    assert len(controls) >= 2
    assert [c for c in controls if c["w"] < 48 or c["h"] < 48] == []
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390  # no sideways scrolling
    assert csp_violations(page) == []

    page.evaluate("window.__destroy()")
    assert page.evaluate("document.getElementById('root').childElementCount") == 0
    page.set_viewport_size({"width": 844, "height": 390})  # listeners are gone: nothing reacts
    page.wait_for_timeout(100)
    assert errors == []
