"""Comparing sites: up to four side by side, a fifth refused with a message."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.browser.map_fixtures import HANOI_VIEW, MapPage

pytestmark = pytest.mark.browser


def compare_button(page, site):
    return page.locator(f"#results-list li[data-id='{site.pk}'] [data-slot=compare]")


def test_four_sites_are_compared_side_by_side_and_a_fifth_is_refused(page, page_problems, registry):
    explorer = MapPage(page).open(HANOI_VIEW)
    four, fifth = registry.hanoi[:4], registry.hanoi[4]
    tray = page.locator("#compare-tray-label")
    assert page.locator("#compare-tray").is_hidden()

    for site in four:
        compare_button(page, site).click()
        assert compare_button(page, site).get_attribute("aria-pressed") == "true"
    assert "4" in tray.inner_text()
    compare_button(page, fifth).click()

    with translation.override("vi"):
        assert tray.inner_text() == gettext("You can compare up to four sites. Remove one first.")
    assert compare_button(page, fifth).get_attribute("aria-pressed") == "false"
    assert explorer.query()["compare"] == ",".join(str(site.pk) for site in four)

    page.locator("#compare-open").click()
    dialog = page.locator("#compare-dialog")
    columns = dialog.locator(".compare__table thead th")
    expect(columns).to_have_count(4)
    assert dialog.evaluate("dialog => dialog.open")
    assert dialog.locator(".compare__table thead .compare__name").all_inner_texts() == [
        site.name for site in four
    ]
    table = dialog.locator(".compare__table").inner_text()
    assert "101/QĐ-TĐC" in table and "VILAS 1001" in table
    assert "Xi măng poóc lăng" in table  # the scope, aligned
    assert explorer.query()["view"] == "compare"

    dialog.locator(".compare__table thead [data-remove]").first.click()
    expect(columns).to_have_count(3)
    assert explorer.query()["compare"] == ",".join(str(site.pk) for site in four[1:])

    page.locator("#compare-close").click()
    assert not dialog.evaluate("dialog => dialog.open")
    assert "view" not in explorer.query()
    assert "3" in tray.inner_text()
    assert not page_problems, page_problems
