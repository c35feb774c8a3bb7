"""/api/v1/sites/ and /api/v1/sites/{id}/: every filter alone and in pairs, the distance order,
status on a date, pagination, the detail of a site, the query count, ETags, gzip and bad input.

Five published sites with known facets (and one unpublished site that matches every filter) make
the registry of most tests; each filter's expected set is written once, and any two filters
together must give the intersection of their sets."""

import gzip
import json
from datetime import date, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from geopy.distance import geodesic

from geodata.models import (
    AdministrativeUnit,
    CredentialEvent,
    Document,
    Field,
    InstrumentType,
    ScopeItem,
    Site,
)
from layers.indexing import refresh_site_index
from layers.models import RegistryVersion, RemovedSite, SiteIndex
from tests.factories import make_credential, make_organisation, make_site, province

pytestmark = pytest.mark.django_db

SITES = reverse("layers:sites")
AT = "2025-06-01"
ON = date(2025, 6, 1)
LONG_AGO = timezone.make_aware(datetime(2020, 1, 1))
HANOI = "105.7,20.9,106.0,21.2"
HOAN_KIEM_LAKE = "105.8342,21.0278"


def commune(code):
    return AdministrativeUnit.objects.get(level="commune", current=True, code=code)


def scope(credential, field=None, instrument=None, **text):
    return ScopeItem.objects.create(
        credential=credential,
        field=field and Field.objects.get(code=field),
        instrument_type=instrument and InstrumentType.objects.get(code=instrument),
        **text,
    )


@pytest.fixture
def sites():
    """The registry of the tests, by short name."""
    hanoi_centre = make_organisation("Trung tâm Kiểm định Đo lường Hà Nội")
    cau_giay = make_site(
        "Trạm kiểm định đồng hồ nước Cầu Giấy",
        organisation=hanoi_centre,
        address="Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội",
        commune=commune("00160"),
        location=Point(105.794, 21.0451, srid=4326),
    )
    designation = make_credential(
        cau_giay, number="01/QĐ-TĐC", scheme="cd-pt-nhom-2", valid_until=date(2025, 8, 1)
    )  # expiring on AT
    scope(designation, "volume-flow", "water-meter", product="Đồng hồ nước lạnh", method="ĐLVN 17")

    hoan_kiem = make_site(
        "Phòng thử nghiệm Hà Thành",
        organisation=make_organisation("Công ty Thử nghiệm Hà Thành"),
        kinds=["testing", "calibration"],
        address="Số 2 Tràng Tiền, phường Hoàn Kiếm, Hà Nội",
        commune=commune("00070"),
        location=Point(105.852, 21.0285, srid=4326),
    )
    vilas = make_credential(hoan_kiem, number="VILAS 216", standard="ISO/IEC 17025")
    scope(vilas, "chemical", product="Nước uống đóng chai", method="TCVN 6165:2009")

    saigon = make_site(
        "Phòng hiệu chuẩn Sài Gòn",
        organisation=make_organisation("Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3"),
        kinds=["calibration"],
        address="Số 49 Pasteur, phường Sài Gòn, Thành phố Hồ Chí Minh",
        province=province("79"),
        commune=commune("26740"),
        location=Point(106.6997, 10.7798, srid=4326),
    )
    expired = make_credential(
        saigon, number="VILAS 007", issued_on=date(2020, 2, 1), valid_until=date(2025, 1, 31)
    )
    scope(expired, "electrical-quantities", "electricity-meter", method="QCVN 4:2009/BKHCN")

    da_nang = make_site(
        "Văn phòng chứng nhận Đà Nẵng",
        organisation=make_organisation("Trung tâm Chứng nhận Miền Trung"),
        kinds=["certification"],
        address="Số 10 Bạch Đằng, phường Hải Châu, Đà Nẵng",
        province=province("48"),
        commune=commune("20242"),
        location=Point(108.2208, 16.0678, srid=4326),
    )
    vicas = make_credential(da_nang, number="VICAS 010", scheme="vicas", standard="ISO/IEC 17065")
    scope(vicas, "product-certification", method="ISO/IEC 17065:2012")
    CredentialEvent.objects.create(
        credential=vicas, kind="suspended", effective_on=date(2025, 5, 1)
    )

    dong_anh = make_site(
        "Công ty Giám định Đông Anh",
        organisation=make_organisation("Công ty Giám định Đông Anh"),
        kinds=["inspection"],
        address="Thôn Thụy Lôi, xã Thư Lâm, Hà Nội",
        location=Point(105.9, 21.1, srid=4326),
    )  # no credential: no status

    hidden = make_site(
        "Trạm kiểm định đồng hồ nước chưa công bố",
        organisation=hanoi_centre,
        kinds=["testing", "calibration", "verification", "certification", "inspection"],
        commune=commune("00160"),
        location=Point(105.795, 21.046, srid=4326),
        published=False,
    )
    for credential in (designation, vilas, expired, vicas):
        credential.sites.add(hidden)

    SiteIndex.objects.filter(site__in=[saigon, dong_anh]).update(updated_at=LONG_AGO)
    return {
        "cau_giay": cau_giay,
        "hoan_kiem": hoan_kiem,
        "saigon": saigon,
        "da_nang": da_nang,
        "dong_anh": dong_anh,
        "hidden": hidden,
    }


def get(client, url=SITES, language="en", **params):
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE=language)


def body(response) -> dict:
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def found(response, sites) -> list[str]:
    """The short names of the sites of a list response, in its order."""
    names = {site.pk: name for name, site in sites.items()}
    return [names[feature["id"]] for feature in body(response)["features"]]


# Every filter -----------------------------------------------------------------------------------

# One query per filter (in `at`'s light), with the sites it must find.
SINGLE = {
    "bbox": ({"bbox": HANOI}, {"cau_giay", "hoan_kiem", "dong_anh"}),
    "kind": ({"kind": "calibration,verification"}, {"cau_giay", "hoan_kiem", "saigon"}),
    "field": ({"field": "chemical,volume-flow"}, {"cau_giay", "hoan_kiem"}),
    "instrument": ({"instrument": "water-meter,electricity-meter"}, {"cau_giay", "saigon"}),
    "standard": ({"standard": "tcvn6165-2009"}, {"hoan_kiem"}),
    "province": ({"province": "01,79"}, {"cau_giay", "hoan_kiem", "saigon", "dong_anh"}),
    "commune": ({"commune": "00160,00070"}, {"cau_giay", "hoan_kiem"}),
    "scheme": ({"scheme": "vilas,cd-pt-nhom-2"}, {"cau_giay", "hoan_kiem", "saigon"}),
    "status": (
        {"status": "valid,expiring,suspended", "at": AT},
        {"cau_giay", "hoan_kiem", "da_nang"},
    ),
    "accredited": (
        {"accredited": "false", "at": AT},
        {"cau_giay", "saigon", "da_nang", "dong_anh"},
    ),
    "q": ({"q": "trung tam"}, {"cau_giay", "saigon", "da_nang"}),
    "near": (
        {"near": HOAN_KIEM_LAKE, "radius_km": "700"},
        {"cau_giay", "hoan_kiem", "dong_anh", "da_nang"},
    ),
    "updated_since": (
        {"updated_since": "2021-01-01T00:00:00Z"},
        {"cau_giay", "hoan_kiem", "da_nang"},
    ),
}


def test_without_filters_every_published_site_is_listed_by_number(client, sites):
    assert found(get(client), sites) == ["cau_giay", "hoan_kiem", "saigon", "da_nang", "dong_anh"]


@pytest.mark.parametrize("name", SINGLE)
def test_each_filter_finds_its_sites_and_never_an_unpublished_one(client, sites, name):
    params, expected = SINGLE[name]
    assert set(found(get(client, **params), sites)) == expected


@pytest.mark.parametrize("first", SINGLE)
def test_a_filter_with_any_other_finds_the_sites_that_both_find(client, sites, first):
    params, expected = SINGLE[first]
    for second, (more, also) in SINGLE.items():
        assert set(found(get(client, **{**params, **more}), sites)) == expected & also, second


def test_every_filter_together(client, sites):
    params = {key: value for query, _ in SINGLE.values() for key, value in query.items()}
    assert found(get(client, **params), sites) == []  # no site has TCVN 6165 and a water meter
    del params["standard"]
    assert found(get(client, **params), sites) == ["cau_giay"]


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ("105.84,21.02,105.86,21.04", ["hoan_kiem"]),
        ("102,8,110,24", ["cau_giay", "hoan_kiem", "saigon", "da_nang", "dong_anh"]),
        ("105.852,21.0285,105.852,21.0285", ["hoan_kiem"]),  # a point on its edge
        ("-180,-90,180,90", ["cau_giay", "hoan_kiem", "saigon", "da_nang", "dong_anh"]),
        ("0,0,1,1", []),
    ],
)
def test_bbox_finds_the_sites_inside_it_edges_included(client, sites, bbox, expected):
    assert found(get(client, bbox=bbox), sites) == expected


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("verification", ["cau_giay"]),
        ("calibration", ["hoan_kiem", "saigon"]),
        ("testing, certification", ["hoan_kiem", "da_nang"]),
        ("accreditation", []),
    ],
)
def test_kind_finds_the_sites_that_give_any_of_the_services(client, sites, kind, expected):
    assert found(get(client, kind=kind), sites) == expected


@pytest.mark.parametrize(
    ("standard", "expected"),
    [
        ("TCVN 6165:2009", ["hoan_kiem"]),
        ("tcvn6165-2009", ["hoan_kiem"]),
        ("tcvn 6165 : 2009", ["hoan_kiem"]),
        ("TCVN 6165", ["hoan_kiem"]),
        ("TCVN 6165:2017", []),  # another edition
        ("TCVN 616", []),
        ("QCVN 4:2009/BKHCN", ["saigon"]),
        ("qcvn 4 : 2009 / bkhcn", ["saigon"]),
        ("QCVN 4:2009", ["saigon"]),
        ("QCVN 4", ["saigon"]),
        ("ĐLVN 17", ["cau_giay"]),
        ("dlvn17", ["cau_giay"]),
        ("ISO/IEC 17025", ["hoan_kiem"]),  # the credential's own standard
        ("iso/iec 17065:2012", ["da_nang"]),
    ],
)
def test_standard_is_matched_however_it_is_written(client, sites, standard, expected):
    assert found(get(client, standard=standard), sites) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("kiểm định đồng hồ nước", ["cau_giay"]),
        ("kiem dinh dong ho nuoc", ["cau_giay"]),
        ("KIEM DINH DONG HO NUOC", ["cau_giay"]),
        ("dong ho nuoc", ["cau_giay", "hoan_kiem"]),  # "đóng", "Hoàn Kiếm", "nước uống"
        ("Đông Anh", ["dong_anh"]),
        ("dong anh", ["dong_anh"]),
        ("Hà Thành", ["hoan_kiem"]),
        ("ha thanh", ["hoan_kiem"]),
        ("kiem dinh", ["cau_giay"]),
        ("kiểm đinh", ["cau_giay"]),  # a diacritic missing
        ("tru ta", ["cau_giay", "saigon", "da_nang"]),  # the beginnings of words
        ("vilas 216", ["hoan_kiem"]),
        ("nuoc uong", ["hoan_kiem"]),  # a product of its scope
        ("pasteur", ["saigon"]),  # its address
        ("hai chau", ["da_nang"]),  # its commune
        ("nghia do", ["cau_giay"]),
        ("nước xyz", []),
    ],
)
def test_q_finds_words_with_or_without_diacritics(client, sites, q, expected):
    assert found(get(client, q=q), sites) == expected


@pytest.mark.parametrize(
    ("at", "status", "expected"),
    [
        (AT, "valid", ["hoan_kiem"]),
        (AT, "expiring", ["cau_giay"]),
        (AT, "expired", ["saigon"]),
        (AT, "suspended", ["da_nang"]),
        (AT, "withdrawn,not_yet_valid", []),
        ("2024-06-01", "valid", ["cau_giay", "hoan_kiem", "saigon", "da_nang"]),
        ("2024-02-01", "not_yet_valid", ["cau_giay", "hoan_kiem", "da_nang"]),
        ("2025-08-02", "expired", ["cau_giay", "saigon"]),
    ],
)
def test_status_is_computed_for_the_date_at(client, sites, at, status, expected):
    assert found(get(client, status=status, at=at), sites) == expected


@pytest.mark.parametrize("on", ["2020-01-01", "2024-06-01", AT, "2025-08-02", "2027-06-01"])
def test_each_site_shows_the_status_that_the_registry_computes_for_that_date(client, sites, on):
    features = body(get(client, at=on))["features"]
    day = date.fromisoformat(on)
    assert {f["id"]: f["properties"]["status"] for f in features} == {
        site.pk: site.status_on(day) for site in Site.objects.filter(published=True)
    }


def test_status_is_computed_for_today_without_at(client):
    today = timezone.localdate()
    valid, expiring = make_site("Trạm A"), make_site("Trạm B")
    make_credential(valid, issued_on=today - timedelta(days=10), valid_until=None)
    make_credential(expiring, issued_on=today - timedelta(days=10), valid_until=today)

    features = body(get(client, status="expiring"))["features"]

    assert [(f["id"], f["properties"]["status"]) for f in features] == [(expiring.pk, "expiring")]


@pytest.mark.parametrize(
    ("accredited", "at", "expected"),
    [
        ("true", AT, ["hoan_kiem"]),  # VILAS 007 expired, VICAS 010 suspended
        ("false", AT, ["cau_giay", "saigon", "da_nang", "dong_anh"]),
        ("true", "2024-06-01", ["hoan_kiem", "saigon", "da_nang"]),
        ("1", AT, ["hoan_kiem"]),
    ],
)
def test_accredited_means_an_accreditation_in_force_on_the_date(
    client, sites, accredited, at, expected
):
    assert found(get(client, accredited=accredited, at=at), sites) == expected


# Near me ----------------------------------------------------------------------------------------


def test_near_lists_the_nearest_first_within_50_km_with_the_distance(client, sites):
    features = body(get(client, near=HOAN_KIEM_LAKE))["features"]

    assert found(get(client, near=HOAN_KIEM_LAKE), sites) == ["hoan_kiem", "cau_giay", "dong_anh"]
    lon, lat = map(float, HOAN_KIEM_LAKE.split(","))
    for feature in features:
        there_lon, there_lat = feature["geometry"]["coordinates"]
        metres = geodesic((lat, lon), (there_lat, there_lon)).meters
        assert abs(feature["properties"]["distance_m"] - metres) <= 1


@pytest.mark.parametrize(
    ("radius_km", "expected"),
    [
        ("2", ["hoan_kiem"]),
        ("4.5", ["hoan_kiem"]),  # Cầu Giấy is 4.6 km away
        ("5", ["hoan_kiem", "cau_giay"]),
        ("700", ["hoan_kiem", "cau_giay", "dong_anh", "da_nang"]),
        ("2000", ["hoan_kiem", "cau_giay", "dong_anh", "da_nang", "saigon"]),
    ],
)
def test_radius_km_bounds_the_nearest(client, sites, radius_km, expected):
    assert found(get(client, near=HOAN_KIEM_LAKE, radius_km=radius_km), sites) == expected


def test_distances_grow_down_every_page_and_match_the_geodesic_within_a_metre(client):
    organisation = make_organisation()
    for n in range(23):  # on a spiral, 47° and 700 m further at each turn
        there = geodesic(meters=300 + 700 * n).destination((21.0, 105.8), 47 * n)
        make_site(
            f"Trạm {n}",
            organisation=organisation,
            location=Point(there.longitude, there.latitude, srid=4326),
        )

    features = all_pages(client, {"near": "105.8,21.0", "limit": 5})

    distances = [f["properties"]["distance_m"] for f in features]
    assert len(features) == 23 and distances == sorted(distances)
    for feature, distance in zip(features, distances, strict=True):
        lon, lat = feature["geometry"]["coordinates"]
        assert abs(distance - geodesic((21.0, 105.8), (lat, lon)).meters) <= 1


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_the_nearest_are_in_order_on_the_ellipsoid_where_the_sphere_differs(client, limit):
    """10,000 m due north is nearer than 10,030 m due east on the ellipsoid, but farther on the
    sphere that the spatial index orders by (10,043 m against 10,014 m)."""
    for name, metres, bearing in [("Bắc", 10_000, 0), ("Đông", 10_030, 90)]:
        there = geodesic(meters=metres).destination((21.0, 105.8), bearing)
        make_site(name, location=Point(there.longitude, there.latitude, srid=4326))

    features = all_pages(client, {"near": "105.8,21.0", "limit": limit})

    assert [(f["properties"]["name"], f["properties"]["distance_m"]) for f in features] == [
        ("Bắc", 10_000),
        ("Đông", 10_030),
    ]


@pytest.mark.parametrize("kind", ["verification", "accreditation"])
def test_the_nearest_of_one_kind_are_walked_in_that_kinds_own_index(client, sites, kind):
    """However rare the kind around the point: the index of all sites would walk every other
    kind's nearer sites first."""
    with CaptureQueriesContext(connection) as queries:
        get(client, near=HOAN_KIEM_LAKE, kind=kind, limit=10)
    (nearest,) = [q["sql"] for q in queries.captured_queries if "distance_m" in q["sql"]]
    with connection.cursor() as cursor:
        # The statistics of these five sites, not of what earlier tests left (rolled back too).
        cursor.execute("ANALYZE layers_siteindex")
        cursor.execute("SET LOCAL enable_seqscan = off")  # five sites: a scan would be cheaper
        cursor.execute(f"EXPLAIN {nearest}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert plan.count(f"site_index_nearest_{kind}") == 2  # the bound, then the page


def test_without_near_no_feature_has_a_distance(client, sites):
    features = body(get(client))["features"]
    assert all("distance_m" not in f["properties"] for f in features)


# Synchronising: updated_since -------------------------------------------------------------------


def test_updated_since_lists_the_changed_sites_and_those_that_left(client, sites):
    sites["cau_giay"].published = False
    sites["cau_giay"].save()
    sites["hidden"].delete()  # never published: nothing to say
    RemovedSite.objects.create(site_id=10**9, removed_at=LONG_AGO)  # left before `since`

    response = get(client, updated_since="2021-01-01T00:00:00+07:00")

    assert found(response, sites) == ["hoan_kiem", "da_nang"]
    assert body(response)["removed"] == [sites["cau_giay"].pk]


def test_without_updated_since_the_list_has_no_removed_member(client, sites):
    assert "removed" not in body(get(client))


def test_updated_since_in_the_future_lists_nothing(client, sites):
    answer = body(get(client, updated_since="2100-01-01T00:00:00Z"))
    assert (answer["features"], answer["removed"]) == ([], [])


# Pagination -------------------------------------------------------------------------------------


def all_pages(client, params) -> list[dict]:
    """Every feature, following the `next` links from the first page."""
    features, pages = [], 0
    response = get(client, **params)
    while True:
        page = body(response)
        assert page["numberReturned"] == len(page["features"]) <= int(params["limit"])
        features += page["features"]
        pages += 1
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not following:
            return features
        assert pages < 100
        response = client.get(following[0], HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def many_sites():
    organisation = make_organisation()
    return [
        make_site(f"Trạm {n}", organisation=organisation, location=Point(105.8, 21.0 + n / 1000))
        for n in range(12)
    ]


@pytest.mark.parametrize("limit", [1, 5, 11, 12, 13])
def test_next_links_walk_every_site_once_in_a_stable_order(client, many_sites, limit):
    features = all_pages(client, {"limit": limit})

    assert [f["id"] for f in features] == sorted(s.pk for s in many_sites)


def test_the_last_page_has_no_next_link_and_a_page_past_the_end_is_empty(client, many_sites):
    last = body(get(client, limit=5, offset=10))
    beyond = body(get(client, limit=5, offset=50))

    assert ([f["id"] for f in last["features"]], last["numberReturned"]) == (
        [s.pk for s in many_sites[10:]],
        2,
    )
    assert [link["rel"] for link in last["links"]] == ["self"]
    assert (beyond["features"], beyond["numberReturned"]) == ([], 0)


def test_next_link_keeps_the_filters_and_moves_the_offset(client, many_sites):
    page = body(get(client, limit=3, offset=3, kind="verification", q="tram"))

    (following,) = [link["href"] for link in page["links"] if link["rel"] == "next"]
    assert following.startswith("http://testserver/api/v1/sites/?")
    assert sorted(following.split("?")[1].split("&")) == [
        "kind=verification",
        "limit=3",
        "offset=6",
        "q=tram",
    ]


def test_the_default_page_is_500_sites_and_the_cap_is_5000(client):
    organisation, place = make_organisation(), province()
    Site.objects.bulk_create(
        Site(organisation=organisation, name=f"Trạm {n}", kinds=["testing"], address="Hà Nội",
             province=place, location=Point(105.8, 21.0), location_method="surveyed",
             published=True)
        for n in range(501)
    )  # fmt: skip
    refresh_site_index()  # bulk_create sends no signal

    first, whole = body(get(client)), body(get(client, limit=5000))

    assert (first["numberReturned"], whole["numberReturned"]) == (500, 501)
    (following,) = [link["href"] for link in first["links"] if link["rel"] == "next"]
    assert following.endswith("?offset=500&limit=500")
    assert get(client, limit=5001).json() == {
        "limit": ["Ensure this value is less than or equal to 5000."]
    }


def test_pages_of_the_nearest_follow_one_another_without_repeating(client, many_sites):
    features = all_pages(client, {"near": "105.8,21.0", "limit": 4})

    assert [f["id"] for f in features] == [s.pk for s in many_sites]


# One site -----------------------------------------------------------------------------------------


def site_url(site_or_id):
    return reverse("layers:site", args=[getattr(site_or_id, "pk", site_or_id)])


def document(credential, title, public=True):
    return Document.objects.create(
        kind="certificate",
        title=title,
        number=f"{title}/2024",
        issued_on=date(2024, 3, 1),
        file=ContentFile(b"%PDF-1.4 " + title.encode(), name="scan.pdf"),
        organisation=credential.organisation,
        credential=credential,
        public=public,
    )


def test_a_site_has_its_credentials_with_their_status_scope_and_public_documents(client, sites):
    vilas = sites["hoan_kiem"].credentials.get()
    shown = document(vilas, "Chứng chỉ VILAS 216")
    document(vilas, "Biên bản đánh giá", public=False)

    feature = body(get(client, site_url(sites["hoan_kiem"]), at=AT))

    assert (feature["type"], feature["id"], feature["geometry"]) == (
        "Feature",
        sites["hoan_kiem"].pk,
        {"type": "Point", "coordinates": [105.852, 21.0285]},
    )
    properties = feature["properties"]
    assert (properties["name"], properties["organisation"], properties["status"]) == (
        "Phòng thử nghiệm Hà Thành",
        "Công ty Thử nghiệm Hà Thành",
        "valid",
    )
    (credential,) = properties["credentials"]
    assert (credential["number"], credential["scheme"]["code"], credential["status"]) == (
        "VILAS 216",
        "vilas",
        "valid",
    )
    assert (credential["issued_on"], credential["valid_until"], credential["standard"]) == (
        "2024-03-01",
        "2027-02-28",
        "ISO/IEC 17025",
    )
    assert [
        (s["field"]["code"], s["product"], s["method_reference"]) for s in credential["scope"]
    ] == [("chemical", "Nước uống đóng chai", "TCVN 6165:2009")]
    assert [(d["id"], d["title"]) for d in credential["documents"]] == [
        (shown.pk, "Chứng chỉ VILAS 216")
    ]
    assert credential["documents"][0]["url"] == f"http://testserver/api/v1/documents/{shown.pk}/"


def test_a_credential_in_the_detail_has_its_status_and_events_on_the_date_at(client, sites):
    url = site_url(sites["da_nang"])

    before = body(get(client, url, at="2025-04-30"))["properties"]["credentials"][0]
    after = body(get(client, url, at=AT))["properties"]["credentials"][0]

    assert (before["status"], after["status"]) == ("valid", "suspended")
    assert after["events"] == [
        {"kind": "suspended", "effective_on": "2025-05-01", "reason": "", "decision_number": ""}
    ]


def test_a_site_has_directions_links_to_its_point(client, sites):
    directions = body(get(client, site_url(sites["hoan_kiem"])))["properties"]["directions"]

    assert directions == {
        "openstreetmap": "https://www.openstreetmap.org/directions?route=%3B21.028500%2C105.852000",
        "google_maps": "https://www.google.com/maps/dir/?api=1&destination=21.028500,105.852000",
        "geo_uri": "geo:21.028500,105.852000",
    }


def test_a_site_without_credentials_has_none_and_no_status(client, sites):
    properties = body(get(client, site_url(sites["dong_anh"])))["properties"]
    assert (properties["credentials"], properties["status"]) == ([], None)


@pytest.mark.parametrize("which", ["hidden", "unknown"])
def test_an_unpublished_or_unknown_site_is_a_404(client, sites, which):
    site_id = sites["hidden"].pk if which == "hidden" else 10**9

    response = get(client, site_url(site_id))

    assert (response.status_code, response.json()) == (
        404,
        {"detail": "No published site has this number."},
    )


def test_a_site_unpublished_after_a_first_visit_is_a_404(client, sites):
    url = site_url(sites["cau_giay"])
    assert get(client, url).status_code == 200

    sites["cau_giay"].published = False
    sites["cau_giay"].save()

    assert get(client, url).status_code == 404


def test_the_detail_checks_its_date(client, sites):
    response = get(client, site_url(sites["cau_giay"]), at="2025-02-30")
    assert (response.status_code, list(response.json())) == (400, ["at"])


# Query count ------------------------------------------------------------------------------------


def more_sites(count, credentials_each=2):
    """Published sites with credentials, scope lines, events and documents."""
    organisation = make_organisation("Trung tâm phụ")
    for n in range(count):
        site = make_site(f"Trạm phụ {n}", organisation=organisation, kinds=["testing"])
        for m in range(credentials_each):
            credential = make_credential(site, number=f"VILAS {n}-{m}")
            scope(credential, "chemical", method="TCVN 6165:2009")
            scope(credential, "volume-flow", "water-meter")
            CredentialEvent.objects.create(credential=credential, kind="suspended", effective_on=ON)
            document(credential, f"Quyết định {n}-{m}")


# The savepoint and the statement timeout that wrap each request are not reads of data.
_WRAPPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "SELECT set_config(")


def reads_of(client, url, **params) -> list[str]:
    """The SQL statements that answering the request ran, on an empty response cache."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        body(get(client, url, **params))
    return [q["sql"] for q in queries if not q["sql"].lstrip().startswith(_WRAPPING)]


LIST_QUERIES = [
    ({}, 2),
    ({"near": HOAN_KIEM_LAKE, "radius_km": "2000"}, 2),
    ({"kind": "testing", "scheme": "vilas", "q": "tram", "at": AT, "status": "valid"}, 3),
    ({"field": "chemical", "instrument": "water-meter", "province": "01", "commune": "00160"}, 6),
    ({"updated_since": "2021-01-01T00:00:00Z"}, 3),  # and the sites that left
]


@pytest.mark.parametrize(("params", "count"), LIST_QUERIES)
def test_a_list_costs_the_same_queries_whatever_the_number_of_sites(client, sites, params, count):
    """The registry version, one query per vocabulary that checks the parameters, one for the
    features."""
    few = reads_of(client, SITES, **params)
    more_sites(15)

    assert len(few) == len(reads_of(client, SITES, **params)) == count, few


def test_a_detail_costs_the_same_queries_whatever_the_number_of_credentials(client, sites):
    lone = reads_of(client, site_url(sites["hoan_kiem"]))
    more_sites(1, credentials_each=6)
    crowded = Site.objects.get(name="Trạm phụ 0")

    assert len(reads_of(client, site_url(crowded))) == len(lone) == 8, lone
    properties = body(get(client, site_url(crowded)))["properties"]
    assert len(properties["credentials"]) == 6
    assert {
        len(c["scope"]) + len(c["events"]) + len(c["documents"]) for c in properties["credentials"]
    } == {4}


# ETag, Cache-Control, gzip ----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["list", "detail"])
def test_a_repeated_request_with_its_etag_is_a_304_without_a_body(client, sites, url):
    url = SITES if url == "list" else site_url(sites["cau_giay"])
    first = get(client, url)

    again = client.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=first["ETag"])

    assert (first.status_code, again.status_code, again.content) == (200, 304, b"")
    assert again["ETag"] == first["ETag"]


def test_the_weak_etag_that_gzip_makes_is_honoured(client, sites):
    first = client.get(SITES, HTTP_ACCEPT_ENCODING="gzip")
    assert first["ETag"].startswith('W/"')

    again = client.get(SITES, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def test_an_edit_changes_the_etag_and_the_answer(client, sites):
    first = get(client)

    sites["hoan_kiem"].name = "Phòng thử nghiệm Hà Thành mới"
    sites["hoan_kiem"].save()
    again = client.get(SITES, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    names = [f["properties"]["name"] for f in body(again)["features"]]
    assert "Phòng thử nghiệm Hà Thành mới" in names


def test_a_version_number_that_comes_round_again_brings_no_old_answer_back(client, sites):
    first = get(client)
    number = RegistryVersion.objects.get().number
    RegistryVersion.objects.update(number=number - 1)  # as in a database restored from a backup

    sites["hoan_kiem"].name = "Phòng thử nghiệm Hà Thành mới"
    sites["hoan_kiem"].save()
    again = client.get(SITES, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=first["ETag"])

    assert RegistryVersion.objects.get().number == number
    assert "Phòng thử nghiệm Hà Thành mới" in [
        f["properties"]["name"] for f in body(again)["features"]
    ]
    assert "Phòng thử nghiệm Hà Thành mới" in get(client).content.decode()


def test_a_status_event_changes_the_etag(client, sites):
    first = get(client, status="valid", at=AT)

    CredentialEvent.objects.create(
        credential=sites["hoan_kiem"].credentials.get(), kind="withdrawn", effective_on=ON
    )
    again = client.get(
        SITES,
        {"status": "valid", "at": AT},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_IF_NONE_MATCH=first["ETag"],
    )

    assert found(first, sites) == ["hoan_kiem"] and found(again, sites) == []


def test_other_parameters_or_languages_have_other_etags(client, sites):
    tags = {
        get(client)["ETag"],
        get(client, kind="testing")["ETag"],
        get(client, language="vi")["ETag"],
        get(client, site_url(sites["cau_giay"]))["ETag"],
    }
    assert len(tags) == 4


def test_a_repeated_request_is_served_from_the_cache_with_one_query(
    client, sites, django_assert_num_queries
):
    first = get(client, q="trung tam")

    with django_assert_num_queries(1):  # the registry version, nothing else
        again = get(client, q="trung tam")

    assert (again.content, again["ETag"]) == (first.content, first["ETag"])


def test_published_answers_may_be_kept_by_any_cache_for_a_minute(client, sites):
    response = get(client)

    assert set(response["Cache-Control"].split(", ")) == {
        "public", "max-age=60", "s-maxage=60", "stale-while-revalidate=30"
    }  # fmt: skip
    assert {"accept", "accept-language"} <= {v.strip().lower() for v in response["Vary"].split(",")}
    assert response["Content-Type"] == "application/geo+json"


@pytest.mark.parametrize("url", ["list", "detail"])
def test_answers_are_gzipped_for_a_client_that_accepts_it(client, sites, url, monkeypatch):
    url = SITES if url == "list" else site_url(sites["cau_giay"])
    # Each encoding is made by a request of its own, with the time it was made in it: one moment.
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    plain = get(client, url)

    zipped = client.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_ACCEPT_ENCODING="gzip")

    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert "Content-Encoding" not in plain


# Bad input --------------------------------------------------------------------------------------

BBOX_SHAPE = (
    "bbox is four numbers: west,south,east,north in degrees (WGS 84), e.g. 105.7,20.9,106.0,21.1."
)
BBOX_RANGE = (
    "bbox must lie within longitude -180 to 180 and latitude -90 to 90, with west not greater "
    "than east and south not greater than north."
)
NEAR_SHAPE = "near is a point: longitude,latitude in degrees (WGS 84), e.g. 105.84,21.03."
NEAR_RANGE = "near must have a longitude from -180 to 180 and a latitude from -90 to 90."


TOO_FAR = "Ensure this value is less than or equal to 2000."
TOO_NEAR = "Ensure this value is greater than or equal to 0.01."
NOT_A_NUMBER = "A valid number is required."
NOT_A_DATE = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."


def unknown(what, codes):
    return f"Unknown {what}: {codes}. The known values are listed at /api/v1/vocabularies/."


BAD = [
    ({"bbox": "nan,20,106,21"}, "bbox", BBOX_SHAPE),
    ({"bbox": "105,20,inf,21"}, "bbox", BBOX_SHAPE),
    ({"bbox": "1e999,20,106,21"}, "bbox", BBOX_SHAPE),
    ({"bbox": "105,20,106"}, "bbox", BBOX_SHAPE),
    ({"bbox": "105,20,106,21,22"}, "bbox", BBOX_SHAPE),
    ({"bbox": "a,b,c,d"}, "bbox", BBOX_SHAPE),
    ({"bbox": ""}, "bbox", None),
    ({"bbox": "-200,20,106,21"}, "bbox", BBOX_RANGE),
    ({"bbox": "105,-91,106,21"}, "bbox", BBOX_RANGE),
    ({"bbox": "106,20,105,21"}, "bbox", BBOX_RANGE),  # west > east
    ({"bbox": "105,22,106,21"}, "bbox", BBOX_RANGE),  # south > north
    ({"near": "nan,21"}, "near", NEAR_SHAPE),
    ({"near": "105,inf"}, "near", NEAR_SHAPE),
    ({"near": "1e999,21"}, "near", NEAR_SHAPE),
    ({"near": "105"}, "near", NEAR_SHAPE),
    ({"near": "21,181"}, "near", NEAR_RANGE),
    ({"near": "105,21", "radius_km": "1e9"}, "radius_km", TOO_FAR),
    ({"near": "105,21", "radius_km": "1000000"}, "radius_km", TOO_FAR),
    ({"near": "105,21", "radius_km": "1e999"}, "radius_km", TOO_FAR),
    ({"near": "105,21", "radius_km": "nan"}, "radius_km", NOT_A_NUMBER),
    ({"near": "105,21", "radius_km": "-5"}, "radius_km", TOO_NEAR),
    ({"near": "105,21", "radius_km": "abc"}, "radius_km", NOT_A_NUMBER),
    ({"radius_km": "10"}, "radius_km", "radius_km needs near=lon,lat."),
    ({"kind": "unknown"}, "kind", unknown("service kind", "unknown")),
    ({"kind": "testing,yoga,alchemy"}, "kind", unknown("service kind", "alchemy, yoga")),
    ({"kind": ",".join(f"k{n}" for n in range(51))}, "kind", "At most 50 values, please."),
    ({"field": "astrology"}, "field", unknown("field", "astrology")),
    ({"instrument": "sundial"}, "instrument", unknown("measuring-instrument type", "sundial")),
    ({"province": "99"}, "province", unknown("province", "99")),
    ({"province": "00160"}, "province", unknown("province", "00160")),  # a commune
    ({"commune": "01"}, "commune", unknown("commune", "01")),  # a province
    ({"scheme": "ukas"}, "scheme", unknown("scheme", "ukas")),
    ({"status": "great"}, "status", unknown("status", "great")),
    ({"status": "reinstated"}, "status", unknown("status", "reinstated")),  # an event
    ({"q": "x" * 10_000}, "q", "Ensure this field has no more than 200 characters."),
    ({"standard": "T" * 101}, "standard", "Ensure this field has no more than 100 characters."),
    ({"at": "2025-13-45"}, "at", NOT_A_DATE),
    ({"at": "2025-02-30"}, "at", NOT_A_DATE),
    ({"at": "yesterday"}, "at", NOT_A_DATE),
    ({"accredited": "maybe"}, "accredited", "Must be a valid boolean."),
    ({"accredited": ""}, "accredited", "Must be a valid boolean."),
    ({"updated_since": "2025-13-01T00:00:00Z"}, "updated_since", None),
    ({"updated_since": "9999-12-31T23:59-12:00"}, "updated_since", "Datetime value out of range."),
    ({"limit": "0"}, "limit", "Ensure this value is greater than or equal to 1."),
    ({"limit": "-1"}, "limit", "Ensure this value is greater than or equal to 1."),
    ({"limit": "100000"}, "limit", "Ensure this value is less than or equal to 5000."),
    ({"limit": "abc"}, "limit", "A valid integer is required."),
    ({"limit": "1e3"}, "limit", "A valid integer is required."),
    ({"offset": "-1"}, "offset", "Ensure this value is greater than or equal to 0."),
    ({"offset": "99999999999999999999"}, "offset", None),
]  # fmt: skip


@pytest.mark.parametrize(("params", "name", "message"), BAD, ids=[str(p)[:60] for p, *_ in BAD])
def test_bad_input_is_a_400_that_names_the_parameter_in_english(client, params, name, message):
    response = get(client, **params)

    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [name]
    if message:
        assert errors[name] == [message]


@pytest.mark.parametrize(("params", "name", "message"), BAD[::6])
def test_bad_input_is_explained_in_vietnamese_by_default(client, params, name, message):
    response = client.get(SITES, params)

    assert (response.status_code, list(response.json()), response["Content-Language"]) == (
        400,
        [name],
        "vi",
    )


def test_bad_input_on_the_detail_is_a_400_too(client, sites):
    response = get(client, site_url(sites["cau_giay"]), bbox="nan,1,2,3")
    assert (response.status_code, response.json()) == (400, {"bbox": [BBOX_SHAPE]})


SQL = ["1;DROP TABLE layers_siteindex", "' OR 1=1 --", "1) OR (1=1", "'; SELECT pg_sleep(10); --"]
CHECKED = [
    "bbox", "near", "kind", "field", "instrument", "province", "commune", "scheme", "status",
    "at", "accredited", "updated_since", "limit", "offset",
]  # fmt: skip


@pytest.mark.parametrize("sql", SQL)
@pytest.mark.parametrize("name", CHECKED)
def test_sql_in_a_checked_parameter_is_a_400_that_names_it(client, name, sql):
    response = get(client, **{name: sql})

    assert (response.status_code, list(response.json())) == (400, [name])


@pytest.mark.parametrize("sql", SQL)
def test_sql_in_radius_km_is_a_400_that_names_it(client, sql):
    response = get(client, near=HOAN_KIEM_LAKE, radius_km=sql)

    assert (response.status_code, list(response.json())) == (400, ["radius_km"])


@pytest.mark.parametrize("sql", SQL)
@pytest.mark.parametrize("name", ["q", "standard"])
def test_sql_in_free_text_is_only_text_to_look_for(client, sites, name, sql):
    answer = body(get(client, **{name: sql}))

    assert answer["features"] == []
    assert SiteIndex.objects.filter(published=True).count() == 5


def test_sql_in_a_site_number_is_not_found(client, sites):
    assert client.get(f"{SITES}1;DROP%20TABLE%20x/").status_code == 404
