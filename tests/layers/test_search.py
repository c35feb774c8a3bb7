"""/api/v1/search/: suggestions across sites, organisations, places (current and legacy),
standards, measuring-instrument types and fields; with and without diacritics, with typos,
ranked and mixed, with what the map needs; bad input; and the search entries that PostgreSQL
keeps equal to the registry (layers.SearchEntry)."""

import json

import jsonschema
import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from geodata.models import AdministrativeUnit, Field, InstrumentType, ScopeItem
from geodata.signals import registry_changed
from geodata.text import words
from layers import schemas
from layers import search as search_module
from layers.models import SearchEntry
from layers.search import SQL, query_parameters, suggestions
from tests.factories import make_credential, make_organisation, make_site, province

pytestmark = pytest.mark.django_db

SEARCH = reverse("layers:search")
CAU_GIAY_WARD = "00166"
VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def unit(level, code, current=True):
    return AdministrativeUnit.objects.get(level=level, current=current, code=code)


def scope(credential, instrument=None, field=None, method=""):
    return ScopeItem.objects.create(
        credential=credential,
        instrument_type=instrument and InstrumentType.objects.get(code=instrument),
        field=field and Field.objects.get(code=field),
        method=method,
    )


@pytest.fixture
def registry():
    centre = make_organisation("Trung tâm Kiểm định Đo lường Hà Nội", name_en="Ha Noi Centre")
    station = make_site(
        "Trạm kiểm định đồng hồ nước Cầu Giấy",
        organisation=centre,
        commune=unit("commune", CAU_GIAY_WARD),
        location=Point(105.79, 21.03, srid=4326),
    )
    credential = make_credential(station, number="01/QĐ-TĐC", scheme="cd-pt-nhom-2")
    scope(credential, "water-meter", "volume-flow", method="QCVN 4:2009/BKHCN")
    scope(credential, method="TCVN 6165:2009")

    kim_quang = make_organisation("Công ty TNHH Thí nghiệm Điện Kim Quang")
    saigon = make_site(
        "Phòng thí nghiệm Kim Quang Sài Gòn",
        organisation=kim_quang,
        province=province("79"),
        location=Point(106.70, 10.78, srid=4326),
    )
    da_nang = make_site(
        "Phòng thí nghiệm Kim Quang Đà Nẵng",
        organisation=kim_quang,
        province=province("48"),
        location=Point(108.22, 16.07, srid=4326),
    )

    hidden = make_site(
        "Trạm bí mật Cầu Giấy",
        organisation=make_organisation("Công ty Chưa Công Bố"),
        location=Point(105.79, 21.03, srid=4326),
        published=False,
    )
    scope(make_credential(hidden), method="TCVN 9999:2020")
    return {"station": station, "centre": centre, "saigon": saigon, "da_nang": da_nang,
            "kim_quang": kim_quang, "hidden": hidden}  # fmt: skip


def search(client, q, **params):
    response = client.get(SEARCH, {"q": q, **params}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    found = json.loads(response.content)
    jsonschema.validate(found, schemas.SEARCH)
    return found["suggestions"]


def labels(found, kind=None):
    return [s["label"] for s in found if kind is None or s["type"] == kind]


def one(found, kind, label):
    matching = [s for s in found if s["type"] == kind and s["label"] == label]
    assert len(matching) == 1, labels(found)
    return matching[0]


# Matching ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["kiem dinh dong ho nuoc", "kiểm định đồng hồ nước", "KIỂM ĐỊNH ĐỒNG HỒ NƯỚC"]
)
def test_a_site_is_found_with_or_without_diacritics(client, registry, q):
    site = one(search(client, q), "site", "Trạm kiểm định đồng hồ nước Cầu Giấy")

    assert site["id"] == registry["station"].pk
    assert site["point"] == [105.79, 21.03]
    assert site["detail"] == "Cầu Giấy, Hà Nội"


def test_d_with_a_stroke_is_found_as_d(client, registry):
    assert "Trung tâm Kiểm định Đo lường Hà Nội" in labels(
        search(client, "trung tam kiem dinh do luong"), "organisation"
    )


def test_an_organisation_frames_its_published_sites(client, registry):
    found = one(
        search(client, "Kim Quang"), "organisation", "Công ty TNHH Thí nghiệm Điện Kim Quang"
    )

    assert found["id"] == registry["kim_quang"].pk
    assert found["sites"] == 2
    assert found["bbox"] == [106.70, 10.78, 108.22, 16.07]
    assert found["detail"] == "2 sites · Hồ Chí Minh, Đà Nẵng"


def test_an_organisation_is_found_by_its_english_name(client, registry):
    assert labels(search(client, "ha noi centre"), "organisation") == [
        "Trung tâm Kiểm định Đo lường Hà Nội"
    ]


def test_unpublished_sites_and_organisations_are_not_suggested(client, registry):
    found = search(client, "bi mat cau giay")

    assert "Trạm bí mật Cầu Giấy" not in labels(found)
    assert "Công ty Chưa Công Bố" not in labels(found)


def test_cau_giay_finds_the_current_ward_and_the_former_district(client, registry):
    found = search(client, "Cau Giay")

    assert labels(found)[:2] == ["Phường Cầu Giấy", "Quận Cầu Giấy"]
    ward, district = found[:2]
    assert (ward["type"], ward["code"], ward["level"], ward["current"]) == (
        "place", CAU_GIAY_WARD, "commune", True,
    )  # fmt: skip
    assert ward["filter"] == {"commune": CAU_GIAY_WARD}
    assert ward["detail"] == "Thành phố Hà Nội"
    assert (district["level"], district["current"]) == ("district", False)
    assert district["detail"].startswith("Thành phố Hà Nội · before 1/7/2025 → now ")


def test_a_place_centres_the_map_on_its_current_unit(client, registry):
    ward = one(search(client, "Cau Giay"), "place", "Phường Cầu Giấy")
    unit_ = unit("commune", CAU_GIAY_WARD)

    west, south, east, north = unit_.boundary.extent
    assert ward["bbox"] == pytest.approx([west, south, east, north], abs=1e-6)
    assert ward["point"] == pytest.approx([unit_.point.x, unit_.point.y], abs=1e-6)


def test_a_former_district_centres_the_map_on_the_communes_it_became(client, registry):
    district = one(search(client, "Cau Giay"), "place", "Quận Cầu Giấy")
    now = AdministrativeUnit.objects.filter(
        current=True, code__in=district["filter"]["commune"].split(",")
    )

    assert CAU_GIAY_WARD in district["filter"]["commune"].split(",")
    west, south, east, north = district["bbox"]
    for commune in now:
        w, s, e, n = commune.boundary.extent
        assert west <= w and south <= s and e <= east and n <= north
    assert west <= district["point"][0] <= east and south <= district["point"][1] <= north


def test_a_former_province_leads_to_the_province_it_became(client, registry):
    ha_giang = one(search(client, "Ha Giang"), "place", "Tỉnh Hà Giang")
    tuyen_quang = unit("province", "08")

    assert ha_giang["current"] is False
    assert ha_giang["filter"] == {"province": "08"}
    assert ha_giang["detail"] == "before 1/7/2025 → now Tỉnh Tuyên Quang"
    assert ha_giang["bbox"] == pytest.approx(list(tuyen_quang.boundary.extent), abs=1e-6)


def test_a_former_unit_that_only_repeats_a_current_one_is_left_out(client, registry):
    found = search(client, "Thanh pho Ha Noi")

    assert [(s["label"], s["current"]) for s in found if s["label"] == "Thành phố Hà Nội"] == [
        ("Thành phố Hà Nội", True)
    ]


@pytest.mark.parametrize(
    ("q", "kind", "label"),
    [
        ("Cau Giy", "place", "Phường Cầu Giấy"),
        ("Tuyen Quagn", "place", "Tỉnh Tuyên Quang"),
        ("kim quangg", "organisation", "Công ty TNHH Thí nghiệm Điện Kim Quang"),
        ("thi nghiem dien kim quag", "site", "Phòng thí nghiệm Kim Quang Sài Gòn"),
        ("dong ho nuocc", "instrument", "Đồng hồ nước lạnh"),
    ],
)
def test_a_typo_is_tolerated(client, registry, q, kind, label):
    assert label in labels(search(client, q), kind)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("tcvn 6165", "TCVN 6165:2009"),
        ("TCVN6165-2009", "TCVN 6165:2009"),
        ("qcvn4:2009", "QCVN 4:2009/BKHCN"),
        ("QCVN 4 : 2009 / bkhcn", "QCVN 4:2009/BKHCN"),
        ("qcvn 4 2009 bkhcn", "QCVN 4:2009/BKHCN"),
    ],
)
def test_a_standard_is_found_however_it_is_written(client, registry, q, expected):
    assert expected in labels(search(client, q), "standard")


def test_a_standard_gives_its_filter_and_how_many_sites_hold_it(client, registry):
    standard = one(search(client, "qcvn 4"), "standard", "QCVN 4:2009/BKHCN")

    assert standard["code"] == "QCVN 4:2009/BKHCN"
    assert standard["sites"] == 1
    assert standard["detail"] == "held by 1 published site"
    sites = client.get(reverse("layers:sites"), standard["filter"])
    assert [f["id"] for f in json.loads(sites.content)["features"]] == [registry["station"].pk]


def test_a_standard_held_only_by_unpublished_sites_is_not_suggested(client, registry):
    assert labels(search(client, "tcvn 9999"), "standard") == []


def test_an_instrument_type_gives_its_code_for_the_filter(client, registry):
    meter = one(search(client, "dong ho nuoc"), "instrument", "Đồng hồ nước lạnh")

    assert meter == {
        "type": "instrument",
        "code": "water-meter",
        "label": "Đồng hồ nước lạnh",
        "label_en": "Cold-water meter",
        "detail": "Measuring-instrument type",
        "filter": {"instrument": "water-meter"},
    }


def test_an_instrument_type_is_found_by_its_english_name(client, registry):
    assert labels(search(client, "water meter"), "instrument")[0] == "Đồng hồ nước lạnh"


def test_an_instrument_named_inside_a_longer_query_is_suggested(client, registry):
    assert "Đồng hồ nước lạnh" in labels(search(client, "kiem dinh dong ho nuoc"), "instrument")


def test_a_field_gives_its_code_for_the_filter(client, registry):
    field = one(search(client, "do luong ap suat"), "field", "Đo lường: Áp suất")

    assert (field["code"], field["filter"], field["label_en"]) == (
        "pressure", {"field": "pressure"}, "Metrology: pressure",
    )  # fmt: skip


def test_sql_in_the_query_is_only_text(client, registry):
    assert search(client, "'; DROP TABLE layers_searchentry; --") == []
    assert SearchEntry.objects.filter(kind="site").exists()


# Ranking and mixing ---------------------------------------------------------------------------


def test_the_exact_name_comes_before_names_that_begin_with_it(client, registry):
    assert labels(search(client, "tcvn 6165"), "standard")[:2] == ["TCVN 6165", "TCVN 6165:2009"]


def test_a_province_comes_before_communes_that_begin_alike(client, registry):
    assert labels(search(client, "ha"))[0] == "Thành phố Hà Nội"


def test_no_kind_takes_more_than_half_while_others_match(client, registry):
    for n in range(12):
        make_site(f"Trạm cân Cầu Giấy {n}", commune=unit("commune", CAU_GIAY_WARD))

    found = search(client, "cau giay")

    kinds = [s["type"] for s in found]
    assert len(found) == 10
    assert kinds.count("site") == 5 and kinds.count("place") == 5


def test_one_kind_fills_the_suggestions_when_nothing_else_matches(client, registry):
    found = search(client, "tuyen quang", limit=4)

    assert [s["type"] for s in found] == ["place"] * 4


@pytest.mark.parametrize(("limit", "count"), [(None, 10), (1, 1), (19, 19)])
def test_the_limit_caps_the_suggestions(client, registry, limit, count):
    params = {} if limit is None else {"limit": limit}

    assert len(search(client, "phuong", **params)) == count


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "?!…"}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "ha", "limit": "0"}, "limit"),
        ({"q": "ha", "limit": "20"}, "limit"),
        ({"q": "ha", "limit": "ten"}, "limit"),
    ],
)
def test_bad_input_is_a_400_that_names_the_parameter(client, params, field):
    response = client.get(SEARCH, params, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert list(json.loads(response.content)) == [field]


def test_a_query_without_letters_or_digits_says_so(client):
    response = client.get(SEARCH, {"q": "?!"}, HTTP_ACCEPT_LANGUAGE="en")

    assert json.loads(response.content) == {"q": ["Type at least one letter or digit."]}


def test_a_query_of_200_characters_is_answered(client, registry):
    assert "Trạm kiểm định đồng hồ nước Cầu Giấy" in labels(search(client, "kiem dinh " * 20))


# Responses ------------------------------------------------------------------------------------


def test_a_repeated_request_with_its_etag_is_a_304(client, registry):
    first = client.get(SEARCH, {"q": "cau giay"})
    again = client.get(SEARCH, {"q": "cau giay"}, HTTP_IF_NONE_MATCH=first["ETag"])

    assert (first.status_code, again.status_code) == (200, 304)


def test_the_suggestions_cost_the_same_two_statements_however_many(
    registry, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the planner setting, the query
        many = suggestions("phuong", 19)
    with django_assert_num_queries(2):
        few = suggestions("tcvn 6165", 19)

    assert (len(many), len(few)) == (19, 2)


def test_a_common_query_is_answered_from_the_first_sites_without_the_index(registry):
    organisation = make_organisation("Công ty Đo lường Phú Thọ")
    for number in range(12):
        make_site(f"Trạm kiểm định số {number}", organisation)

    (matching,) = [
        n for n in _plan("kiem dinh") if n.get("Subplan Name") == "CTE site_worded_matching"
    ]

    assert matching["Actual Loops"] == 0  # never run: the first sites held enough
    assert len(labels(suggestions("kiem dinh", 19), "site")) >= 10


def test_a_site_past_the_first_ones_is_found_through_the_index(registry, monkeypatch):
    # No entry sampled (ids are text in `ref`: which come first depends on their digits).
    monkeypatch.setattr(search_module, "SAMPLE", 0)

    assert "Phòng thí nghiệm Kim Quang Đà Nẵng" in labels(suggestions("kim quang da nang"))
    assert "Phòng thí nghiệm Kim Quang Đà Nẵng" in labels(suggestions("kim quangg da nang"))


def _plan(text: str) -> list[dict]:
    """The nodes of the suggestions' plan for `text`, as run."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {SQL}", query_parameters(text, 10))
        (plan,) = cursor.fetchone()[0]
    return list(_nodes(plan["Plan"]))


def _nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def test_the_openapi_document_describes_the_search(client):
    document = client.get(reverse("schema"), {"format": "json"})

    operation = json.loads(document.content)["paths"]["/api/v1/search/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "limit"}


# The search entries follow the registry -------------------------------------------------------


def entries():
    return sorted(
        SearchEntry.objects.values_list(
            "kind", "ref", "label", "label_en", "context", "name_key", "key", "weight", "sites"
        )
    )


def rebuilt():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM layers_searchentry; SELECT layers_rebuild_search_entries()")
    return entries()


def test_the_entries_are_those_a_rebuild_makes_after_edits(registry):
    registry["station"].name = "Trạm kiểm định đồng hồ nước Nghĩa Đô"
    registry["station"].save()
    registry["saigon"].published = False
    registry["saigon"].save()
    registry["da_nang"].delete()
    registry["hidden"].published = True
    registry["hidden"].save()
    meter = InstrumentType.objects.get(code="water-meter")
    meter.name_vi = "Đồng hồ đo nước lạnh"
    meter.save()

    kept = entries()

    assert kept == rebuilt()
    assert ("site", str(registry["hidden"].pk)) in [entry[:2] for entry in kept]


def test_a_renamed_site_is_found_by_its_new_name(client, registry):
    registry["station"].name = "Trạm kiểm định Nghĩa Đô"
    registry["station"].save()

    assert labels(search(client, "tram kiem dinh nghia do"), "site") == ["Trạm kiểm định Nghĩa Đô"]


def test_an_unpublished_site_leaves_the_suggestions_with_its_standards(client, registry):
    registry["station"].published = False
    registry["station"].save()

    assert labels(search(client, "tcvn 6165"), "standard") == []
    assert "Trạm kiểm định đồng hồ nước Cầu Giấy" not in labels(search(client, "kiem dinh"))


def test_an_organisation_without_published_sites_is_not_suggested(client, registry):
    registry["saigon"].delete()
    registry["da_nang"].published = False
    registry["da_nang"].save()

    assert labels(search(client, "kim quang"), "organisation") == []


def test_a_renamed_unit_renames_the_context_of_the_units_below_it(registry):
    hanoi = unit("province", "01")
    hanoi.full_name = "Thủ đô Hà Nội"
    hanoi.save()

    ward = SearchEntry.objects.get(kind="place", ref=str(unit("commune", CAU_GIAY_WARD).pk))
    assert ward.context == "Thủ đô Hà Nội"
    assert "thu do ha noi" in ward.key


def test_reference_data_fills_the_places_and_vocabularies(registry):
    SearchEntry.objects.exclude(kind__in=["site", "organisation", "standard"]).delete()

    call_command("load_reference_data", verbosity=0)

    places = set(SearchEntry.objects.filter(kind="place").values_list("ref", flat=True))
    assert {
        str(pk)
        for pk in AdministrativeUnit.objects.filter(current=True).values_list("pk", flat=True)
    } <= places
    assert SearchEntry.objects.filter(kind="instrument").count() == InstrumentType.objects.count()
    assert SearchEntry.objects.filter(kind="field").count() == Field.objects.count()
    assert entries() == rebuilt()


def test_a_former_unit_is_an_entry_unless_it_only_repeats_a_current_one():
    places = set(SearchEntry.objects.filter(kind="place").values_list("ref", flat=True))

    assert str(unit("province", "02", current=False).pk) in places  # Hà Giang, now Tuyên Quang
    assert str(unit("province", "01", current=False).pk) not in places  # Hà Nội, still Hà Nội


# The SQL fold is geodata.text.words -----------------------------------------------------------


def sql_words(texts):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT layers_words(t) FROM unnest(%s::text[]) WITH ORDINALITY AS x(t, n) ORDER BY n",
            [texts],
        )
        return [row[0] for row in cursor.fetchall()]


def test_layers_words_folds_every_unit_name_as_geodata_words():
    names = list(AdministrativeUnit.objects.values_list("full_name", flat=True))

    assert sql_words(names) == [words(name) for name in names]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            VIETNAMESE + VIETNAMESE.upper() + " -/.,:()–#&'\"0123456789\t\u0300\u0301\u0323ﬁ½ø"
        ),
        max_size=40,
    )
)
def test_layers_words_agrees_with_geodata_words(text):
    assert sql_words([text]) == [words(text)]


def _planned_and_actual_rows(table):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT reltuples::bigint, (SELECT count(*) FROM {table}) FROM pg_class "  # noqa: S608
            "WHERE relname = %s",
            [table],
        )
        return cursor.fetchone()


def test_a_bulk_load_gives_the_planner_the_search_tables_as_they_now_are():
    organisation = make_organisation(name="Trung tâm Thống kê Kế hoạch")
    for number in range(30):
        make_site(f"Phòng thử nghiệm số {number}", organisation)
    planned, actual = _planned_and_actual_rows("layers_searchentry")
    assert planned != actual  # stale: a search planned on them took 45 s instead of 10 ms

    registry_changed.send(sender=None, organisation_ids=None)

    assert _planned_and_actual_rows("layers_searchentry") == (actual, actual)
