"""The site panel of the map shows an official the site's latest field visits, with the way to
record one; the public sees nothing of them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from governance.models import Profile
from governance.roles import Role
from inspections import services
from inspections.models import Visit
from tests.browser.conftest import PASSWORD, sign_in
from tests.browser.map_fixtures import HANOI_VIEW, TODAY, MapPage
from tests.factories import province

pytestmark = pytest.mark.browser

VISITS = "#site-panel [data-slot=visits-section]"


def in_vietnamese(text):
    with translation.override("vi"):
        return str(text)


def officer_of(code, django_user_model, username):
    user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
    Profile.objects.create(user=user, role=Role.PROVINCIAL_OFFICER, province=province(code))
    return user


def record(officer, site, days_ago, outcome, **fields):
    data = {
        "visited_on": TODAY - timedelta(days=days_ago),
        "inspector": fields.pop("inspector", "Nguyễn Thị Hoa"),
        "outcome": outcome,
        **fields,
    }
    return services.record_visit(officer, site, data)


def test_an_official_sees_the_sites_latest_visits_and_the_way_to_record_one(
    page, page_problems, registry, django_user_model, live_server
):
    site = registry.water_meters
    officer = officer_of("01", django_user_model, "so-ha-noi")
    for days_ago in (700, 500, 300):
        record(officer, site, days_ago, Visit.Outcome.COMPLIANT)
    record(
        officer,
        site,
        10,
        Visit.Outcome.FINDINGS,
        inspector="Trần Văn Minh",
        follow_up_on=TODAY + timedelta(days=20),
    )
    sign_in(page, officer.username)

    explorer = MapPage(page).open(HANOI_VIEW)
    explorer.open_site_from_list(site)
    section = page.locator(VISITS)
    section.wait_for()

    visits = section.locator("[data-slot=visits] > li")
    assert visits.count() == 3  # the latest three; "All visits" gives the others
    latest = visits.first.inner_text()
    assert (TODAY - timedelta(days=10)).strftime("%d/%m/%Y") in latest
    assert in_vietnamese(Visit.Outcome.FINDINGS.label) in latest
    assert "Trần Văn Minh" in latest
    assert (TODAY + timedelta(days=20)).strftime("%d/%m/%Y") in latest
    assert (TODAY - timedelta(days=700)).strftime("%d/%m/%Y") not in section.inner_text()
    page_url = reverse("inspections:site_visits", args=[site.pk])
    links = section.locator("a")
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        f"{page_url}#record",
        page_url,
    ]

    links.nth(0).click()
    page.locator("form.visits__form").wait_for()
    assert page.url == f"{live_server.url}{page_url}#record"
    assert not page_problems, page_problems


def test_an_official_of_another_province_sees_no_visits_section(
    page, page_problems, registry, django_user_model
):
    site = registry.water_meters
    record(officer_of("01", django_user_model, "so-ha-noi"), site, 10, Visit.Outcome.FINDINGS)
    sign_in(page, officer_of("48", django_user_model, "so-da-nang").username)

    explorer = MapPage(page).open(HANOI_VIEW)
    with page.expect_response(lambda r: r.url.endswith(f"/sites/{site.pk}/visits.json")) as asked:
        explorer.open_site_from_list(site)
    page.locator("#site-panel[data-visits=none]").wait_for(state="attached")

    assert asked.value.status == 404
    assert page.locator(VISITS).count() == 0
    assert not page_problems.page_errors, page_problems


def test_the_public_sees_nothing_of_field_visits(page, page_problems, registry, django_user_model):
    site = registry.water_meters
    record(officer_of("01", django_user_model, "so-ha-noi"), site, 10, Visit.Outcome.FINDINGS)
    visit_requests = []
    page.on("request", lambda r: "visits.json" in r.url and visit_requests.append(r.url))

    explorer = MapPage(page).open(HANOI_VIEW)
    with page.expect_response(lambda r: r.url.endswith(reverse("inspections:me"))) as asked:
        explorer.open_site_from_list(site)
    page.locator("#site-panel[data-visits=none]").wait_for(state="attached")

    assert asked.value.json() == {"official": False}
    assert page.locator(VISITS).count() == 0
    assert "Nguyễn Thị Hoa" not in explorer.panel.inner_text()
    assert visit_requests == []
    assert not page_problems, page_problems
