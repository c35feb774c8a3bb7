"""OGC API Features at /ogc/: the documents a client reads (landing page, conformance, API
definition, collections, items, one feature), in JSON and HTML, and GDAL's OAPIF driver, the real
client, reading them through a live server with the same counts as /api/v1/sites/."""

import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
import schemathesis
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from geodata.models import AdministrativeUnit, Authority, Scheme
from layers.ogc import COLLECTIONS, CRS84, MAX_LIMIT
from tests.factories import make_credential, make_site, province

GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
GDAL_ACCEPT = "application/geo+json, application/json"
TODAY = timezone.localdate()
HA_NOI_BBOX = "105.7,20.9,106.0,21.1"


@pytest.fixture(autouse=True)
def empty_cache():
    """Responses are cached by registry version, which starts again in each test's database."""
    cache.clear()
    yield
    cache.clear()


def add_site(name, kinds, code="01", lon=105.85, lat=21.03, standing=None, **fields):
    """A published site in province `code`, holding a credential in force (`valid`), one that
    ended a month ago (`expired`) or none."""
    site = make_site(
        name, kinds=kinds, province=province(code), location=Point(lon, lat, srid=4326), **fields
    )
    if standing == "valid":
        make_credential(
            site, issued_on=TODAY - timedelta(days=365), valid_until=TODAY + timedelta(days=730)
        )
    elif standing == "expired":
        make_credential(
            site, issued_on=TODAY - timedelta(days=900), valid_until=TODAY - timedelta(days=30)
        )
    return site


def add_sites():
    return {
        "lab": add_site("Phòng thử nghiệm Hóa Hà Nội", ["testing"], standing="valid"),
        "calibration": add_site(
            "Phòng hiệu chuẩn Cầu Giấy",
            ["calibration", "testing"],
            lon=105.80,
            lat=21.0,
            standing="expired",
        ),
        "station": add_site(
            "Trạm kiểm định Đà Nẵng", ["verification"], "48", 108.2, 16.05, standing="valid"
        ),
        "certifier": add_site("Tổ chức chứng nhận Sài Gòn", ["certification"], "79", 106.7, 10.78),
        "hidden": add_site("Phòng thử nghiệm chưa công bố", ["testing"], published=False),
    }


@pytest.fixture
def sites(db):
    return add_sites()


@pytest.fixture
def many_sites(db):
    """Twelve published testing sites: more than the default page of ten."""
    return [
        add_site(f"Phòng thử nghiệm số {n}", ["testing"], lon=105.8 + n / 100) for n in range(12)
    ]


def get(client, path, accept=GDAL_ACCEPT, **params):
    return client.get(f"/ogc/{path}", params, HTTP_ACCEPT=accept)


def items(client, collection="sites", **params):
    response = get(client, f"collections/{collection}/items", **{"limit": 5000, **params})
    assert response.status_code == 200, response.content
    return response.json()


def ids(collection: dict) -> list:
    return [feature["id"] for feature in collection["features"]]


def api_ids(client, **params) -> list[int]:
    response = client.get("/api/v1/sites/", {"limit": 5000, **params})
    assert response.status_code == 200, response.content
    return ids(response.json())


def rels(document: dict) -> dict:
    return {link["rel"]: link for link in document["links"]}


# Landing page, conformance, API definition --------------------------------------------------


def test_landing_page_links_to_the_api_definition_conformance_and_collections(client, db):
    response = get(client, "", accept="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    links = rels(response.json())
    assert links["service-desc"]["href"] == "http://testserver/ogc/api"
    assert links["service-desc"]["type"] == OPENAPI
    assert links["service-doc"]["type"] == "text/html"
    assert links["conformance"]["href"].startswith("http://testserver/ogc/conformance")
    assert links["data"]["href"].startswith("http://testserver/ogc/collections")
    assert links["self"]["type"] == "application/json"
    assert links["alternate"]["type"] == "text/html"


def test_conformance_declares_core_geojson_html_and_openapi_30(client, db):
    conforms_to = get(client, "conformance").json()["conformsTo"]

    assert set(conforms_to) == {
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    }


def test_api_definition_is_a_valid_openapi_30_document_of_every_collection(client, db):
    response = get(client, "api", accept=OPENAPI)

    assert response["Content-Type"] == OPENAPI
    document = response.json()
    validate_schema(document)
    assert document["openapi"].startswith("3.0")
    assert document["servers"] == [{"url": "http://testserver/ogc"}]
    for collection in COLLECTIONS:
        assert {
            f"/collections/{collection}",
            f"/collections/{collection}/items",
            f"/collections/{collection}/items/{{featureId}}",
        } <= set(document["paths"])


def query_parameters(document, path) -> set[str]:
    """The names of the query parameters of a path, as GDAL reads them ($ref resolved)."""
    names = set()
    for parameter in document["paths"][path]["get"]["parameters"]:
        if "$ref" in parameter:
            parameter = document["components"]["parameters"][parameter["$ref"].split("/")[-1]]
        if parameter["in"] == "query":
            names.add(parameter["name"])
    return names


def test_api_definition_lists_the_filters_each_collection_reads(client, db):
    document = get(client, "api", accept=OPENAPI).json()

    sites = query_parameters(document, "/collections/sites/items")
    assert {"bbox", "limit", "offset", "f", "province", "kind", "status", "scheme", "q"} <= sites
    assert "kind" not in query_parameters(document, "/collections/sites-testing/items")
    assert query_parameters(document, "/collections/communes/items") == {
        "f", "bbox", "limit", "offset", "resultType", "code", "province"
    }  # fmt: skip
    assert "province" not in query_parameters(document, "/collections/provinces/items")


# Collections ---------------------------------------------------------------------------------


def test_collections_are_all_sites_each_service_kind_provinces_and_communes(client, db):
    collections = get(client, "collections").json()["collections"]

    assert [c["id"] for c in collections] == [
        "sites",
        "sites-testing",
        "sites-calibration",
        "sites-verification",
        "sites-certification",
        "sites-inspection",
        "sites-accreditation",
        "provinces",
        "communes",
    ]
    assert collections[1]["title"] == "Cơ sở thử nghiệm"
    for collection in collections:
        assert collection["itemType"] == "feature"
        assert collection["crs"] == [CRS84]
        assert collection["title"] and collection["description"]
        items_links = [link for link in collection["links"] if link["rel"] == "items"]
        assert {link["type"] for link in items_links} == {GEOJSON, "text/html"}


def test_extent_is_the_bounding_box_of_viet_nam_computed_from_the_provinces(client, db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent("
            "boundary) e FROM geodata_administrativeunit WHERE level = 'province' AND current) x"
        )
        expected = pytest.approx(list(cursor.fetchone()), abs=1e-6)

    extent = get(client, "collections/sites-calibration").json()["extent"]["spatial"]

    assert extent["bbox"] == [expected]
    assert extent["crs"] == CRS84
    west, south, east, north = extent["bbox"][0]
    assert 102 < west < 103 and 8 < south < 9 and 109 < east < 118 and 23 < north < 24


def test_the_items_link_of_a_collection_has_no_query_string(client, db):
    """GDAL reads one feature at the items address + "/{featureId}"."""
    links = get(client, "collections/sites").json()["links"]

    geojson = next(link for link in links if link["rel"] == "items" and link["type"] == GEOJSON)
    assert geojson["href"] == "http://testserver/ogc/collections/sites/items"


# Items ---------------------------------------------------------------------------------------


def test_items_say_how_many_match_and_how_many_are_returned(client, sites):
    page = items(client, limit=2)

    assert page["type"] == "FeatureCollection"
    assert page["numberMatched"] == 4
    assert page["numberReturned"] == 2
    assert len(page["features"]) == 2
    assert datetime.fromisoformat(page["timeStamp"]).tzinfo is not None


def test_items_are_geojson_features_equal_to_the_api_ones(client, sites):
    response = get(client, "collections/sites/items")

    assert response["Content-Type"] == GEOJSON
    assert response.json()["features"] == client.get("/api/v1/sites/").json()["features"]
    lab = next(f for f in response.json()["features"] if f["id"] == sites["lab"].pk)
    assert lab["geometry"] == {"type": "Point", "coordinates": [105.85, 21.03]}


def test_default_page_is_ten_features_with_a_next_link(client, many_sites):
    page = get(client, "collections/sites/items").json()

    assert page["numberReturned"] == 10
    assert page["numberMatched"] == 12
    assert rels(page)["next"]["type"] == GEOJSON
    assert "offset=10" in rels(page)["next"]["href"]
    assert "prev" not in rels(page)


def test_following_next_links_returns_every_site_once_in_id_order(client, many_sites):
    seen, href = [], "/ogc/collections/sites/items?limit=5"
    while href:
        page = client.get(href, HTTP_ACCEPT=GDAL_ACCEPT).json()
        seen += ids(page)
        href = rels(page).get("next", {}).get("href")

    assert seen == sorted(site.pk for site in many_sites)


def test_prev_link_goes_back_one_page(client, many_sites):
    page = get(client, "collections/sites/items", limit=4, offset=6).json()

    assert "offset=2" in rels(page)["prev"]["href"]
    assert "offset=10" in rels(page)["next"]["href"]
    assert rels(page)["collection"]["href"] == "http://testserver/ogc/collections/sites"


def test_a_limit_above_5000_is_read_as_5000_not_refused(client, many_sites):
    page = get(client, "collections/sites/items", limit=100_000, offset=2).json()

    assert page["numberReturned"] == 10
    assert "limit=5000" in rels(page)["prev"]["href"]


def test_result_type_hits_counts_without_features(client, many_sites):
    page = get(client, "collections/sites-testing/items", resultType="hits").json()

    assert page["numberMatched"] == 12
    assert page["features"] == []
    assert "next" not in rels(page)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("testing", ["lab", "calibration"]),
        ("calibration", ["calibration"]),
        ("verification", ["station"]),
        ("certification", ["certifier"]),
        ("inspection", []),
    ],
)
def test_a_service_kind_collection_holds_the_sites_of_that_kind(client, sites, kind, expected):
    assert ids(items(client, f"sites-{kind}")) == sorted(sites[name].pk for name in expected)
    assert ids(items(client, f"sites-{kind}")) == api_ids(client, kind=kind)


@pytest.mark.parametrize(
    "params",
    [
        {"province": "01"},
        {"province": "48,79"},
        {"status": "valid"},
        {"status": "expired", "province": "01"},
        {"kind": "testing,verification"},
        {"scheme": "vilas"},
        {"q": "ha noi"},
        {"bbox": HA_NOI_BBOX},
        {"bbox": HA_NOI_BBOX, "status": "valid"},
        {"near": "105.85,21.03", "radius_km": 10},
        {"accredited": "true"},
        {"at": (TODAY - timedelta(days=60)).isoformat(), "status": "valid"},
    ],
)
def test_site_filters_give_the_same_sites_as_the_api(client, sites, params):
    assert ids(items(client, **params)) == api_ids(client, **params)


def test_province_and_commune_filters_also_read_the_names_the_properties_show(client, sites):
    """GDAL and QGIS send a property's value: `province` is the name there, the code in the API."""
    ha_noi = sorted([sites["lab"].pk, sites["calibration"].pk])

    assert ids(items(client, province="Hà Nội")) == ha_noi
    assert ids(items(client, province="Hà Nội,48")) == sorted([*ha_noi, sites["station"].pk])


def test_unknown_province_name_is_a_400_that_names_it(client, sites):
    response = get(client, "collections/sites/items", province="Hanoi")

    assert response.status_code == 400
    assert "Hanoi" in response.json()["description"]


def test_items_cost_the_same_few_queries_however_many_sites_match(
    client, many_sites, django_assert_num_queries
):
    # The registry state (the ETag); the public statement timeout, in a savepoint here; the
    # page; the count.
    with django_assert_num_queries(6):
        assert len(items(client)["features"]) == 12
    cache.clear()
    with django_assert_num_queries(6):
        assert len(items(client, limit=1)["features"]) == 1


# Provinces and communes ----------------------------------------------------------------------


def test_provinces_and_communes_are_the_34_and_3321_current_units(client, db):
    provinces = get(client, "collections/provinces/items", limit=50).json()
    communes = get(client, "collections/communes/items", limit=1).json()

    assert provinces["numberMatched"] == provinces["numberReturned"] == 34
    assert communes["numberMatched"] == 3321
    ha_noi = provinces["features"][0]
    assert ha_noi["id"] == "01"
    assert ha_noi["properties"] == {
        "code": "01", "name": "Hà Nội", "full_name": "Thành phố Hà Nội", "type": "Thành phố"
    }  # fmt: skip
    assert ha_noi["geometry"]["type"] == "MultiPolygon"


def test_communes_filter_by_province_code_and_bbox(client, db):
    in_ha_noi = AdministrativeUnit.objects.filter(
        level="commune", current=True, parent__code="01"
    ).count()
    page = items(client, "communes", province="01", limit=10)
    assert page["numberMatched"] == in_ha_noi
    assert {f["properties"]["province_code"] for f in page["features"]} == {"01"}

    assert ids(items(client, "communes", code="00004,00008")) == ["00004", "00008"]
    around_hoan_kiem = items(client, "communes", bbox="105.85,21.02,105.855,21.025")
    assert 0 < around_hoan_kiem["numberMatched"] < 10
    assert ids(items(client, "provinces", bbox="105.85,21.02,105.855,21.025")) == ["01"]


# One feature ---------------------------------------------------------------------------------


def test_a_site_is_the_feature_of_the_list_with_links_to_itself_and_its_collection(client, sites):
    site = sites["station"]
    response = get(client, f"collections/sites-verification/items/{site.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON
    feature = response.json()
    links = rels(feature)
    assert feature.pop("links")
    assert feature == items(client, q="da nang")["features"][0]
    assert links["self"]["type"] == GEOJSON
    assert links["collection"]["href"] == "http://testserver/ogc/collections/sites-verification"


def test_a_commune_is_found_by_its_code(client, db):
    feature = get(client, "collections/communes/items/00004").json()

    assert feature["id"] == "00004"
    assert feature["properties"]["province_code"] == "01"


# Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"bbox": "nan,1,2,3"}, "bbox"),
        ({"bbox": "106,21,105,22"}, "bbox"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"province": "99"}, "99"),
        ({"status": "fine"}, "fine"),
        ({"radius_km": "5"}, "near"),
        ({"f": "xml"}, "f"),
        ({"colour": "red"}, "colour"),
        ({"province": "\x00"}, "province"),
    ],
)
def test_a_bad_parameter_is_a_400_ogc_exception_that_names_it(client, db, params, named):
    response = get(client, "collections/sites/items", **params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    exception = response.json()
    assert exception["code"] == "InvalidParameterValue"
    assert named in exception["description"]


def test_kind_on_a_service_kind_collection_is_a_400_unknown_parameter(client, db):
    response = client.get(
        "/ogc/collections/sites-testing/items", {"kind": "calibration"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "Unknown parameter: kind" in response.json()["description"]


def test_an_unknown_parameter_of_the_landing_page_is_a_400(client, db):
    assert get(client, "", page="2").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "collections/nothing",
        "collections/nothing/items",
        "collections/sites/items/999999999",
        "collections/sites/items/abc",
        "collections/sites/items/123456789012345678901234567890",
        "collections/provinces/items/99",
        "collections/communes/items/%00",
    ],
)
def test_an_unknown_collection_or_feature_is_a_404_ogc_exception(client, db, path):
    response = client.get(f"/ogc/{path}")

    assert response.status_code == 404
    assert response.json()["code"] == "NotFound"


def test_an_unpublished_site_or_one_of_another_kind_is_not_found(client, sites):
    assert get(client, f"collections/sites/items/{sites['hidden'].pk}").status_code == 404
    station = sites["station"].pk
    assert get(client, f"collections/sites-testing/items/{station}").status_code == 404
    assert get(client, f"collections/sites-verification/items/{station}").status_code == 200


# Formats and caching -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "params", "content_type"),
    [
        (GDAL_ACCEPT, {}, GEOJSON),
        ("*/*", {}, GEOJSON),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", {}, "text/html"),
        ("text/html", {"f": "json"}, GEOJSON),
        (GDAL_ACCEPT, {"f": "html"}, "text/html"),
    ],
)
def test_html_is_chosen_by_f_or_by_an_accept_that_prefers_it(
    client, sites, accept, params, content_type
):
    response = get(client, "collections/sites/items", accept=accept, **params)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)


def test_json_has_an_etag_and_a_repeated_request_is_a_304(client, sites):
    first = get(client, "collections/sites/items")

    repeat = client.get(
        "/ogc/collections/sites/items", HTTP_ACCEPT=GDAL_ACCEPT, HTTP_IF_NONE_MATCH=first["ETag"]
    )

    assert repeat.status_code == 304
    assert "Accept" in first["Vary"]


def test_html_pages_are_not_shared_so_each_visitor_gets_a_csrf_token_for_the_language_switch(
    client, sites
):
    get(client, "collections/sites/items", f="html")
    other_visitor = Client().get("/ogc/collections/sites/items?f=html")

    assert other_visitor.status_code == 200
    assert "csrftoken" in other_visitor.cookies
    assert "ETag" not in other_visitor


@pytest.mark.parametrize(
    ("path", "shows"),
    [
        ("", "Start here"),
        ("conformance", "ogcapi-features-1/1.0/conf/oas30"),
        ("api", "/collections/sites/items/{featureId}"),
        ("collections", "Cơ sở kiểm định phương tiện đo"),
        ("collections/sites-testing", "Browse the features"),
        ("collections/sites/items?limit=2", "Features 1 to 2 of 4."),
        ("collections/provinces/items?code=01", "Thành phố Hà Nội"),
    ],
)
def test_html_pages_render_in_the_site_layout(client, sites, path, shows):
    response = client.get(f"/ogc/{path}", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert shows in html
    assert '<html lang="en">' in html
    assert 'class="skip-link"' in html  # the project's base template
    assert '<link rel="alternate" type="application/json"' in html


def test_html_items_link_each_site_to_its_page_and_the_next_page(client, many_sites):
    html = client.get("/ogc/collections/sites/items?f=html", HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()

    rows = re.findall(
        r'<th scope="row"><a href="http://testserver/ogc/collections/sites/items/(\d+)"', text
    )
    assert rows == [str(site.pk) for site in many_sites[:10]]
    assert 'rel="next"' in text


def test_html_feature_page_shows_the_properties(client, sites):
    response = client.get(
        f"/ogc/collections/sites/items/{sites['lab'].pk}?f=html", HTTP_ACCEPT_LANGUAGE="en"
    )

    html = response.content.decode()
    assert "<h1>Phòng thử nghiệm Hóa Hà Nội</h1>" in html
    assert "105.85, 21.03" in html


def test_html_error_page_keeps_the_status(client, db):
    response = client.get("/ogc/collections/nothing?f=html")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "nothing" in response.content.decode()


def test_every_link_of_every_json_document_has_a_media_type(client, sites):
    """QGIS chooses among links by their type."""
    site = sites["lab"].pk
    for path in ["", "conformance", "collections", "collections/sites", "collections/sites/items"]:
        document = get(client, path).json()
        nested = [link for c in document.get("collections", []) for link in c["links"]]
        assert all(link["type"] for link in document["links"] + nested), path
    feature = get(client, f"collections/sites/items/{site}").json()
    assert all(link["type"] for link in feature["links"])


# The API definition under schemathesis -------------------------------------------------------


@pytest.fixture
def ogc_schema(wsgi_application):
    """/ogc/api served by the WSGI application in the test's transaction."""
    add_sites()
    return schemathesis.openapi.from_wsgi("/ogc/api?f=json", wsgi_application)


schema = schemathesis.pytest.from_fixture("ogc_schema")


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_ogc_response_is_declared_and_matches_its_schema(case):
    # Codes the vocabularies do not hold are rightly a 400; the schema cannot list them all.
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"},
        checks=[invalid_data_is_refused_but_a_limit_above_the_maximum],
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )


def invalid_data_is_refused_but_a_limit_above_the_maximum(ctx, response, case):
    """OGC API Features reads a limit above the maximum as the maximum, without an error."""
    limit = str((case.query or {}).get("limit", ""))
    if limit.isdigit() and int(limit) > MAX_LIMIT:
        return None
    return negative_data_rejection(ctx, response, case)


# GDAL's OAPIF driver, through a live server ---------------------------------------------------


@pytest.fixture(scope="session")
def ogrinfo():
    path = shutil.which("ogrinfo")
    if not path:
        pytest.fail("ogrinfo is missing: scripts/install-system-packages installs gdal-bin.")
    formats = subprocess.run([path, "--formats"], capture_output=True, text=True, check=True)
    assert "OAPIF" in formats.stdout, "This GDAL has no OAPIF (OGC API Features) driver."
    return path


@pytest.fixture(scope="session")
def reference_records(django_db_setup, django_db_blocker):
    """The reference rows the live tests need, read once. Transactional tests empty the database
    after each test; putting these rows back takes a second where reloading takes ten."""
    with django_db_blocker.unblock():
        units = AdministrativeUnit.objects.filter(current=True, boundary__isnull=False)
        if units.count() < 34 + 3321 or not Scheme.objects.exists():
            call_command("load_reference_data", verbosity=0)
        return {
            "provinces": list(units.filter(level="province")),
            "communes": list(units.filter(level="commune")),
            "schemes": list(Scheme.objects.all()),
            "authorities": list(Authority.objects.all()),
        }


def put_back(records):
    model = type(records[0])
    if not model.objects.filter(pk=records[0].pk).exists():
        model.objects.bulk_create(records)


@pytest.fixture
def reference_data(reference_records, transactional_db):
    """The provinces, schemes and issuers that sites and credentials need."""
    for name in ("provinces", "schemes", "authorities"):
        put_back(reference_records[name])


@pytest.fixture
def communes(reference_records, reference_data):
    put_back(reference_records["communes"])


@pytest.fixture
def live_sites(reference_data, live_server):
    """Twenty-five published sites of every kind, with and without credentials, committed for
    the live server."""
    kinds = ["testing", "calibration", "verification", "certification", "inspection"]
    standings = ["valid", "expired", None]
    added = add_sites()
    for n in range(20):
        add_site(
            f"Cơ sở số {n}", [kinds[n % 5]], ["01", "48", "79"][n % 3],
            105.75 + n / 50, 21.0 + (n % 4) / 40, standing=standings[n % 3],
        )  # fmt: skip
    return added


def run_ogrinfo(ogrinfo, live_server, *args, debug=False) -> str:
    """ogrinfo's output (and, with `debug`, the addresses it fetched) for the live /ogc."""
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*", "GDAL_HTTP_TIMEOUT": "60"}
    if debug:
        env["CPL_DEBUG"] = "ON"
    result = subprocess.run(
        [ogrinfo, "-ro", f"OAPIF:{live_server.url}/ogc", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ERROR" not in result.stderr, result.stderr
    return result.stdout + result.stderr


def feature_count(output: str) -> int:
    return int(re.search(r"^Feature Count: (\d+)$", output, re.MULTILINE)[1])


def test_ogrinfo_lists_every_collection_as_a_layer(ogrinfo, live_server, reference_data):
    output = run_ogrinfo(ogrinfo, live_server, "-so")

    assert re.findall(r"^\d+: (\S+) ", output, re.MULTILINE) == list(COLLECTIONS)
    assert "2: sites-testing (title: Cơ sở thử nghiệm)" in output


def test_ogrinfo_counts_the_same_sites_as_the_api_in_every_layer(
    ogrinfo, live_server, live_sites, client
):
    output = run_ogrinfo(ogrinfo, live_server, "-al", "-so")

    counts = dict(re.findall(r"^Layer name: (\S+)$.*?^Feature Count: (\d+)$", output, re.M | re.S))
    assert int(counts["sites"]) == len(api_ids(client)) == 24
    for collection in COLLECTIONS.values():
        if collection.kind:
            assert int(counts[collection.id]) == len(api_ids(client, kind=collection.kind))
    assert counts["sites-accreditation"] == "0"


def test_ogrinfo_passes_bbox_and_attribute_filters_to_the_server(
    ogrinfo, live_server, live_sites, client
):
    output = run_ogrinfo(
        ogrinfo, live_server, "sites", "-so", "-spat", "105.7", "20.9", "106.0", "21.1",
        "-where", "status = 'valid'", debug=True,
    )  # fmt: skip

    asked = [line for line in output.splitlines() if "/collections/sites/items?" in line]
    assert any("status=valid" in line and "bbox=105.7" in line for line in asked), asked
    expected = api_ids(client, bbox=HA_NOI_BBOX, status="valid")
    assert feature_count(output) == len(expected) > 0


def test_ogrinfo_filters_by_the_province_name_it_sees(ogrinfo, live_server, live_sites, client):
    output = run_ogrinfo(ogrinfo, live_server, "sites", "-so", "-where", "province = 'Hà Nội'")

    assert feature_count(output) == len(api_ids(client, province="01")) > 0


def test_ogrinfo_reads_every_site_through_the_next_links(ogrinfo, live_server, live_sites, client):
    output = run_ogrinfo(ogrinfo, live_server, "sites", "-q", "-geom=NO")

    read = [int(fid) for fid in re.findall(r"^OGRFeature\(sites\):(\d+)$", output, re.MULTILINE)]
    assert read == api_ids(client)
    assert len(read) > 20  # three pages of ten


def test_ogrinfo_reads_one_site_by_its_number(ogrinfo, live_server, live_sites):
    site = live_sites["station"]
    output = run_ogrinfo(ogrinfo, live_server, "sites", "-q", "-fid", str(site.pk))

    assert f"OGRFeature(sites):{site.pk}" in output
    assert "name (String) = Trạm kiểm định Đà Nẵng" in output


def test_ogrinfo_counts_the_34_provinces_and_3321_communes(ogrinfo, live_server, communes):
    assert feature_count(run_ogrinfo(ogrinfo, live_server, "provinces", "-so")) == 34
    assert feature_count(run_ogrinfo(ogrinfo, live_server, "communes", "-so")) == 3321
    one = run_ogrinfo(ogrinfo, live_server, "communes", "-so", "-where", "code = '00004'")
    assert feature_count(one) == 1
