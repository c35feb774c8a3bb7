"""The commune boundaries on the map: drawn from the vector tiles of /tiles/communes/ from the
catalogue's min zoom on, never below it, with the commune's name under the pointer."""

import re

import pytest
from django.utils import translation

from geodata.models import AdministrativeUnit
from layers.catalogue import COMMUNES_MIN_ZOOM
from tests.browser import test_map_phone
from tests.browser.map_fixtures import MapPage, wait_until

pytestmark = pytest.mark.browser

COMMUNE_TILE = re.compile(r"/tiles/communes/(\d+)/\d+/\d+\.mvt$")
# Any pixel drawn on the canvases of the communes' tiles.
TILES_DRAWN = """() => [...document.querySelectorAll('.leaflet-overlay-pane canvas.leaflet-tile')]
  .some((canvas) => canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
    .data.some((value, i) => i % 4 === 3 && value > 0))"""
phone = test_map_phone.phone  # the fixture of a phone's page (touch, 360 × 640)
TOOLTIP = ".leaflet-tooltip.outline-tooltip"  # not the province's own tooltip


def tile_requests(page):
    """The zoom of every request of a commune tile, and its answer's status."""
    seen = []

    def record(response):
        if match := COMMUNE_TILE.search(response.url):
            seen.append((int(match[1]), response.status))

    page.on("response", record)
    return seen


def commune_inside(code):
    """A commune of Hà Nội and a point well inside it (not on its outline)."""
    commune = AdministrativeUnit.objects.get(level="commune", current=True, code=code)
    point = commune.boundary.point_on_surface
    return commune, point


def centre_of_map(page):
    box = page.locator("#map").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def open_at(page, zoom, point):
    MapPage(page).open(f"map={zoom}/{point.y:.5f}/{point.x:.5f}")


def test_no_commune_tile_is_asked_for_below_the_min_zoom(page, page_problems, map_reference):
    _, point = commune_inside("00070")
    requests = tile_requests(page)

    open_at(page, COMMUNES_MIN_ZOOM - 1, point)
    page.wait_for_load_state("networkidle")

    assert requests == []
    assert not page_problems, page_problems


def test_the_communes_are_drawn_from_vector_tiles_with_their_name_on_hover(
    page, page_problems, map_reference
):
    commune, point = commune_inside("00070")
    requests = tile_requests(page)

    open_at(page, 15, point)
    wait_until(page, TILES_DRAWN)
    page.mouse.move(*centre_of_map(page))

    assert page.locator(TOOLTIP).inner_text() == commune.full_name
    assert requests and {zoom for zoom, _ in requests} == {15}
    assert {status for _, status in requests} <= {200, 204}
    assert not page_problems, page_problems


def test_a_tap_shows_the_name_of_the_commune_on_a_phone(phone, page_problems, map_reference):
    commune, point = commune_inside("00160")

    open_at(phone, 14, point)
    wait_until(phone, TILES_DRAWN)
    phone.locator("#map").scroll_into_view_if_needed()
    phone.touchscreen.tap(*centre_of_map(phone))

    assert phone.locator(TOOLTIP).inner_text() == commune.full_name
    assert not page_problems, page_problems


def test_the_communes_are_drawn_when_the_base_map_fails(page, page_problems, map_reference):
    """The communes come from the project's own server: no base-map tile is needed."""
    page.route(re.compile(r"^(?!http://localhost)"), lambda route: route.abort())
    _, point = commune_inside("00070")

    open_at(page, COMMUNES_MIN_ZOOM + 1, point)

    wait_until(page, TILES_DRAWN)
    assert not page_problems.page_errors, page_problems


def test_the_commune_layer_can_be_hidden(page, page_problems, map_reference):
    _, point = commune_inside("00070")
    open_at(page, 13, point)
    wait_until(page, TILES_DRAWN)

    page.locator(".leaflet-control-layers").hover()
    with translation.override("vi"):
        page.get_by_label(str(translation.gettext("Commune boundaries (zoomed in)"))).uncheck()

    assert not page_problems, page_problems
    assert page.locator(".leaflet-overlay-pane canvas.leaflet-tile").count() == 0
