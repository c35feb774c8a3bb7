"""Choosing the sites to visit: by area and by filters, through the selection form, always
within the official's province."""

import json
from datetime import date
from urllib.parse import urlencode

import pytest
from django.contrib.gis.geos import Point
from django.http import QueryDict
from django.utils import translation

from geodata.models import AdministrativeUnit, InstrumentType, ScopeItem
from inspections.filters import SelectionForm
from inspections.selectors import selected_sites
from tests.factories import make_credential, make_site, province
from tests.inspections.conftest import HA_NOI

TODAY = date(2026, 11, 21)
HOAN_KIEM = Point(105.8522, 21.0287, srid=4326)


def form_of(user, query):
    return SelectionForm(QueryDict(urlencode(query, doseq=True)), user=user)


def select(user, **query):
    form = form_of(user, query)
    assert form.is_valid(), form.errors
    return sorted(site.name for site in selected_sites(user, form.cleaned_data, TODAY))


def errors(user, **query):
    form = form_of(user, query)
    with translation.override("en"):
        assert not form.is_valid()
        return {field: " ".join(messages) for field, messages in form.errors.items()}


@pytest.fixture
def sites(db):
    """Three sites of Hà Nội: one in the old city, one 12 km west, one 40 km south."""
    return {
        "old city": make_site("Old city", location=HOAN_KIEM, kinds=["verification"]),
        "west": make_site("West", location=Point(105.74, 21.03, srid=4326), kinds=["testing"]),
        "south": make_site("South", location=Point(105.85, 20.67, srid=4326), kinds=["testing"]),
    }


def test_an_officer_selects_from_their_province_only(officer, sites, da_nang_site):
    assert select(officer) == ["Old city", "South", "West"]


def test_a_central_administrator_selects_from_every_province(administrator, sites, da_nang_site):
    assert da_nang_site.name in select(administrator)


def test_sites_around_a_point_within_a_radius(officer, sites):
    assert select(officer, near="105.8522,21.0287", radius_km="15") == ["Old city", "West"]
    assert select(officer, near="105.8522,21.0287", radius_km="5") == ["Old city"]


def test_sites_inside_a_polygon_drawn_on_the_map(officer, sites):
    around_the_west = {
        "type": "Polygon",
        "coordinates": [
            [[105.7, 21.0], [105.8, 21.0], [105.8, 21.1], [105.7, 21.1], [105.7, 21.0]]
        ],
    }

    assert select(officer, polygon=json.dumps(around_the_west)) == ["West"]


def test_sites_of_a_commune(officer, sites):
    commune = AdministrativeUnit.objects.filter(
        level="commune", current=True, boundary__contains=HOAN_KIEM
    ).get()
    sites["old city"].commune = commune
    sites["old city"].save()

    assert select(officer, commune=str(commune.pk)) == ["Old city"]


def test_sites_by_service_and_by_instrument(officer, sites):
    water_meter = InstrumentType.objects.first()
    credential = make_credential(sites["old city"])
    ScopeItem.objects.create(credential=credential, instrument_type=water_meter)

    assert select(officer, kind="testing") == ["South", "West"]
    assert select(officer, instrument=water_meter.code) == ["Old city"]


def test_sites_whose_credential_expires_soon_or_has_expired(officer, sites):
    make_credential(sites["old city"], valid_until=date(2027, 1, 10))  # in 50 days
    make_credential(sites["west"], valid_until=date(2026, 10, 1))  # expired
    make_credential(sites["south"], valid_until=date(2028, 1, 1))

    assert select(officer, credential="expiring", within_days="60") == ["Old city"]
    assert select(officer, credential="expiring", within_days="30") == []
    assert select(officer, credential="expired") == ["West"]
    assert select(officer, credential=["expiring", "expired"]) == ["Old city", "West"]


def test_an_expired_credential_replaced_by_a_valid_one_is_not_expired(officer, sites):
    make_credential(sites["west"], valid_until=date(2026, 10, 1))
    make_credential(sites["west"], issued_on=date(2026, 10, 1), valid_until=date(2031, 10, 1))

    assert select(officer, credential="expired") == []


def test_filters_combine(officer, sites):
    assert select(officer, kind="testing", near="105.8522,21.0287", radius_km="15") == ["West"]


def test_sites_picked_one_by_one(officer, sites, da_nang_site):
    ids = f"{sites['west'].pk},{sites['south'].pk},{da_nang_site.pk}"

    assert select(officer, ids=ids) == ["South", "West"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"near": "nan,21"}, "near", "Longitude runs from -180 to 180"),
        ({"near": "105.8"}, "near", "longitude,latitude"),
        ({"near": "105.8,21"}, "radius_km", "radius"),
        ({"near": "105.8,21", "radius_km": "100000"}, "radius_km", "500"),
        ({"polygon": "{not json"}, "polygon", "GeoJSON"),
        ({"polygon": '{"type": "Point", "coordinates": [105, 21]}'}, "polygon", "polygon"),
        ({"ids": "1,two"}, "ids", "whole numbers"),
        ({"kind": "astrology"}, "kind", "valid choice"),
        ({"within_days": "-3"}, "within_days", "greater than or equal"),
    ],
)
def test_bad_input_is_refused_with_a_message_saying_what_is_wrong(officer, query, field, message):
    assert message in errors(officer, **query)[field]


def test_an_officer_cannot_ask_for_another_province(officer, sites):
    assert "province" in errors(officer, province=str(province("48").pk))
    assert select(officer, province=str(province(HA_NOI).pk)) == ["Old city", "South", "West"]
