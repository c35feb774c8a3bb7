"""Near me: the browser's position (mocked) or a point clicked on the map, a radius, and the
sites listed nearest first with their distance."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.browser.map_fixtures import HOAN_KIEM_LAKE, MapPage, distance_km

pytestmark = pytest.mark.browser


def listed_distances_km(page):
    """The distances the list shows, in km ("1,8 km" in Vietnamese, "850 m" below a km)."""
    distances = []
    for text in page.locator("#results-list [data-slot=distance]").all_inner_texts():
        value, unit = re.search(r"([\d.,]+)\s*(km|m)\b", text).groups()
        number = float(value.replace(".", "").replace(",", "."))
        distances.append(number if unit == "km" else number / 1000)
    return distances


def test_near_me_lists_the_sites_around_the_browsers_position_nearest_first_with_distances(
    page, page_problems, registry, live_server
):
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation(HOAN_KIEM_LAKE)
    explorer = MapPage(page).open()

    explorer.refreshed_by(page.locator("#near-me").click, moves_map=True)

    nearest_first = sorted(registry.hanoi, key=lambda site: distance_km(site, HOAN_KIEM_LAKE))
    assert explorer.listed_ids() == [site.pk for site in nearest_first]  # within 25 km
    expected = [distance_km(site, HOAN_KIEM_LAKE) for site in nearest_first]
    assert listed_distances_km(page) == pytest.approx(expected, abs=0.06)
    assert page.locator("#near-active").is_visible()
    near = explorer.query()
    assert near["radius_km"] == "25"
    assert near["near"] == f"{HOAN_KIEM_LAKE['longitude']},{HOAN_KIEM_LAKE['latitude']}"

    explorer.refreshed_by(lambda: page.locator("#near-radius").select_option("5"), moves_map=True)
    within_5_km = [site.pk for site in nearest_first if distance_km(site, HOAN_KIEM_LAKE) <= 5]
    assert explorer.listed_ids() == within_5_km
    assert explorer.query()["radius_km"] == "5"

    explorer.refreshed_by(page.locator("#near-clear").click, moves_map=True)
    assert page.locator("#near-active").is_hidden()
    assert "near" not in explorer.query()
    assert page.locator("#results-list [data-slot=distance]:not(:empty)").count() == 0
    assert not page_problems, page_problems


def test_a_refused_location_says_how_to_search_around_a_point_instead(
    page, page_problems, registry
):
    explorer = MapPage(page).open()
    page.context.clear_permissions()

    page.locator("#near-me").click()

    with translation.override("vi"):
        refusal = gettext(
            "Your location is not available. Allow location access in the browser, or choose a "
            "point on the map."
        )
    expect(page.locator("#map-status")).to_have_text(refusal)
    assert "near" not in explorer.query()
    assert page.locator("#near-active").is_hidden()
    assert not page_problems, page_problems


def test_a_point_chosen_on_the_map_lists_the_sites_around_it(page, page_problems, registry):
    explorer = MapPage(page).open("map=9/21.1/105.85")

    page.locator("#near-pick").click()
    assert page.locator("#near-pick").get_attribute("aria-pressed") == "true"
    box = explorer.map.bounding_box()
    # At zoom 9, with the view centred on 21.1, 105.85: the centre of the map is that point.
    explorer.refreshed_by(
        lambda: explorer.map.click(position={"x": box["width"] / 2, "y": box["height"] / 2}),
        moves_map=True,
    )

    assert page.locator("#near-pick").get_attribute("aria-pressed") == "false"
    lon, lat = map(float, explorer.query()["near"].split(","))
    assert abs(lon - 105.85) < 0.02 and abs(lat - 21.1) < 0.02
    centre = {"longitude": lon, "latitude": lat}
    nearest_first = sorted(registry.hanoi, key=lambda site: distance_km(site, centre))
    assert explorer.listed_ids() == [site.pk for site in nearest_first]
    assert listed_distances_km(page) == pytest.approx(
        [distance_km(site, centre) for site in nearest_first], abs=0.06
    )
    assert not page_problems, page_problems
