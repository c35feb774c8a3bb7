"""The results list: the text alternative to the map, following its view, a page at a time."""

import pytest
from django.contrib.gis.geos import Point

from geodata.models import Site
from layers.indexing import refresh_site_index
from tests.browser.map_fixtures import MapPage
from tests.factories import make_organisation, province

pytestmark = pytest.mark.browser


def test_the_list_follows_the_view_when_the_map_is_dragged(page, page_problems, registry):
    lab = registry.laboratory
    explorer = MapPage(page).open(f"map=15/{lab.location.y}/{lab.location.x}")
    assert explorer.listed_ids() == [lab.pk]
    box = explorer.map.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def drag_south_by_half_a_view():
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x, y + box["height"] / 2, steps=8)
        page.mouse.up()

    explorer.refreshed_by(drag_south_by_half_a_view, moves_map=True)

    assert registry.hostile.pk in explorer.listed_ids()  # 1.8 km north of the laboratory
    assert float(explorer.query()["map"].split("/")[1]) > lab.location.y
    assert not page_problems, page_problems


def test_fifty_sites_are_listed_and_show_more_lists_the_next_ones(
    page, page_problems, map_reference
):
    organisation = make_organisation("Công ty Kiểm định Hàng Loạt")
    sites = Site.objects.bulk_create(
        Site(
            organisation=organisation,
            name=f"Điểm kiểm định số {n:02d}",
            kinds=["verification"],
            address="Hà Nội",
            province=province("01"),
            location=Point(105.80 + n * 0.001, 21.03, srid=4326),
            published=True,
        )
        for n in range(60)
    )
    refresh_site_index(site_ids=[site.pk for site in sites])
    explorer = MapPage(page).open("map=12/21.03/105.83")
    assert len(explorer.listed_ids()) == 50
    assert "60" in page.locator("#results-summary").inner_text()

    page.locator("#results-more").click()
    page.locator("#results-list li[data-id]").nth(59).wait_for()

    assert sorted(explorer.listed_ids()) == sorted(site.pk for site in sites)
    assert page.locator("#results-more").is_hidden()
    assert not page_problems, page_problems
