"""What the map builds itself from: clusters for the zoomed-out views, the vocabularies of its
filters, the layer catalogue of its legend, the comparison of sites, and a database guard."""

from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from geodata.models import CredentialEvent, Field, InstrumentType, ScopeItem
from layers import api
from layers.clusters import cell_degrees
from tests.factories import make_credential, make_site, province

pytestmark = pytest.mark.django_db


def hanoi_site(name, lon=105.80, lat=21.03, **fields):
    return make_site(name=name, location=Point(lon, lat, srid=4326), **fields)


# Clusters -------------------------------------------------------------------------------------


def test_country_view_counts_sites_per_cell_and_per_kind_without_sending_points(client):
    hanoi_site("A", kinds=["testing"])
    hanoi_site("B", lon=105.81, kinds=["testing", "calibration"])
    make_site(
        name="C", location=Point(106.70, 10.78, srid=4326), province=province("79"),
        kinds=["verification"],
    )  # fmt: skip
    make_site(name="Hidden", published=False)

    body = client.get("/api/v1/clusters/", {"zoom": 5}).json()

    cells = sorted(body["features"], key=lambda f: -f["properties"]["count"])
    assert [c["properties"]["count"] for c in cells] == [2, 1]
    north = cells[0]["properties"]
    assert north["kinds"]["testing"] == 2 and north["kinds"]["calibration"] == 1
    assert north["site_id"] is None
    assert north["bbox"] == [105.80, 21.03, 105.81, 21.03]
    lone = cells[1]["properties"]
    assert lone["site_id"] is not None and lone["kinds"]["verification"] == 1
    assert body["cell_degrees"] == cell_degrees(5)


def test_cells_split_as_the_map_zooms_in(client):
    hanoi_site("A")
    hanoi_site("B", lon=105.85)

    assert len(client.get("/api/v1/clusters/", {"zoom": 6}).json()["features"]) == 1
    assert len(client.get("/api/v1/clusters/", {"zoom": 12}).json()["features"]) == 2


def test_clusters_take_the_same_filters_as_the_list(client):
    hanoi_site("Lab", kinds=["testing"])
    expired = hanoi_site("Station", lon=105.801, kinds=["verification"])
    make_credential(expired, issued_on=date(2015, 1, 1), valid_until=date(2020, 1, 1))
    query = {"zoom": 5, "bbox": "105,20,107,22"}

    def count(**filters):
        cells = client.get("/api/v1/clusters/", {**query, **filters}).json()["features"]
        return sum(cell["properties"]["count"] for cell in cells)

    assert count() == 2
    assert count(kind="verification") == 1
    assert count(status="expired") == 1
    assert count(bbox="100,8,101,9") == 0


def test_country_cells_are_counted_once_and_follow_every_edit(client):
    hanoi_site("A")
    query = {"zoom": 6, "bbox": "105,20,107,22"}
    assert client.get("/api/v1/clusters/", query).json()["features"][0]["properties"]["count"] == 1

    hanoi_site("B", lon=105.81)
    panned = {**query, "bbox": "105.805,20,107,22"}  # B alone in view, its cell holds A too

    assert client.get("/api/v1/clusters/", panned).json()["features"][0]["properties"]["count"] == 2


@pytest.mark.parametrize("zoom", ["", "-1", "23", "five"])
def test_clusters_need_a_zoom_level_from_0_to_22(client, zoom):
    response = client.get("/api/v1/clusters/", {"zoom": zoom} if zoom else {})

    assert response.status_code == 400
    assert "zoom" in response.json()


# Vocabularies and layers ----------------------------------------------------------------------


def test_vocabularies_give_codes_with_vietnamese_and_english_labels(client):
    body = client.get("/api/v1/vocabularies/").json()

    kinds = {k["code"]: k for k in body["kinds"]}
    assert kinds["verification"]["name_vi"] == "Kiểm định phương tiện đo"
    assert kinds["verification"]["name_en"] == "Verification of measuring instruments"
    assert [s["code"] for s in body["statuses"]] == [
        "valid", "expiring", "suspended", "expired", "withdrawn", "not_yet_valid",
    ]  # fmt: skip
    assert {f["code"] for f in body["fields"]} == set(Field.objects.values_list("code", flat=True))
    instruments = {i["code"]: i for i in body["instruments"]}
    assert set(instruments) == set(InstrumentType.objects.values_list("code", flat=True))
    assert {"vilas", "vicas", "vias"} <= {s["code"] for s in body["schemes"]}
    provinces = {p["code"]: p for p in body["provinces"]}
    assert len(provinces) == 34
    west, south, east, north = provinces["01"]["bbox"]
    assert west < 105.85 < east and south < 21.03 < north


def test_the_layer_catalogue_styles_each_kind_by_colour_and_by_shape(client):
    layers = client.get("/api/v1/layers/").json()["layers"]

    sites = [layer for layer in layers if layer["type"] == "sites"]
    assert len(sites) == 6
    assert len({layer["style"]["colour"] for layer in sites}) == 6
    assert len({layer["style"]["shape"] for layer in sites}) == 6
    testing = next(layer for layer in sites if layer["kind"] == "testing")
    assert testing["name_vi"] == "Thử nghiệm"
    assert testing["links"]["geojson"].endswith("/api/v1/sites/?kind=testing")
    assert client.get(testing["links"]["geojson"]).status_code == 200
    assert {"provinces", "communes"} <= {layer["id"] for layer in layers}


# Compare --------------------------------------------------------------------------------------


def scoped(site, number, *lines, **fields):
    credential = make_credential(site, number=number, **fields)
    for product, test, method in lines:
        ScopeItem.objects.create(credential=credential, product=product, test=test, method=method)
    return credential


def test_compare_aligns_the_same_scope_line_across_sites_however_the_method_is_written(client):
    first, second = hanoi_site("Lab 1"), hanoi_site("Lab 2", lon=105.9)
    scoped(first, "VILAS 901", ("Nước sạch", "pH", "TCVN 6492:2011"), ("Thép", "Độ bền kéo", ""))
    scoped(second, "VILAS 902", ("nước  sạch", "PH", "tcvn6492-2011"))

    body = client.get("/api/v1/compare/", {"ids": f"{first.pk},{second.pk}"}).json()

    assert [s["id"] for s in body["sites"]] == [first.pk, second.pk]
    shared, alone = body["scope"]
    assert shared["method_reference"] == "TCVN 6492:2011" and shared["coverage"] == 2
    assert shared["sites"][str(first.pk)][0]["credential_number"] == "VILAS 901"
    assert shared["sites"][str(second.pk)][0]["status"] == "valid"
    assert alone["coverage"] == 1 and alone["sites"][str(second.pk)] == []


def test_compare_shows_each_credential_status_on_the_date_asked(client):
    site = hanoi_site("Lab")
    credential = scoped(site, "VILAS 903", ("Gạo", "Độ ẩm", "TCVN 9027:2011"))
    CredentialEvent.objects.create(
        credential=credential, kind="suspended", effective_on=date(2025, 1, 1)
    )

    def status_on(day):
        body = client.get("/api/v1/compare/", {"ids": site.pk, "at": day}).json()
        return body["scope"][0]["sites"][str(site.pk)][0]["status"]

    assert status_on("2024-12-31") == "valid"
    assert status_on("2025-01-02") == "suspended"


def test_compare_gives_the_distance_from_a_point(client):
    site = hanoi_site("Lab", lon=105.80, lat=21.03)

    body = client.get("/api/v1/compare/", {"ids": site.pk, "near": "105.81,21.03"}).json()

    assert 1030 < body["sites"][0]["properties"]["distance_m"] < 1050


@pytest.mark.parametrize("ids", ["", "1,2,3,4,5", "a,b", "1;DROP TABLE x", "-1", "²", "1,³"])
def test_compare_takes_one_to_four_site_numbers(client, ids):
    response = client.get("/api/v1/compare/", {"ids": ids})

    assert response.status_code == 400
    assert "ids" in response.json()


def test_compare_refuses_an_unpublished_site(client):
    shown, hidden = hanoi_site("Shown"), hanoi_site("Hidden", published=False)

    response = client.get("/api/v1/compare/", {"ids": f"{shown.pk},{hidden.pk}"})

    assert response.status_code == 404


def test_compare_costs_the_same_queries_for_one_site_or_four(client, django_assert_max_num_queries):
    sites = [hanoi_site(f"Lab {i}", lon=105.8 + i / 100) for i in range(4)]
    for i, site in enumerate(sites):
        scoped(site, f"VILAS 91{i}", *[(f"Sản phẩm {j}", "pH", "") for j in range(5)])

    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/compare/", {"ids": ",".join(str(s.pk) for s in sites)})
    assert len(response.json()["scope"]) == 5


# Guard ----------------------------------------------------------------------------------------


def test_a_query_that_outlasts_the_public_timeout_is_a_503_that_says_so(
    client, settings, monkeypatch
):
    settings.PUBLIC_STATEMENT_TIMEOUT_MS = 50

    def slow(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")

    monkeypatch.setattr(api.selectors, "site_features", slow)
    response = client.get("/api/v1/sites/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert "took too long" in response.json()["detail"]
    assert client.get("/api/v1/vocabularies/").status_code == 200  # the connection is usable


def test_a_list_can_ask_for_only_the_properties_its_markers_need(client):
    hanoi_site("Lab")

    wanted = {"properties": "name,kinds,status", "near": "105.8,21.03"}
    feature = client.get("/api/v1/sites/", wanted).json()["features"][0]

    assert set(feature["properties"]) == {"name", "kinds", "status", "distance_m"}
    unknown = client.get(
        "/api/v1/sites/", {"properties": "name,password"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert unknown.status_code == 400
    assert unknown.json()["properties"][0].startswith("Unknown properties: password.")
