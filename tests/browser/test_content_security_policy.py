"""Every kind of page works under the Content Security Policy: no violation, no console error."""

import pytest
from django.contrib.gis.geos import Point

from tests.factories import make_site

pytestmark = pytest.mark.browser

# Collects the violations the page reports, from before its first script runs.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI} (${where})`);
});
"""
BOUNDARIES_DRAWN = "() => document.querySelectorAll('.leaflet-overlay-pane path').length >= 34"


@pytest.fixture
def watched_page(page):
    page.add_init_script(RECORD_VIOLATIONS)
    return page


def violations(page):
    return page.evaluate("window.cspViolations")


def test_the_home_page_runs_its_map_under_the_policy(watched_page, page_problems, provinces):
    watched_page.goto("/")
    watched_page.wait_for_function(BOUNDARIES_DRAWN)

    assert violations(watched_page) == []
    assert not page_problems, page_problems


def test_the_admin_and_its_map_widget_run_under_the_policy(
    admin_page, watched_page, page_problems, provinces
):
    site = make_site(location=Point(105.8, 21.04, srid=4326))
    pages = [
        "/admin/",
        "/admin/geodata/site/",
        "/admin/geodata/importrun/add/",
        f"/admin/geodata/site/{site.pk}/change/",
    ]
    seen = {}
    for url in pages:
        admin_page.goto(url)
        seen[url] = violations(admin_page)
    admin_page.wait_for_function(BOUNDARIES_DRAWN)
    admin_page.locator(".map-point-widget .leaflet-marker-icon").wait_for()

    assert seen == {url: [] for url in pages}
    assert violations(admin_page) == []
    assert not page_problems, page_problems


def test_the_ogc_pages_run_under_the_policy(watched_page, page_problems, provinces):
    make_site()
    pages = ["/ogc/", "/ogc/collections", "/ogc/collections/sites/items"]
    seen = {}
    for url in pages:
        watched_page.goto(url)
        seen[url] = violations(watched_page)

    assert seen == {url: [] for url in pages}
    assert not page_problems, page_problems


def test_swagger_ui_shows_the_api_under_the_policy(watched_page, page_problems, db):
    watched_page.goto("/api/docs/")
    watched_page.locator(".swagger-ui .info .title").wait_for()
    watched_page.locator(".swagger-ui .opblock").first.wait_for()

    assert violations(watched_page) == []
    assert not page_problems, page_problems
