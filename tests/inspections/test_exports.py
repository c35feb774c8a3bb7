"""The exports of a plan: GPX 1.1 that the schema and GDAL accept, day sheets as CSV and XLSX that
open back with no formula in them, a printable day page that loads nothing from the network; and
only officials of the plan's province get them."""

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.contrib.gis.gdal import DataSource
from django.urls import reverse
from django.utils import translation
from lxml import etree
from openpyxl import load_workbook

from inspections import exports
from tests.factories import make_credential, make_site

SCHEMA = Path(exports.__file__).parent / "schemas" / "gpx-1.1.xsd"
NS = {"gpx": "http://www.topografix.com/GPX/1/1"}
TODAY = date(2026, 11, 20)
FORMULA = '=HYPERLINK("https://example.org/steal","click")'
EXPORTS = ("plan_gpx", "plan_csv", "plan_xlsx")


@pytest.fixture(autouse=True)
def in_english():
    """The exports' words as written in the code (the catalogue may not have them yet)."""
    with translation.override("en"):
        yield


@pytest.fixture
def plan(officer, ha_noi_sites, make_plan):
    """Twelve sites over three days, six at most a day."""
    return make_plan(officer, ha_noi_sites[:12])


@pytest.fixture
def crowded_plan(officer, ha_noi_sites, make_plan):
    """Twelve sites, two a day for three days: six do not fit."""
    return make_plan(officer, ha_noi_sites[:12], max_visits_per_day=2)


def placed(plan):
    return list(plan.stops.filter(day__isnull=False).order_by("day", "position"))


def days_of(plan):
    return sorted({stop.day for stop in placed(plan)})


def client_of(client, user):
    client.force_login(user)
    return client


# GPX ------------------------------------------------------------------------------------------


def test_the_gpx_is_valid_gpx_1_1(plan):
    schema = etree.XMLSchema(etree.parse(SCHEMA))
    schema.assertValid(etree.fromstring(exports.gpx(plan)))


def test_the_vendored_schema_is_the_gpx_1_1_schema():
    assert "GPX schema version 1.1" in SCHEMA.read_text()


def test_the_gpx_names_each_visit_by_day_and_place_and_each_route_by_day_and_date(plan):
    document = etree.fromstring(exports.gpx(plan))
    first = placed(plan)[0]
    assert document.get("creator")
    assert document.findtext("gpx:metadata/gpx:name", namespaces=NS) == plan.title
    assert document.findtext("gpx:wpt/gpx:name", namespaces=NS) == f"D1-01 {first.site.name}"
    assert "Verification" in document.findtext("gpx:wpt/gpx:type", namespaces=NS)
    routes = document.findall("gpx:rte/gpx:name", namespaces=NS)
    assert routes[0].text == "Day 1 – 23/11/2026"


def test_gdal_reads_a_waypoint_a_visit_and_a_route_a_day_from_start_to_end(plan, tmp_path):
    path = tmp_path / "plan.gpx"
    path.write_bytes(exports.gpx(plan))
    source = DataSource(str(path))
    stops = placed(plan)
    assert len(source["waypoints"]) == len(stops)
    assert len(source["routes"]) == len(days_of(plan))
    points = list(source["route_points"])
    for route, day in enumerate(days_of(plan)):
        on_route = [p.geom.coords for p in points if p.get("route_fid") == route]
        visits = [stop.site.location.coords for stop in stops if stop.day == day]
        assert on_route[0] == pytest.approx(plan.start.coords)
        assert on_route[1:-1] == [pytest.approx(visit) for visit in visits]
        assert on_route[-1] == pytest.approx(plan.end.coords)


def test_a_visit_that_did_not_fit_is_not_in_the_gpx(crowded_plan):
    document = etree.fromstring(exports.gpx(crowded_plan))
    assert len(document.findall("gpx:wpt", namespaces=NS)) == len(placed(crowded_plan)) == 6


# CSV ------------------------------------------------------------------------------------------


def read_csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_csv_is_utf8_with_a_byte_order_mark_and_a_row_a_visit_in_day_order(plan):
    content = exports.day_sheets_csv(plan, TODAY)
    rows = read_csv(content)
    assert content.startswith(b"\xef\xbb\xbf")
    assert [(int(r["Day"]), int(r["No."])) for r in rows] == [
        (stop.day, stop.position + 1) for stop in placed(plan)
    ]
    assert rows[0]["Site"] == placed(plan)[0].site.name
    assert rows[0]["Date"] == "2026-11-23"
    assert re.fullmatch(r"\d\d:\d\d", rows[0]["Arrives"])


def test_the_csv_gives_each_credential_with_its_status_on_the_day(officer, ha_noi_sites, make_plan):
    make_credential(ha_noi_sites[0], number="VILAS 1234", valid_until=date(2026, 12, 31))
    plan = make_plan(officer, ha_noi_sites[:3])
    row = next(r for r in read_csv(exports.day_sheets_csv(plan, TODAY)) if r["Site"].endswith(" 1"))
    credentials = next(value for key, value in row.items() if key.startswith("Credentials"))
    assert "VILAS 1234" in credentials
    assert "31/12/2026" in credentials
    assert "expiring" in credentials


def test_the_visits_that_did_not_fit_come_last_without_a_day(crowded_plan):
    rows = read_csv(exports.day_sheets_csv(crowded_plan, TODAY))
    assert [r["Day"] for r in rows[6:]] == [""] * 6
    assert all(r["Day"] for r in rows[:6])


def test_a_site_named_like_a_formula_is_plain_text_in_the_csv(officer, ha_noi_sites, make_plan):
    plan = make_plan(officer, [*ha_noi_sites[:3], make_site(FORMULA)])
    sites = [row["Site"] for row in read_csv(exports.day_sheets_csv(plan, TODAY))]
    assert f"'{FORMULA}" in sites
    assert FORMULA not in sites


# XLSX -----------------------------------------------------------------------------------------


def test_the_workbook_has_a_summary_and_a_sheet_a_day_with_its_visits(plan):
    workbook = load_workbook(io.BytesIO(exports.day_sheets_xlsx(plan, TODAY)))
    assert workbook.sheetnames == ["Summary", *(f"Day {day}" for day in days_of(plan))]
    for day in days_of(plan):
        rows = list(workbook[f"Day {day}"].iter_rows(min_row=2, values_only=True))
        assert [row[5] for row in rows] == [s.site.name for s in placed(plan) if s.day == day]
    summary = [row for row in workbook["Summary"].iter_rows(values_only=True) if row]
    assert ("Plan", plan.title) == summary[0][:2]
    total = next(row for row in summary if row[0] == "Total")
    assert total[2] == len(placed(plan))
    assert total[3] == round(plan.summary["metres"] / 1000, 1)


def test_the_workbook_has_a_sheet_of_the_visits_that_did_not_fit(crowded_plan):
    workbook = load_workbook(io.BytesIO(exports.day_sheets_xlsx(crowded_plan, TODAY)))
    assert workbook.sheetnames[-1] == "Did not fit"
    assert workbook["Did not fit"].max_row == 1 + 6


def test_a_site_named_like_a_formula_is_text_in_the_workbook(officer, ha_noi_sites, make_plan):
    plan = make_plan(officer, [*ha_noi_sites[:3], make_site("\x01" + FORMULA)])
    workbook = load_workbook(io.BytesIO(exports.day_sheets_xlsx(plan, TODAY)))
    sites = [row[5] for sheet in workbook.worksheets[1:] for row in sheet.iter_rows(min_row=2)]
    assert f"'{FORMULA}" in [site.value for site in sites]
    assert not any(site.data_type == "f" for site in sites)


# The day page ---------------------------------------------------------------------------------


def test_the_day_page_links_no_script_nor_stylesheet_and_inlines_leaflet(plan):
    page = exports.day_page(plan, 1, TODAY)
    assert not re.search(r"<script[^>]*\bsrc\b", page, re.IGNORECASE)
    assert not re.search(r"<link\b", page, re.IGNORECASE)
    assert "@import" not in page
    assert 't.version="1.9.4"' in page  # Leaflet itself, inlined
    assert "L.polyline(" in page


def test_the_day_page_lists_the_day_visits_with_their_credentials(officer, ha_noi_sites, make_plan):
    make_credential(ha_noi_sites[0], number="VILAS 4321")
    plan = make_plan(officer, ha_noi_sites[:3])
    page = exports.day_page(plan, 1, TODAY)
    for stop in placed(plan):
        assert stop.site.name in page
    assert "VILAS 4321" in page
    assert "Day 1 – 23/11/2026" in page


def test_a_site_name_is_text_on_the_day_page_never_markup(officer, ha_noi_sites, make_plan):
    plan = make_plan(officer, [make_site("<img src=x onerror=alert(1)>")])
    page = exports.day_page(plan, 1, TODAY)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# Who gets them --------------------------------------------------------------------------------


def export_urls(plan):
    return [reverse(f"inspections:{name}", args=[plan.pk]) for name in EXPORTS] + [
        reverse("inspections:day_page", args=[plan.pk, 1])
    ]


def test_the_officer_downloads_each_export_as_an_attachment_with_a_safe_name(client, officer, plan):
    client_of(client, officer)
    for url, suffix in zip(export_urls(plan), (".gpx", ".csv", ".xlsx", ".html"), strict=True):
        response = client.get(url)
        assert response.status_code == 200
        disposition = response["Content-Disposition"]
        assert disposition.startswith('attachment; filename="Kiem-tra-dinh-ky-thang-11')
        assert f'{suffix}"; filename*=UTF-8' in disposition
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]


def test_a_day_the_plan_does_not_have_is_not_found(client, officer, plan):
    client_of(client, officer)
    for day in (0, 4):
        url = reverse("inspections:day_page", args=[plan.pk, day])
        assert client.get(url).status_code == 404
    assert client.get(reverse("inspections:day_page", args=[plan.pk, 3])).status_code == 200


def test_an_officer_of_another_province_does_not_find_the_exports(client, other_officer, plan):
    client_of(client, other_officer)
    assert [client.get(url).status_code for url in export_urls(plan)] == [404] * 4


def test_a_public_user_is_refused_the_exports(client, public_user, plan):
    client_of(client, public_user)
    assert [client.get(url).status_code for url in export_urls(plan)] == [403] * 4


def test_an_anonymous_visitor_is_sent_to_sign_in(client, plan):
    for url in export_urls(plan):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
