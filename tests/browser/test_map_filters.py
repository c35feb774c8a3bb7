"""The filter panel: each filter changes the markers, the list, the counts and the address; one
click clears them all; a filter the API refuses is explained, not a crash. The downloads of the
results carry the filters; the print view shows the map and the list without the controls."""

import csv
import io
import json

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.browser.map_fixtures import HANOI_VIEW, MapPage

pytestmark = pytest.mark.browser

COUNTRY_VIEW = "map=5/16/106"  # every site of the registry


def legend_counts(page):
    """The counts beside the legend's kinds, those above zero."""
    counts = page.locator(".legend__count[data-kind]")
    return {
        kind: text
        for kind, text in zip(
            counts.evaluate_all("spans => spans.map(s => s.dataset.kind)"),
            counts.all_inner_texts(),
            strict=True,
        )
        if text not in ("", "0")
    }


def test_each_filter_changes_the_markers_the_list_and_the_counts_and_one_click_clears_them(
    page, page_problems, registry
):
    explorer = MapPage(page).open(COUNTRY_VIEW)
    everything = {site.pk for site in [*registry.hanoi, registry.saigon]}
    assert set(explorer.listed_ids()) == everything
    assert explorer.markers() == 6
    explorer.open_filters()
    assert legend_counts(page) == {
        "testing": "1",
        "calibration": "2",
        "verification": "2",
        "certification": "1",
        "inspection": "1",
    }
    clear = page.locator("#filters-clear")

    kinds = page.locator("#legend input[name=kind]")
    for box in kinds.all():
        if box.get_attribute("value") != "verification":
            explorer.refreshed_by(box.uncheck)
    assert explorer.query()["kind"] == "verification"
    assert set(explorer.listed_ids()) == {registry.water_meters.pk, registry.countryside.pk}
    assert explorer.markers() == 2
    assert legend_counts(page) == {"verification": "2"}
    assert "1" in page.locator("#filters-count").inner_text()

    explorer.refreshed_by(clear.click)
    assert "kind" not in explorer.query()
    assert all(box.is_checked() for box in kinds.all())
    assert page.locator("#filters-count").inner_text() == ""
    assert explorer.markers() == 6

    explorer.refreshed_by(lambda: page.locator("input[name=status][value=suspended]").check())
    assert explorer.listed_ids() == [registry.certification.pk]
    explorer.refreshed_by(lambda: page.locator("input[name=status][value=expired]").check())
    assert explorer.query()["status"] == "suspended,expired"
    assert set(explorer.listed_ids()) == {registry.certification.pk, registry.hostile.pk}
    assert explorer.markers() == 2
    explorer.refreshed_by(clear.click)

    instrument = page.locator("select[name=instrument]")
    explorer.refreshed_by(lambda: instrument.select_option("water-meter"))
    assert set(explorer.listed_ids()) == {registry.water_meters.pk, registry.countryside.pk}
    explorer.refreshed_by(lambda: page.locator("select[name=province]").select_option("79"))
    assert explorer.query()["province"] == "79"
    assert explorer.listed_ids() == []
    assert explorer.markers() == 0
    explorer.refreshed_by(lambda: instrument.select_option(""))
    assert explorer.listed_ids() == [registry.saigon.pk]
    assert explorer.markers() == 1
    assert legend_counts(page) == {"calibration": "1"}

    explorer.refreshed_by(clear.click)
    assert set(explorer.listed_ids()) == everything
    assert not {"instrument", "province", "status"} & explorer.query().keys()
    assert not page_problems, page_problems


def test_the_standard_scheme_and_accredited_filters_keep_the_sites_holding_them(
    page, page_problems, registry
):
    explorer = MapPage(page).open(COUNTRY_VIEW)
    explorer.open_filters()
    accredited = page.locator("input[name=accredited]")

    explorer.refreshed_by(accredited.check)
    assert explorer.query()["accredited"] == "true"
    assert set(explorer.listed_ids()) == {registry.laboratory.pk, registry.saigon.pk}
    explorer.refreshed_by(lambda: page.locator("input[name=standard]").fill("iso/iec 17025"))
    assert explorer.query()["standard"] == "iso/iec 17025"
    assert explorer.listed_ids() == [registry.laboratory.pk]
    explorer.refreshed_by(page.locator("#filters-clear").click)
    assert not accredited.is_checked()
    assert page.locator("input[name=standard]").input_value() == ""

    explorer.refreshed_by(lambda: page.locator("select[name=scheme]").select_option("vias"))
    assert explorer.listed_ids() == [registry.hostile.pk]
    assert page.locator("#filters-error").is_hidden()
    assert not page_problems, page_problems


def test_a_filter_the_api_refuses_is_explained_in_the_users_language_not_a_crash(
    page, page_problems, registry
):
    explorer = MapPage(page)
    page.goto(f"/?{COUNTRY_VIEW}&province=99")

    error = page.locator("#filters-error")
    error.wait_for()
    with translation.override("vi"):
        refusal = gettext("Unknown {what}: {codes}. The known values are listed at {where}.")
        reason = refusal.format(what=gettext("province"), codes="99", where="/api/v1/vocabularies/")
        message = gettext("A filter was not understood: %(message)s") % {"message": reason}
    assert error.inner_text() == message
    assert error.get_attribute("role") == "alert"
    expect(explorer.map).to_have_attribute("data-state", "error")
    assert page.locator("#filters-box").evaluate("box => box.open")

    explorer.refreshed_by(page.locator("#filters-clear").click)
    assert error.is_hidden()
    assert explorer.markers() == 6
    assert not page_problems.page_errors, page_problems
    # The browser reports each refused request; nothing else went wrong.
    assert all("400" in error for error in page_problems.console_errors), page_problems


def test_the_downloads_hold_the_filtered_sites_of_the_view_and_the_print_view_the_map(
    page, page_problems, registry
):
    explorer = MapPage(page).open(HANOI_VIEW)
    explorer.open_filters()
    explorer.refreshed_by(lambda: page.locator("input[name=status][value=valid]").check())
    chosen = {registry.water_meters.name, registry.laboratory.name}
    assert set(explorer.listed_names()) == chosen

    csv_link = page.locator("#download-csv").get_attribute("href")
    geojson_link = page.locator("#download-geojson").get_attribute("href")
    for link in (csv_link, geojson_link):
        assert "status=valid" in link and "bbox=" in link

    table = page.request.get(csv_link)
    assert table.ok
    rows = csv.DictReader(io.StringIO(table.text().lstrip("\ufeff")))
    assert {row["name"] for row in rows} == chosen
    features = json.loads(page.request.get(geojson_link).text())["features"]
    assert {feature["properties"]["name"] for feature in features} == chosen

    page.emulate_media(media="print")
    assert explorer.map.is_visible()
    assert page.locator("#results-list li[data-id]").first.is_visible()
    for control in ("#search", "#near-me", "#filters-box", "#download-csv", ".compare-tray"):
        assert page.locator(control).is_hidden(), control
    assert not page_problems, page_problems
