"""Markup in the registry's data is shown as text, never run: in the list, the marker's tooltip,
the search suggestions, the site panel and the comparison."""

import pytest
from playwright.sync_api import expect

from tests.browser.map_fixtures import XSS_NAME, MapPage

pytestmark = pytest.mark.browser

INJECTED = "img[src='x'], [onerror], [onload], #results b, #site-panel b, #compare-dialog b"


def test_a_site_named_with_markup_is_shown_as_text_everywhere_and_no_script_runs(
    page, page_problems, registry
):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    site = registry.hostile
    organisation = site.organisation.name_vi
    explorer = MapPage(page).open(f"map=15/{site.location.y}/{site.location.x}")

    item = page.locator(f"#results-list li[data-id='{site.pk}']")
    assert item.locator(".result__name").inner_text() == XSS_NAME
    assert item.locator("[data-slot=organisation]").inner_text() == organisation

    box = explorer.map.bounding_box()  # the site is at the centre of the view
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator(".leaflet-tooltip")).to_have_text(XSS_NAME)

    page.locator("#search-input").fill("onerror alert")
    option = page.locator("#search-suggestions [role=option]").filter(has_text=XSS_NAME)
    expect(option.locator(".suggestion__label")).to_have_text(XSS_NAME)
    option.click()

    page.locator("#site-name").filter(has_text=XSS_NAME).wait_for()
    panel = explorer.panel
    assert panel.locator("[data-slot=organisation]").inner_text() == organisation
    assert panel.locator("[data-slot=address]").inner_text() == site.address
    assert panel.locator("[data-slot=website]").inner_text() == "javascript:alert(4)"
    assert panel.locator("a[href^='javascript' i]").count() == 0
    panel.locator("[data-slot=compare]").click()
    page.locator("#compare-open").click()
    expect(page.locator("#compare-dialog .compare__name")).to_have_text([XSS_NAME])
    assert organisation in page.locator("#compare-dialog .compare__table").inner_text()

    assert page.locator(INJECTED).count() == 0
    assert dialogs == []
    assert not page_problems, page_problems  # a refused inline script would be reported too
