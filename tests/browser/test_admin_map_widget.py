"""The site's location in the admin: a map point widget that works without tiles."""

import pytest
from django.contrib.gis.geos import Point

from geodata.models import Site
from tests.factories import make_site

pytestmark = pytest.mark.browser

TOLERANCE = 1e-6  # degrees, about 10 cm
MARKER_ANCHOR = (12, 41)  # where Leaflet's default marker icon touches its point, in pixels
# Waits are functions, not expressions: the Content Security Policy forbids the page to eval.
BOUNDARIES_DRAWN = (
    "() => document.querySelectorAll('.map-point-widget .leaflet-overlay-pane path').length >= 34"
)


@pytest.fixture
def site(provinces):
    return make_site(location=Point(105.8, 21.04, srid=4326))


def open_change_page(page, site):
    page.goto(f"/admin/geodata/site/{site.pk}/change/")
    page.wait_for_function(BOUNDARIES_DRAWN)
    widget = page.locator(".map-point-widget")
    widget.locator(".leaflet-container").scroll_into_view_if_needed()
    return widget


def marker_point(widget):
    box = widget.locator(".leaflet-marker-icon").bounding_box()
    return box["x"] + MARKER_ANCHOR[0], box["y"] + MARKER_ANCHOR[1]


def save(page):
    with page.expect_navigation():
        page.locator('input[name="_save"]').click()
    assert page.url.endswith("/admin/geodata/site/"), page.url


def typed_point(widget):
    return (
        float(widget.locator('[data-coordinate="lon"]').input_value()),
        float(widget.locator('[data-coordinate="lat"]').input_value()),
    )


def test_site_change_page_shows_the_map_widget_with_the_existing_point(
    admin_page, page_problems, site
):
    widget = open_change_page(admin_page, site)

    assert widget.locator(".leaflet-marker-icon").is_visible()
    assert typed_point(widget) == (105.8, 21.04)
    assert widget.locator("textarea").input_value() == "SRID=4326;POINT (105.8 21.04)"
    assert widget.locator("textarea").is_hidden()
    assert not page_problems, page_problems


def test_a_click_on_the_map_moves_the_point_and_saving_stores_it(admin_page, page_problems, site):
    widget = open_change_page(admin_page, site)
    marker_x, marker_y = marker_point(widget)

    click = (marker_x - 100, marker_y - 60)  # west and north of the site, still in Hà Nội
    admin_page.mouse.click(*click)
    admin_page.wait_for_function(
        "() => !document.getElementById('id_location').value.includes('POINT (105.8 21.04)')"
    )

    assert marker_point(widget) == pytest.approx(click, abs=1.5)
    lon, lat = typed_point(widget)
    assert lon < 105.8 and lat > 21.04
    assert widget.locator("textarea").input_value() == f"SRID=4326;POINT ({lon!r} {lat!r})"

    save(admin_page)
    site.refresh_from_db()
    assert site.location.srid == 4326
    assert site.location.x == pytest.approx(lon, abs=TOLERANCE)
    assert site.location.y == pytest.approx(lat, abs=TOLERANCE)
    assert not page_problems, page_problems


def test_dragging_the_marker_moves_the_point(admin_page, page_problems, site):
    widget = open_change_page(admin_page, site)
    marker_x, marker_y = marker_point(widget)

    admin_page.mouse.move(marker_x, marker_y - 20)
    admin_page.mouse.down()
    admin_page.mouse.move(marker_x + 40, marker_y + 10, steps=8)
    admin_page.mouse.move(marker_x + 80, marker_y + 40, steps=8)
    admin_page.mouse.up()
    admin_page.wait_for_function(
        "() => !document.getElementById('id_location').value.includes('POINT (105.8 21.04)')"
    )

    lon, lat = typed_point(widget)
    assert lon > 105.8 and lat < 21.04
    save(admin_page)
    site.refresh_from_db()
    assert (site.location.x, site.location.y) == pytest.approx((lon, lat), abs=TOLERANCE)
    assert not page_problems, page_problems


def test_typing_coordinates_moves_the_point_and_saving_stores_them(admin_page, page_problems, site):
    widget = open_change_page(admin_page, site)
    before = marker_point(widget)

    widget.locator('[data-coordinate="lon"]').fill("105.852")
    widget.locator('[data-coordinate="lat"]').fill("21.0285")

    assert widget.locator("textarea").input_value() == "SRID=4326;POINT (105.852 21.0285)"
    assert marker_point(widget) != before
    save(admin_page)
    site.refresh_from_db()
    assert site.location.x == pytest.approx(105.852, abs=TOLERANCE)
    assert site.location.y == pytest.approx(21.0285, abs=TOLERANCE)
    assert Site.objects.count() == 1
    assert not page_problems, page_problems
