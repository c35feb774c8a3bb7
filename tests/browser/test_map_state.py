"""The page's state in its address: a copied link reproduces the view, the filters, the open
site and the comparison; the language switch keeps them."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.browser.map_fixtures import HANOI_VIEW, MapPage

pytestmark = pytest.mark.browser


def what_the_page_shows(explorer):
    page = explorer.page
    return {
        "view": explorer.query()["map"],
        "checked": page.locator("#filters input:checked").evaluate_all(
            "boxes => boxes.map(box => `${box.name}=${box.value}`)"
        ),
        "listed": explorer.listed_ids(),
        "markers": explorer.markers(),
        "site": page.locator("#site-name").inner_text(),
        "compared": page.locator("#compare-dialog .compare__name").all_inner_texts(),
        "tray": page.locator("#compare-tray-label").inner_text(),
    }


def test_a_copied_link_restores_the_view_the_filters_the_open_site_and_the_comparison(
    page, page_problems, registry
):
    explorer = MapPage(page).open(HANOI_VIEW)
    explorer.open_filters()
    explorer.refreshed_by(lambda: page.locator("input[name=kind][value=certification]").uncheck())
    explorer.refreshed_by(lambda: page.locator("input[name=status][value=valid]").check())
    assert set(explorer.listed_ids()) == {registry.water_meters.pk, registry.laboratory.pk}
    for site in (registry.laboratory, registry.water_meters):
        page.locator(f"#results-list li[data-id='{site.pk}'] [data-slot=compare]").click()
    explorer.open_site_from_list(registry.laboratory)
    page.locator("#compare-open").click()
    expect(page.locator("#compare-dialog .compare__name")).to_have_count(2)
    shown = what_the_page_shows(explorer)
    link = page.url
    assert {"map", "kind", "status", "site", "compare", "view"} <= explorer.query().keys()

    page.goto("about:blank")
    page.goto(link)
    explorer.wait_ready(0)
    page.locator("#site-name").filter(has_text=registry.laboratory.name).wait_for()
    expect(page.locator("#compare-dialog .compare__name")).to_have_count(2)

    assert what_the_page_shows(explorer) == shown
    assert page.url == link
    assert page.locator("#compare-dialog").evaluate("dialog => dialog.open")
    assert not page_problems, page_problems


def test_a_link_with_a_view_asks_the_api_for_its_sites_once(page, page_problems, registry):
    asked = []
    page.on("request", lambda request: "/api/v1/clusters/" in request.url and asked.append(1))

    explorer = MapPage(page).open("map=5/16/106")  # near the zoom that fits Viet Nam
    explorer.wait_settled(1)

    assert explorer.refreshes() == 1
    assert len(asked) == 1
    assert not page_problems, page_problems


def test_the_english_switch_keeps_the_state_and_shows_english_labels(page, page_problems, registry):
    explorer = MapPage(page).open(HANOI_VIEW)
    explorer.open_filters()
    explorer.refreshed_by(lambda: page.locator("input[name=status][value=valid]").check())
    explorer.open_site_from_list(registry.laboratory)
    state = explorer.query()
    labels = [("#near-me", "Near me"), ("#filters-box summary span:first-child", "Filters")]
    for label, english in labels:
        with translation.override("vi"):
            assert page.locator(label).inner_text() == gettext(english) != english

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    explorer.wait_ready(0)

    assert page.locator("html").get_attribute("lang") == "en"
    assert explorer.query() == state
    assert page.locator("#site-name").inner_text() == registry.laboratory.name
    assert page.locator("input[name=status][value=valid]").is_checked()
    assert page.locator("#filters-box summary").inner_text().startswith("Filters")
    assert page.locator("#near-me").inner_text() == "Near me"
    assert page.locator("#site-panel [data-slot=status]").inner_text() == "valid"
    assert "Testing" in page.locator("#legend").text_content()
    assert page.locator("#site-panel [data-slot=back]").inner_text() == "← Back to the results"

    with page.expect_navigation():
        page.get_by_role("button", name="Tiếng Việt").click()
    explorer.wait_ready(0)
    assert page.locator("html").get_attribute("lang") == "vi"
    assert explorer.query() == state
    assert page.locator("#site-name").inner_text() == registry.laboratory.name
    assert not page_problems, page_problems
