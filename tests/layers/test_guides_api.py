"""/api/v1/guides/ and /api/v1/guides/{slug}/: the published guides in both languages, filtered
by kind and instrument; the guides in a site's detail; an edit seen at once despite the cache.

The reference data (tests/conftest.py) holds the starting guides: one per service kind and one
per common citizen instrument, all published."""

import json

import pytest
from django.db.models.functions import Collate
from django.urls import reverse

from geodata.models import Guide, InstrumentType, ScopeItem, ServiceKind
from tests.factories import make_credential, make_site

pytestmark = pytest.mark.django_db

GUIDES = reverse("layers:guides")


def guide_url(slug):
    return reverse("layers:guide", args=[slug])


def get(client, url=GUIDES, **params):
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def body(response) -> dict:
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def slugs(response) -> list[str]:
    return [guide["slug"] for guide in body(response)["guides"]]


def test_the_list_gives_the_service_kinds_in_order_then_the_instruments_by_name(client):
    listed = slugs(get(client))

    instruments = Guide.objects.published().exclude(instrument=None)
    by_name = instruments.order_by(Collate("instrument__name_vi", "vi-x-icu"))
    codes = by_name.values_list("instrument__code", flat=True)
    assert listed == [*ServiceKind.values, *(f"instrument-{code}" for code in codes)]
    # Vietnamese alphabetical order: "Đồng hồ nước" after "Cột đo", before "Taximet"
    assert listed.index("instrument-water-meter") < listed.index("instrument-taxi-meter")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "verification,testing"}, ["testing", "verification"]),
        ({"instrument": "water-meter"}, ["instrument-water-meter"]),
        (
            {"kind": "verification", "instrument": "water-meter,taxi-meter"},
            ["verification", "instrument-water-meter", "instrument-taxi-meter"],
        ),
        ({"instrument": "pressure-gauge"}, []),  # a known type without a guide
    ],
)
def test_kind_and_instrument_select_the_guides_of_any_code_given(client, params, expected):
    assert sorted(slugs(get(client, **params))) == sorted(expected)


def test_an_unknown_code_is_a_400_that_says_which(client):
    response = get(client, kind="verification,bakery", instrument="sundial")

    assert response.status_code == 400
    assert set(response.json()) == {"kind", "instrument"}
    assert "bakery" in response.json()["kind"][0]


def test_a_guide_has_its_subject_texts_in_both_languages_interval_and_links(client):
    water_meter = Guide.objects.get(instrument__code="water-meter")

    guide = body(get(client, guide_url("instrument-water-meter")))

    assert (guide["slug"], guide["subject"]) == (
        "instrument-water-meter",
        {"instrument": "water-meter"},
    )
    assert (guide["title_vi"], guide["title_en"]) == (
        "Kiểm định đồng hồ nước",
        "Verification of water meters",
    )
    assert guide["legal_basis_vi"] == water_meter.legal_basis_vi
    assert "04/2011/QH13" in guide["legal_basis_en"]
    assert guide["verification_interval_months"] == 60  # the instrument type's
    assert guide["updated_at"] == water_meter.updated_at.isoformat()
    assert guide["url"] == "http://testserver/guides/instrument-water-meter/"
    assert guide["api"] == "http://testserver/api/v1/guides/instrument-water-meter/"


def test_a_service_kind_guide_has_no_verification_interval(client):
    guide = body(get(client, guide_url("calibration")))

    assert guide["subject"] == {"kind": "calibration"}
    assert "verification_interval_months" not in guide


def test_an_instrument_without_a_fixed_interval_has_a_null_one(client):
    guide = body(get(client, guide_url("instrument-electricity-meter")))
    assert guide["verification_interval_months"] is None


def test_an_english_text_left_empty_is_given_in_vietnamese(client):
    Guide.objects.filter(kind="testing").update(summary_en="", title_en="")
    Guide.objects.get(kind="testing").save()  # as the admin saves it: the registry moves

    guide = body(get(client, guide_url("testing")))

    assert guide["title_en"] == guide["title_vi"] == "Thử nghiệm sản phẩm, hàng hóa"
    assert guide["summary_en"] == guide["summary_vi"]
    assert guide["how_to_check_en"] != guide["how_to_check_vi"]


@pytest.mark.parametrize("slug", ["bakery", "instrument-sundial", "instrument-pressure-gauge"])
def test_an_unknown_guide_is_a_json_404(client, slug):
    response = get(client, guide_url(slug))

    assert (response.status_code, response.json()) == (
        404,
        {"detail": "No published guide has this address."},
    )


def test_an_unpublished_guide_is_neither_listed_nor_given(client):
    taxi = Guide.objects.get(instrument__code="taxi-meter")
    taxi.published = False
    taxi.save()

    assert "instrument-taxi-meter" not in slugs(get(client))
    assert get(client, guide_url("instrument-taxi-meter")).status_code == 404


def test_an_edit_of_a_guide_is_seen_at_once_by_a_client_holding_the_etag(client):
    first = get(client, guide_url("verification"))
    guide = Guide.objects.get(kind="verification")
    guide.title_en = "Having a measuring instrument verified"
    guide.save()

    again = client.get(
        guide_url("verification"), HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=first["ETag"]
    )

    assert body(again)["title_en"] == "Having a measuring instrument verified"


def test_a_deleted_guide_leaves_the_cached_list(client):
    assert "inspection" in slugs(get(client))

    Guide.objects.get(kind="inspection").delete()

    assert "inspection" not in slugs(get(client))


def test_a_changed_verification_interval_is_seen_in_the_guide(client):
    assert body(get(client, guide_url("instrument-taxi-meter")))["verification_interval_months"]

    taxi_meter = InstrumentType.objects.get(code="taxi-meter")
    taxi_meter.verification_interval_months = 24
    taxi_meter.save()

    guide = body(get(client, guide_url("instrument-taxi-meter")))
    assert guide["verification_interval_months"] == 24


# In a site's detail ----------------------------------------------------------------------------


@pytest.fixture
def water_meter_station():
    site = make_site("Trạm kiểm định đồng hồ nước Cầu Giấy", kinds=["verification", "calibration"])
    designation = make_credential(site, number="01/QĐ-TĐC", scheme="cd-pt-nhom-2")
    ScopeItem.objects.create(
        credential=designation,
        instrument_type=InstrumentType.objects.get(code="water-meter"),
        product="Đồng hồ nước lạnh",
    )
    return site


def site_guides(client, site) -> list[dict]:
    url = reverse("layers:site", args=[site.pk])
    return body(get(client, url))["properties"]["guides"]


def test_a_site_lists_the_guides_of_its_services_and_of_the_instruments_in_its_scope(
    client, water_meter_station
):
    guides = site_guides(client, water_meter_station)

    assert [g["slug"] for g in guides] == ["calibration", "verification", "instrument-water-meter"]
    assert guides[2] == {
        "slug": "instrument-water-meter",
        "subject": {"instrument": "water-meter"},
        "title_vi": "Kiểm định đồng hồ nước",
        "title_en": "Verification of water meters",
        "summary_vi": Guide.objects.get(instrument__code="water-meter").summary_vi,
        "summary_en": Guide.objects.get(instrument__code="water-meter").summary_en,
        "url": "http://testserver/guides/instrument-water-meter/",
        "api": "http://testserver/api/v1/guides/instrument-water-meter/",
    }


def test_a_site_lists_no_unpublished_guide(client, water_meter_station):
    Guide.objects.get(kind="calibration").delete()
    verification = Guide.objects.get(kind="verification")
    verification.published = False
    verification.save()

    guides = site_guides(client, water_meter_station)

    assert [g["slug"] for g in guides] == ["instrument-water-meter"]


def test_a_site_without_services_lists_no_guide(client):
    assert site_guides(client, make_site(kinds=[])) == []


def test_the_schema_documents_the_guides(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert {"/api/v1/guides/", "/api/v1/guides/{slug}/"} <= set(paths)
