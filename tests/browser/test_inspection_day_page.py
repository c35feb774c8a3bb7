"""The printable day page of a plan, downloaded and opened from the disk with no network at all:
the map draws the route and the numbered visits from the page alone."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.browser.conftest import DESKTOP
from tests.factories import make_credential
from tests.inspections.conftest import ha_noi_sites, make_plan, officer  # noqa: F401

pytestmark = pytest.mark.browser

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "inspection-day-page.png"
ROUTE = ".leaflet-overlay-pane path.day-route"


@pytest.fixture
def saved_day_page(map_reference, client, officer, ha_noi_sites, make_plan, tmp_path):  # noqa: F811
    """Day 1 of a plan of twelve sites, downloaded as an officer and saved to a file."""
    plan = make_plan(officer, ha_noi_sites[:12])
    first = plan.stops.get(day=1, position=0)
    make_credential(first.site, number="VILAS 1020", scheme="dk-dvdl")
    first.what_to_check = "Giấy chứng nhận đăng ký; tem kiểm định của cân đối chứng."
    first.save()
    client.force_login(officer)
    response = client.get(reverse("inspections:day_page", args=[plan.pk, 1]))
    path = tmp_path / "day-1.html"
    path.write_bytes(response.content)
    return plan, path


@pytest.fixture
def offline(browser, page_problems):
    """A page that opens a file from the disk and nothing else: every other request is
    aborted; and the addresses it asked for."""
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    requested = []

    def only_the_file(route):
        request = route.request
        if request.resource_type == "document" and request.url.startswith("file:"):
            route.continue_()
        else:
            requested.append(request.url)
            route.abort()

    context.route("**/*", only_the_file)
    page = context.new_page()
    page.on("pageerror", lambda error: page_problems.page_errors.append(str(error)))
    yield page, requested
    context.close()


def test_the_saved_day_page_draws_the_route_and_the_numbered_visits_offline(
    saved_day_page, offline, page_problems
):
    (plan, path), (page, requested) = saved_day_page, offline
    visits = plan.stops.filter(day=1).count()
    page.goto(path.as_uri())
    route = page.locator(ROUTE)
    route.wait_for(state="attached")
    segments = route.get_attribute("d").count("L")
    assert segments >= visits + 1  # start, each visit, end: one line to each but the first
    numbers = page.locator(".stop-marker").all_inner_texts()
    assert numbers == [str(n) for n in range(1, visits + 1)]
    assert page.locator(".leaflet-overlay-pane path").count() >= 2  # the province's outline too
    assert not page_problems
    tiles = settings.BASE_MAPS[0]["url"].split("{", 1)[0]
    assert [url for url in requested if not url.startswith(tiles)] == []  # tiles, at most
    page.screenshot(path=SCREENSHOT, full_page=True)
