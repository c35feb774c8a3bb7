"""The stored cluster cells (layers.ClusterCell): kept by triggers on SiteIndex through every
kind of edit, they answer the country view exactly as counting SiteIndex would; another day or
other filters are counted from SiteIndex."""

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from geodata.models import CredentialEvent, Site
from geodata.signals import registry_changed
from layers import clusters
from layers.filters import SiteFilter
from tests.factories import make_credential, make_organisation, make_site, province

pytestmark = pytest.mark.django_db

ZOOMS = range(clusters.STORED_CELLS_UP_TO_ZOOM + 1)
FILTERS = [
    {},
    {"kinds": ["testing"]},
    {"kinds": ["calibration", "verification"]},
    {"statuses": ["valid"]},
    {"statuses": ["expired", "suspended"], "kinds": ["testing"]},
    {"bbox": (105.0, 20.0, 107.0, 22.0)},
    {"bbox": (105.805, 20.9, 106.9, 21.2), "kinds": ["testing"]},
]


@pytest.fixture
def cells(monkeypatch):
    """Cells built for today; every answer checked below must come from them."""
    clusters.rebuild_cells()

    def no_scan(*args):
        raise AssertionError("the country view counted SiteIndex")

    monkeypatch.setattr(clusters, "_country_cells", no_scan)


def site(name, lon=105.80, lat=21.03, **fields):
    return make_site(name=name, location=Point(lon, lat, srid=4326), **fields)


def features(answer):
    """Features comparable across the two ways of counting: the extent left out."""
    shown = []
    for feature in map(json.loads, answer):
        properties = feature["properties"]
        shown.append(
            (properties["count"], properties["site_id"], sorted(properties["kinds"].items()),
             feature["geometry"]["coordinates"])
        )  # fmt: skip
    return sorted(shown)


def extents(answer):
    return sorted(json.loads(f)["properties"]["bbox"] for f in answer)


def scanned(site_filter, zoom):
    """The cells counted from SiteIndex over the country, those in the bbox kept whole."""
    cells = clusters._cells(replace(site_filter, bbox=None), zoom)
    if not site_filter.bbox:
        return [feature for _, _, feature in cells]
    west, south, east, north = clusters._cell_bounds(site_filter.bbox, zoom)
    return [f for x, y, f in cells if west <= x <= east and south <= y <= north]


def assert_cells_count_as_scanning(exact_extents=True):
    for zoom in ZOOMS:
        for fields in FILTERS:
            site_filter = SiteFilter(**fields)
            stored, scan = clusters.site_clusters(site_filter, zoom), scanned(site_filter, zoom)
            assert features(stored) == features(scan), (zoom, fields)
            if exact_extents:
                assert extents(stored) == extents(scan), (zoom, fields)


def stored_rows():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT zoom, x, y, kinds, status, n, round(sum_lon::numeric, 9),"
            " round(sum_lat::numeric, 9), sum_site_id FROM layers_clustercell"
            " ORDER BY 1, 2, 3, 4, 5"
        )
        return cursor.fetchall()


@pytest.fixture
def registry(cells):
    """Sites of several kinds, statuses and places, one unpublished."""
    today = timezone.localdate()
    lab = site("Lab", kinds=["testing"])
    both = site("Both", lon=105.81, kinds=["testing", "calibration"])
    make_credential(both, valid_until=today + timedelta(days=30))  # expiring
    station = site("Station", lon=106.70, lat=10.78, province=province("79"))
    make_credential(station, issued_on=date(2015, 1, 1), valid_until=date(2020, 1, 1))
    valid = site("Valid", lon=105.83, lat=21.05, kinds=["calibration"])
    make_credential(valid, valid_until=today + timedelta(days=400))
    site("Hidden", published=False)
    return {"lab": lab, "both": both, "station": station, "valid": valid}


def test_cells_follow_new_sites(registry):
    assert_cells_count_as_scanning()
    lone = features(clusters.site_clusters(SiteFilter(kinds=["verification"]), 5))
    assert lone[0][:2] == (1, registry["station"].pk)


def test_a_site_with_two_kinds_is_one_site_counted_under_each_kind(registry):
    north = max(features(clusters.site_clusters(SiteFilter(), 5)))

    assert north[0] == 3
    kinds = dict(north[2])
    assert (kinds["testing"], kinds["calibration"], kinds["verification"]) == (2, 2, 0)


def test_cells_follow_a_moved_site(registry):
    lab = registry["lab"]
    lab.location = Point(108.2, 16.05, srid=4326)
    lab.save()

    assert_cells_count_as_scanning(exact_extents=False)


def test_cells_follow_changed_kinds(registry):
    both = registry["both"]
    both.kinds = ["verification", "testing"]
    both.save()

    assert_cells_count_as_scanning()


def test_cells_follow_unpublishing_and_deleting(registry):
    registry["lab"].published = False
    registry["lab"].save()
    registry["station"].delete()

    assert_cells_count_as_scanning(exact_extents=False)
    assert features(clusters.site_clusters(SiteFilter(kinds=["verification"]), 5)) == []


def test_cells_follow_a_status_change(registry):
    credential = registry["valid"].credentials.get()
    CredentialEvent.objects.create(
        credential=credential, kind="suspended", effective_on=date(2025, 1, 1)
    )
    assert_cells_count_as_scanning()

    credential.valid_until = timezone.localdate() - timedelta(days=1)
    credential.save()

    assert_cells_count_as_scanning()
    expired = clusters.site_clusters(SiteFilter(statuses=["expired"], kinds=["calibration"]), 3)
    assert features(expired)[0][:2] == (1, registry["valid"].pk)


def test_a_rolled_back_import_leaves_the_cells_as_they_were(registry):
    before = stored_rows()
    with pytest.raises(RuntimeError), transaction.atomic():
        registry["lab"].delete()
        site("New", lon=104.0, lat=19.0, kinds=["testing"])
        registry["both"].kinds = ["verification"]
        registry["both"].save()
        assert stored_rows() != before
        raise RuntimeError("the import check failed")

    assert stored_rows() == before


def test_an_edit_that_moves_nothing_on_the_map_touches_no_cell(registry):
    before = stored_rows()
    registry["lab"].name = "Renamed lab"
    registry["lab"].save()

    assert stored_rows() == before


def test_a_bulk_load_leaves_the_cells_right_and_for_today(cells):
    clusters.rebuild_cells(day=timezone.localdate() - timedelta(days=1))
    organisation = make_organisation()
    Site.objects.bulk_create(
        Site(organisation=organisation, name=f"Bulk {i}", kinds=["testing"], address="x",
             province=province(), location=Point(102 + i / 10, 10 + i / 5, srid=4326),
             location_method="surveyed", published=True)
        for i in range(60)
    )  # fmt: skip
    registry_changed.send(__name__, organisation_ids=None)

    assert_cells_count_as_scanning()
    assert sum(f[0] for f in features(clusters._stored_cells(SiteFilter(), 0))) == 60


def test_rebuilding_gives_the_cells_kept_by_the_triggers(registry):
    registry["lab"].location = Point(104.5, 20.5, srid=4326)
    registry["lab"].save()
    registry["station"].delete()
    kept = stored_rows()

    call_command("refresh_cluster_cells")

    assert stored_rows() == kept
    assert_cells_count_as_scanning()


def test_other_days_and_other_filters_are_counted_from_the_index(registry, monkeypatch):
    monkeypatch.undo()  # scanning allowed
    yesterday = timezone.localdate() - timedelta(days=1)
    station = registry["station"]
    make_credential(station, valid_until=yesterday)  # expiring yesterday, expired today

    on_yesterday = SiteFilter(statuses=["expiring"], kinds=["verification"], on=yesterday)
    assert features(clusters.site_clusters(on_yesterday, 4))[0][:2] == (1, station.pk)
    in_hanoi = SiteFilter(provinces=["01"], kinds=["verification"])
    assert clusters.site_clusters(in_hanoi, 4) == []


def test_cells_of_another_day_are_not_read_until_rebuilt(registry, monkeypatch):
    monkeypatch.undo()
    yesterday = timezone.localdate() - timedelta(days=1)
    make_credential(registry["station"], valid_until=yesterday)
    clusters.rebuild_cells(day=yesterday)  # what the cells hold until the daily run
    expired_today = SiteFilter(statuses=["expired"], kinds=["verification"])

    assert clusters._stored_cells(expired_today, 4) is None
    assert features(clusters.site_clusters(expired_today, 4))[0][0] == 1

    call_command("refresh_cluster_cells")

    assert len(clusters._stored_cells(expired_today, 4)) == 1
    assert clusters._stored_cells(SiteFilter(on=yesterday), 4) is None
