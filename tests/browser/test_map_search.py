"""The search box of the map, as a user types in it: without diacritics, with the keyboard."""

import pytest

from tests.browser.map_fixtures import MapPage

pytestmark = pytest.mark.browser


def suggestions_for(page, text):
    """Types `text` and returns the suggestion labels once they are shown."""
    page.locator("#search-input").fill(text)
    page.locator("#search-suggestions [role=option]").first.wait_for()
    return page.locator("#search-suggestions [role=option] .suggestion__label").all_inner_texts()


def test_a_site_typed_without_diacritics_is_suggested_and_opened_with_the_keyboard(
    page, page_problems, registry
):
    site = registry.water_meters
    explorer = MapPage(page).open()
    search = page.locator("#search-input")

    labels = suggestions_for(page, "kiem dinh dong ho nuoc")
    assert site.name in labels
    assert search.get_attribute("aria-expanded") == "true"
    for _ in range(labels.index(site.name) + 1):
        search.press("ArrowDown")
    active = page.locator("#search-suggestions [aria-selected=true]")
    assert active.count() == 1
    assert active.locator(".suggestion__label").inner_text() == site.name
    assert search.get_attribute("aria-activedescendant") == active.get_attribute("id")
    search.press("Enter")

    assert page.locator("#site-name").inner_text() == site.name
    assert explorer.panel.is_visible()
    assert page.locator("#results").is_hidden()
    assert search.get_attribute("aria-expanded") == "false"
    assert explorer.query()["site"] == str(site.pk)
    assert not page_problems, page_problems


def test_escape_closes_the_suggestions_and_enter_then_finds_sites_by_the_words(
    page, page_problems, registry
):
    explorer = MapPage(page).open()
    search = page.locator("#search-input")
    suggestions_for(page, "phu hop")

    search.press("Escape")
    assert page.locator("#search-suggestions").is_hidden()
    assert search.get_attribute("aria-expanded") == "false"
    assert search.input_value() == "phu hop"  # Escape closes the list, the words stay
    explorer.refreshed_by(lambda: search.press("Enter"))

    assert explorer.query()["q"] == "phu hop"
    assert explorer.listed_ids() == [registry.certification.pk]
    assert explorer.markers() == 1
    assert not page_problems, page_problems


def test_enter_pressed_right_after_typing_does_not_bring_the_suggestions_back(
    page, page_problems, registry
):
    explorer = MapPage(page).open()
    search = page.locator("#search-input")

    search.fill("phu hop")
    explorer.refreshed_by(lambda: search.press("Enter"))
    page.wait_for_timeout(600)  # longer than the pause after typing and the answer

    assert explorer.listed_ids() == [registry.certification.pk]
    assert page.locator("#search-suggestions").is_hidden()
    assert search.get_attribute("aria-expanded") == "false"
    assert not page_problems, page_problems


def choose(page, explorer, typed, label):
    """Types `typed`, then clicks the suggestion `label` and waits for the map to settle."""
    suggestions_for(page, typed)
    option = page.locator("#search-suggestions [role=option]").filter(
        has=page.get_by_text(label, exact=True)
    )
    explorer.refreshed_by(option.click, moves_map=True)


def test_choosing_an_instrument_or_a_standard_filters_by_it_and_a_place_moves_the_map(
    page, page_problems, registry
):
    explorer = MapPage(page).open("map=6/16/106")

    choose(page, explorer, "dong ho nuoc lanh", "Đồng hồ nước lạnh")
    assert explorer.query()["instrument"] == "water-meter"
    assert page.locator("select[name=instrument]").input_value() == "water-meter"
    assert set(explorer.listed_ids()) == {registry.water_meters.pk, registry.countryside.pk}

    choose(page, explorer, "tcvn 6016", "TCVN 6016:2011")
    assert explorer.query()["standard"] == "TCVN 6016:2011"
    assert explorer.query()["instrument"] == "water-meter"  # the filters add up
    assert explorer.listed_ids() == []
    explorer.open_filters()
    explorer.refreshed_by(lambda: page.locator("select[name=instrument]").select_option(""))
    assert explorer.listed_ids() == [registry.laboratory.pk]

    choose(page, explorer, "phuong cau giay", "Phường Cầu Giấy")
    zoom, lat, lon = map(float, explorer.query()["map"].split("/"))
    assert zoom >= 12
    assert abs(lat - 21.03) < 0.05 and abs(lon - 105.79) < 0.05
    assert page.locator("#site-panel").is_hidden()
    assert not page_problems, page_problems
