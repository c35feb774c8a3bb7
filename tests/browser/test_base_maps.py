"""The configured base maps in the browser: a choice of them, and the offline mode, in which the
province boundaries keep the map's shape and the page is told that the tiles failed."""

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation

from frontend.base_maps import base_map_config
from tests.browser.test_admin_map_widget import open_change_page
from tests.factories import make_site

pytestmark = pytest.mark.browser

BOUNDARIES_DRAWN = "() => document.querySelectorAll('.leaflet-overlay-pane path').length >= 34"
# Records the `basemap:offline` events from before the page's first script runs.
RECORD_OFFLINE_EVENTS = """
window.offlineEvents = [];
document.addEventListener("basemap:offline", (event) => window.offlineEvents.push(event.detail));
"""


def vietnamese_config():
    with translation.override("vi"):
        return base_map_config()


@pytest.fixture
def tiles_fail(page, live_server):
    """Every request outside the live server fails, tiles included."""

    def handle(route):
        if route.request.url.startswith(live_server.url):
            route.fallback()
        else:
            route.abort()

    page.route("**/*", handle)
    return page


@pytest.fixture
def tiles_hang(page, live_server):
    """Requests outside the live server are never answered, as behind a dead proxy."""
    pending = []

    def handle(route):
        if route.request.url.startswith(live_server.url):
            route.fallback()
        else:
            pending.append(route)

    page.route("**/*", handle)
    yield page
    page.unroute_all(behavior="ignoreErrors")


@pytest.fixture
def site(provinces):
    return make_site(location=Point(105.8, 21.04, srid=4326))


def tile_sources(widget):
    return widget.locator(".leaflet-tile-pane img").evaluate_all("tiles => tiles.map(t => t.src)")


def test_without_tiles_the_home_map_keeps_its_boundaries_and_reports_offline(
    tiles_fail, page_problems, provinces
):
    page = tiles_fail
    page.add_init_script(RECORD_OFFLINE_EVENTS)
    page.goto("/")
    page.wait_for_function(BOUNDARIES_DRAWN)
    page.wait_for_function("() => window.offlineEvents.length > 0")

    (event,) = page.evaluate("window.offlineEvents")
    config = vietnamese_config()
    assert event == {"name": config["baseMaps"][0]["name"], "message": config["offlineMessage"]}
    assert page.locator(".leaflet-overlay-pane path").count() >= 34
    assert not page_problems.page_errors, page_problems


def test_tiles_that_never_arrive_put_the_map_offline_after_a_few_seconds(
    tiles_hang, page_problems, provinces
):
    page = tiles_hang
    page.add_init_script(RECORD_OFFLINE_EVENTS)
    page.goto("/", wait_until="domcontentloaded")  # "load" would wait for the tiles
    page.wait_for_function(BOUNDARIES_DRAWN)
    assert page.evaluate("window.offlineEvents") == []

    page.wait_for_function("() => window.offlineEvents.length > 0", timeout=10_000)

    assert page.locator(".leaflet-overlay-pane path").count() >= 34
    assert not page_problems, page_problems


def test_without_tiles_the_admin_widget_says_so_and_still_places_points(
    admin_page, tiles_fail, page_problems, site
):
    widget = open_change_page(admin_page, site)
    status = widget.get_by_role("status")
    status.wait_for()

    assert status.inner_text() == vietnamese_config()["offlineMessage"]
    widget.locator('[data-coordinate="lon"]').fill("105.852")
    widget.locator('[data-coordinate="lat"]').fill("21.0285")
    assert widget.locator("textarea").input_value() == "SRID=4326;POINT (105.852 21.0285)"
    assert widget.locator(".leaflet-overlay-pane path").count() >= 34
    assert not page_problems.page_errors, page_problems


def test_an_official_chooses_another_base_map_or_none_in_the_widget(
    admin_page, page_problems, site
):
    config = vietnamese_config()
    first, second = (base_map["name"] for base_map in config["baseMaps"][:2])
    widget = open_change_page(admin_page, site)
    widget.locator(".leaflet-tile-pane img").first.wait_for()
    assert all("tile.openstreetmap.org/" in source for source in tile_sources(widget))
    assert widget.get_by_role("status").count() == 0  # online: no offline message

    layers = widget.locator(".leaflet-control-layers")
    layers.hover()
    assert layers.get_by_label(first, exact=True).is_checked()
    layers.get_by_label(second, exact=True).check()

    widget.locator(".leaflet-tile-pane img").first.wait_for()
    sources = tile_sources(widget)
    assert sources and all(".tile.openstreetmap.fr/hot/" in source for source in sources)
    attribution = widget.locator(".leaflet-control-attribution").inner_text()
    assert "Humanitarian OpenStreetMap Team" in attribution

    layers.get_by_label(config["noBaseMapLabel"], exact=True).check()
    assert tile_sources(widget) == []
    assert widget.locator(".leaflet-overlay-pane path").count() >= 34
    assert widget.locator("textarea").input_value() == "SRID=4326;POINT (105.8 21.04)"
    assert not page_problems, page_problems
