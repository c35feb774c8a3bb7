"""Every public page loads without a console error, in both languages."""

import pytest

from geodata.models import Guide
from tests.browser.map_fixtures import MapPage

pytestmark = pytest.mark.browser


def test_the_map_and_the_guides_load_without_a_console_error_in_both_languages(
    page, page_problems, registry
):
    guide = Guide.objects.published().get(instrument__code="water-meter")
    explorer = MapPage(page)
    for language, code in (("Tiếng Việt", "vi"), ("English", "en")):
        explorer.open()
        with page.expect_navigation():
            page.get_by_role("button", name=language).click()
        explorer.wait_ready(0)
        page.goto("/guides/")
        assert page.locator(f"a[href$='{guide.get_absolute_url()}']").count() >= 1
        page.goto(guide.get_absolute_url())
        assert page.locator("h1").inner_text() == guide.texts(code)["title"]
        assert page.locator("html").get_attribute("lang") == code
    assert not page_problems, page_problems
