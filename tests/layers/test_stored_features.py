"""Each row of layers.SiteIndex stores its site's GeoJSON Feature but the status (a trigger,
migration 0006), and the lists, the site, the exports and OGC API close it with the status of
the day asked: what they serve is what building the Feature from the row's columns gives."""

import json
from datetime import date, datetime

import pytest
from django.contrib.gis.geos import Point

from geodata.models import CredentialEvent
from layers.filters import SiteFilter
from layers.models import SiteIndex
from layers.selectors import SITE_PROPERTIES, site_feature_texts, site_features, site_properties
from tests.factories import make_credential, make_organisation, make_site

pytestmark = pytest.mark.django_db

EVERY_PROPERTY = [name for name, _sql in SITE_PROPERTIES]


@pytest.fixture
def sites():
    """A site per status on 2025-06-01, one without any credential, one with quotes and
    backslashes in its texts."""
    organisation = make_organisation('Trung tâm "Đo lường" \\ Hà Nội', short_name="TTĐL")
    valid = make_site("Trạm kiểm định Cầu Giấy", organisation, phone="024 1")
    make_credential(valid)
    suspended = make_site("Phòng thử nghiệm Đông Anh", organisation, kinds=["testing"])
    CredentialEvent.objects.create(
        credential=make_credential(suspended),
        kind=CredentialEvent.Kind.SUSPENDED,
        effective_on=date(2025, 1, 10),
    )
    expired = make_site("Trạm Hải Phòng", organisation, location=Point(106.68, 20.86, srid=4326))
    make_credential(expired, valid_until=date(2025, 1, 1))
    make_site('Site "none" \\ <b>', organisation, kinds=["calibration", "testing"])
    return [valid, suspended, expired]


def built(site_filter, limit=100):
    """The features as PostgreSQL builds them from the rows' columns, every property named."""
    return [json.loads(f) for f in site_features(site_filter, limit, names=EVERY_PROPERTY).features]


def stored(site_filter, limit=100):
    return [json.loads(f) for f in site_features(site_filter, limit).features]


@pytest.mark.parametrize("on", [date(2025, 6, 1), date(2024, 1, 1), date(2030, 1, 1)])
def test_the_stored_features_are_the_built_ones_with_the_status_of_the_day(sites, on):
    site_filter = SiteFilter(on=on)

    features = stored(site_filter)

    assert features == built(site_filter)
    assert len(features) == 4
    assert {f["properties"]["name"] for f in features} >= {'Site "none" \\ <b>'}


def test_the_statuses_of_the_day_are_in_the_stored_features(sites):
    features = stored(SiteFilter(on=date(2025, 6, 1)))

    statuses = {f["id"]: f["properties"]["status"] for f in features}
    assert [statuses.pop(site.pk) for site in sites] == ["valid", "suspended", "expired"]
    assert list(statuses.values()) == [None]


def test_the_nearest_stored_features_carry_their_distance(sites):
    site_filter = SiteFilter(on=date(2025, 6, 1), near=(106.68, 20.86), radius_km=200)

    features = stored(site_filter, limit=2)

    assert features == built(site_filter, limit=2)
    distances = [f["properties"]["distance_m"] for f in features]
    assert distances[0] == 0
    assert distances[1] > 80_000


def test_one_site_and_the_export_read_the_stored_features(sites):
    site_filter = SiteFilter(on=date(2025, 6, 1))
    features = built(site_filter)

    assert [site_properties(f["id"], site_filter) for f in features] == features
    assert [json.loads(f) for f in site_feature_texts(site_filter)] == features


def test_a_rewritten_row_stores_its_feature_again(sites):
    site = sites[0]
    site.name = "Trạm kiểm định Tây Hồ"
    site.location = Point(105.82, 21.07, srid=4326)
    site.save()

    feature = site_properties(site.pk, SiteFilter())
    row = SiteIndex.objects.get(site_id=site.pk)

    assert feature["properties"]["name"] == "Trạm kiểm định Tây Hồ"
    assert feature["geometry"]["coordinates"] == [105.82, 21.07]
    assert datetime.fromisoformat(feature["properties"]["updated_at"]) == row.updated_at
