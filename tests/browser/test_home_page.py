"""The landing page in the real browser, offline: the map keeps its shape without tiles."""

import pytest
from django.conf import settings

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

# A function, not an expression: the Content Security Policy forbids the page to eval a string.
BOUNDARIES_DRAWN = "() => document.querySelectorAll('.leaflet-overlay-pane path').length >= 34"


def test_home_page_draws_the_34_province_boundaries_with_no_tiles_and_no_errors(
    page, page_problems, provinces
):
    page.goto("/")

    boundaries = page.locator(".leaflet-overlay-pane path")
    page.wait_for_function(BOUNDARIES_DRAWN)
    assert boundaries.count() >= 34
    assert (
        settings.BOUNDARY_ATTRIBUTION in page.locator(".leaflet-control-attribution").inner_text()
    )
    assert not page_problems, page_problems


def test_home_page_fits_a_phone_screen(page, page_problems, provinces):
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.wait_for_function(BOUNDARIES_DRAWN)

    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"]
    assert page.locator("#map").bounding_box()["width"] > 300
    assert not page_problems, page_problems


def test_language_switch_turns_the_page_english_and_back(page, page_problems, provinces):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "vi"

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="English").get_attribute("aria-pressed") == "true"

    with page.expect_navigation():
        page.get_by_role("button", name="Tiếng Việt").click()
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("button", name="Tiếng Việt").get_attribute("aria-pressed") == "true"
    assert not page_problems, page_problems
