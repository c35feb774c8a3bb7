"""Open-data downloads: the filtered set as CSV, XLSX and GeoJSON, read back with the tools a
user has (the csv module, openpyxl, json); the national zip with its data package; the
synchronisation with updated_since, removed sites included."""

import csv
import io
import json
import time
import zipfile
from datetime import timedelta
from functools import partial

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from openpyxl import load_workbook

from layers import exports, selectors
from layers.filters import SiteFilter
from layers.indexing import registry_state
from layers.models import SiteIndex
from tests.factories import make_credential, make_organisation, make_site, province

pytestmark = pytest.mark.django_db

URL = "/api/v1/exports/sites"
HYPERLINK = '=HYPERLINK("http://example.com/x","Bấm vào đây")'
PHONE = "+84 24 3836 1399"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Responses are cached by registry version, which a rolled-back test can reuse."""
    cache.clear()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def body(response) -> bytes:
    """The downloaded bytes (a streamed body can be read once: they are kept)."""
    if not hasattr(response, "downloaded"):
        streamed = response.streaming and b"".join(response.streaming_content)
        response.downloaded = streamed or response.content
    return response.downloaded


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))


def xlsx_sheet(response):
    return load_workbook(io.BytesIO(body(response))).active


def xlsx_rows(response) -> list[dict]:
    header, *rows = xlsx_sheet(response).iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def exported_ids(client, extension: str, query: str = "") -> list[int]:
    response = client.get(f"{URL}.{extension}?{query}")
    assert response.status_code == 200
    if extension == "geojson":
        return [feature["id"] for feature in json.loads(body(response))["features"]]
    rows = csv_rows(response) if extension == "csv" else xlsx_rows(response)
    return [int(row["id"]) for row in rows]


@pytest.fixture
def formula_site():
    organisation = make_organisation("@Công ty Kiểm định Đo lường Hà Nội", short_name="-KĐ")
    return make_site(
        HYPERLINK,
        organisation,
        phone=PHONE,
        address="=SUM(A1:A9) Hoàng Quốc Việt, Hà Nội",
    )


def test_csv_is_utf8_with_a_bom_a_stable_header_and_vietnamese_intact(client):
    site = make_site("Trạm kiểm định đồng hồ nước Đống Đa", kinds=["verification", "testing"])
    response = client.get(f"{URL}.csv")
    content = body(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").splitlines()[0] == ",".join(selectors.SITE_COLUMNS)
    [row] = csv_rows(response)
    assert row["id"] == str(site.pk)
    assert row["name"] == "Trạm kiểm định đồng hồ nước Đống Đa"
    assert row["kinds"] == "verification; testing"
    assert (float(row["longitude"]), float(row["latitude"])) == (105.8, 21.04)
    assert row["province_code"] == "01"


def test_csv_download_is_an_attachment_named_with_the_day(client):
    response = client.get(f"{URL}.csv")
    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="sites-{day}.csv"'


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client, formula_site):
    [row] = csv_rows(client.get(f"{URL}.csv"))
    assert row["name"] == "'" + HYPERLINK
    assert row["phone"] == "'" + PHONE
    assert row["organisation"] == "'@Công ty Kiểm định Đo lường Hà Nội"
    assert row["organisation_short_name"] == "'-KĐ"
    assert row["address"] == "'=SUM(A1:A9) Hoàng Quốc Việt, Hà Nội"
    assert row["id"] == str(formula_site.pk)  # numbers are not text: left alone


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_text_beginning_like_a_formula_gets_an_apostrophe(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Trạm 1", "024 3836", "", "a=1", "'=1"])
def test_other_text_is_left_as_written(text):
    assert exports.neutralise(text) == text


@pytest.mark.parametrize("text", ["\x01=1+1", "\x00\x08@A1", "=1\x02"])
def test_an_xlsx_cell_drops_control_characters_before_neutralising(text):
    value = exports.xlsx_cell(text)

    assert value.startswith("'") and not exports.ILLEGAL_CHARACTERS_RE.search(value)


@pytest.mark.parametrize("count", [0, 1, 5])
@pytest.mark.parametrize("per_chunk", [1, 2, 500])
def test_a_streamed_collection_is_valid_json_however_it_is_cut(count, per_chunk):
    features = (json.dumps({"type": "Feature", "id": n}) for n in range(count))
    removed = partial(dict, removed=[7])
    chunks = list(exports.feature_collection_chunks(features, {"n": count}, removed, per_chunk))
    collection = json.loads(b"".join(chunks))
    assert [f["id"] for f in collection["features"]] == list(range(count))
    assert (collection["n"], collection["removed"]) == (count, [7])


@pytest.mark.parametrize("per_chunk", [1, 2, 500])
def test_streamed_csv_is_the_same_however_it_is_cut(per_chunk):
    rows = [(n, f"Trạm {n}", ["a", "b"]) for n in range(5)]
    text = b"".join(exports.csv_chunks(["id", "name", "kinds"], rows, per_chunk)).decode()
    assert text == "\ufeffid,name,kinds\r\n" + "".join(f"{n},Trạm {n},a; b\r\n" for n in range(5))


def test_xlsx_has_a_bold_frozen_header_and_no_formula(client, formula_site):
    response = client.get(f"{URL}.xlsx")
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="sites-')
    sheet = xlsx_sheet(response)
    assert sheet.freeze_panes == "A2"
    header, values = list(sheet.iter_rows())
    assert [cell.value for cell in header] == selectors.SITE_COLUMNS
    assert all(cell.font.b for cell in header)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    row = dict(zip(selectors.SITE_COLUMNS, [cell.value for cell in values], strict=True))
    assert row["name"] == "'" + HYPERLINK
    assert row["phone"] == "'" + PHONE
    assert row["organisation"] == "'@Công ty Kiểm định Đo lường Hà Nội"
    assert row["id"] == formula_site.pk


def test_xlsx_past_the_rows_of_a_worksheet_is_a_400_that_points_to_csv(client, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    for n in range(3):
        make_site(f"Trạm {n}")
    response = client.get(f"{URL}.xlsx")
    assert response.status_code == 400
    assert "CSV" in response.json()["non_field_errors"][0]
    assert not connection.in_atomic_block or connection.savepoint_ids == []
    assert client.get(f"{URL}.xlsx?q=tram 1").status_code == 200


def test_geojson_is_one_feature_collection_of_every_matching_site(client):
    sites = [make_site(f"Phòng thử nghiệm {n}", kinds=["testing"]) for n in range(3)]
    make_site("Trạm kiểm định", kinds=["verification"])
    response = client.get(f"{URL}.geojson?kind=testing")
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Disposition"].endswith('.geojson"')
    collection = json.loads(body(response))
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == [s.pk for s in sites]
    first = collection["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [105.8, 21.04]}
    assert first["properties"]["name"] == "Phòng thử nghiệm 0"
    assert "removed" not in collection


@pytest.mark.parametrize("extension", ["csv", "xlsx", "geojson"])
def test_every_format_applies_the_filters_of_the_site_list(client, extension):
    hanoi = make_site("Phòng hiệu chuẩn Long Biên", kinds=["calibration"])
    make_site("Phòng hiệu chuẩn Huế", kinds=["calibration"], province=province("46"))
    make_site("Trạm kiểm định Hà Nội", kinds=["verification"])
    assert exported_ids(client, extension, "kind=calibration&province=01") == [hanoi.pk]
    assert exported_ids(client, extension, "q=long bien") == [hanoi.pk]


@pytest.mark.parametrize("extension", ["csv", "xlsx", "geojson"])
def test_the_status_filter_is_computed_for_the_date_asked(client, extension):
    site = make_site()
    make_credential(site)  # valid from 2024-03-01 to 2027-02-28
    make_site("Trạm chưa có giấy chứng nhận")
    assert exported_ids(client, extension, "status=valid&at=2025-06-01") == [site.pk]
    assert exported_ids(client, extension, "status=valid&at=2028-01-01") == []


@pytest.mark.parametrize("extension", ["csv", "xlsx", "geojson"])
@pytest.mark.parametrize(
    ("query", "parameter"),
    [("kind=nonsense", "kind"), ("bbox=nan,1,2,3", "bbox"), ("radius_km=1000000", "radius_km")],
)
def test_bad_input_is_a_json_400_that_names_the_parameter(client, extension, query, parameter):
    response = client.get(f"{URL}.{extension}?{query}", headers={"Accept": "text/csv"})
    assert response.status_code == 400
    assert parameter in response.json()


@pytest.fixture
def changes():
    """A site unchanged for two days, one changed today and one unpublished today."""
    old = make_site("Trạm cũ")
    SiteIndex.objects.filter(site_id=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    changed = make_site("Trạm mới sửa")
    gone = make_site("Trạm thôi công bố")
    gone.published = False
    gone.save()
    since = (timezone.now() - timedelta(days=1)).isoformat()
    return {"old": old, "changed": changed, "gone": gone, "since": since}


def test_csv_since_an_instant_holds_the_changed_sites_then_the_removed_ones(client, changes):
    response = client.get(f"{URL}.csv", {"updated_since": changes["since"]})
    header = body(response).decode("utf-8-sig").splitlines()[0]
    assert header == ",".join([*selectors.SITE_COLUMNS, "removed"])
    changed, gone = csv_rows(response)
    assert (changed["id"], changed["name"], changed["removed"]) == (
        str(changes["changed"].pk), "Trạm mới sửa", "false",
    )  # fmt: skip
    assert gone["id"] == str(changes["gone"].pk)
    assert gone["removed"] == "true"
    assert {value for name, value in gone.items() if name not in ("id", "removed")} == {""}


def test_xlsx_since_an_instant_marks_the_removed_sites(client, changes):
    rows = xlsx_rows(client.get(f"{URL}.xlsx", {"updated_since": changes["since"]}))
    assert [(row["id"], row["removed"]) for row in rows] == [
        (changes["changed"].pk, False),
        (changes["gone"].pk, True),
    ]


def test_geojson_since_an_instant_lists_the_removed_sites(client, changes):
    response = client.get(f"{URL}.geojson", {"updated_since": changes["since"]})
    collection = json.loads(body(response))
    assert [f["id"] for f in collection["features"]] == [changes["changed"].pk]
    assert collection["removed"] == [changes["gone"].pk]
    assert collection["nextUpdatedSince"] == response["X-Next-Updated-Since"]


def test_next_updated_since_is_before_a_writer_that_has_not_committed(client):
    """A writer's rows carry the start of its transaction but show only once it commits: the
    next synchronisation must start before it, or it would miss them."""
    writer = connections.create_connection("default")
    try:
        writer.set_autocommit(False)
        with writer.cursor() as cursor:
            cursor.execute("SELECT now()")
            writer_started = cursor.fetchone()[0]
        time.sleep(1.5)  # longer than the watermark's margin of a second
        for extension in ("csv", "geojson"):
            response = client.get(f"{URL}.{extension}")
            assert parse_datetime(response["X-Next-Updated-Since"]) <= writer_started
    finally:
        writer.rollback()
        writer.close()


def test_next_updated_since_is_about_now_when_no_writer_is_open(client):
    response = client.get(f"{URL}.csv")
    watermark = parse_datetime(response["X-Next-Updated-Since"])
    assert timezone.now() - timedelta(minutes=1) < watermark < timezone.now()


@pytest.mark.parametrize("extension", ["csv", "xlsx", "geojson"])
def test_a_download_costs_the_same_queries_for_one_site_or_many(client, extension):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            body(client.get(f"{URL}.{extension}"))
        cache.clear()
        return len(captured)

    make_site("Trạm 0")
    one = queries()
    for n in range(1, 15):
        make_credential(make_site(f"Trạm {n}"))
    assert queries() == one


def test_rows_are_fetched_in_chunks_from_a_server_side_cursor():
    sites = [make_site(f"Trạm {n}") for n in range(5)]
    rows = selectors.site_rows(SiteFilter(), chunk_size=2)
    first = next(rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '_django_curs_%'")
        assert cursor.fetchone()[0] == 1
    assert [first[0], *(row[0] for row in rows)] == [site.pk for site in sites]
    assert len(first) == len(selectors.SITE_COLUMNS)


def test_a_repeated_download_with_its_etag_is_a_304(client):
    make_site()
    first = client.get(f"{URL}.csv")
    again = client.get(f"{URL}.csv", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304


NATIONAL_FILES = {
    "sites.csv", "sites.geojson", "provinces.geojson", "communes.geojson", "datapackage.json",
    "DATA_DICTIONARY.md", "LICENSE.md", "licenses/dvhcvn-20250701_LICENSE_MIT.txt",
    "licenses/geoBoundaries_CITATION-AND-USE.txt",
    "licenses/lamngockhuong-vietnam-3d-map_LICENSE_MIT.txt",
}  # fmt: skip


def national(client) -> zipfile.ZipFile:
    response = client.get("/api/v1/exports/national.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(body(response)))


def test_national_zip_holds_the_sites_the_boundaries_the_dictionary_and_the_licence(client, media):
    site = make_site("Trạm kiểm định Đống Đa", phone=PHONE)
    make_site("Trạm chưa công bố", published=False)
    archive = national(client)
    assert set(archive.namelist()) == NATIONAL_FILES
    rows = list(csv.DictReader(io.StringIO(archive.read("sites.csv").decode("utf-8-sig"))))
    assert [(row["id"], row["name"], row["phone"]) for row in rows] == [
        (str(site.pk), "Trạm kiểm định Đống Đa", "'" + PHONE)
    ]
    features = json.loads(archive.read("sites.geojson"))["features"]
    assert [(f["id"], f["properties"]["phone"]) for f in features] == [(site.pk, PHONE)]
    assert len(json.loads(archive.read("provinces.geojson"))["features"]) == 34
    communes = json.loads(archive.read("communes.geojson"))["features"]
    assert len(communes) == 3321
    assert communes[0]["properties"]["province_code"]
    licence = archive.read("LICENSE.md").decode()
    assert "CC BY 4.0" in licence
    assert "geoBoundaries" in licence


def test_the_data_package_describes_every_column_in_both_languages(client, media):
    make_site()
    archive = national(client)
    package = json.loads(archive.read("datapackage.json"))
    sites = next(r for r in package["resources"] if r["path"] == "sites.csv")
    header = archive.read("sites.csv").decode("utf-8-sig").splitlines()[0].split(",")
    assert [field["name"] for field in sites["schema"]["fields"]] == header
    for field in sites["schema"]["fields"]:
        assert field["type"] in {"integer", "number", "string", "list", "datetime"}
        assert field["description"]
        assert field["description_vi"]
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert {r["path"] for r in package["resources"]} <= set(archive.namelist())
    dictionary = archive.read("DATA_DICTIONARY.md").decode()
    assert all(f"| {name} |" in dictionary for name in [*header, "removed"])


def test_every_column_has_an_entry_in_the_data_dictionary():
    assert list(exports.SITE_FIELDS) == selectors.SITE_COLUMNS


def test_national_zip_is_made_once_per_registry_version(client, media):
    make_site()
    national(client)
    [made] = (media / "exports").glob("national-*.zip")
    assert made.name == exports.national_zip_name(registry_state(), timezone.localdate())
    made_at = made.stat().st_mtime_ns
    national(client)
    assert made.stat().st_mtime_ns == made_at
    make_site("Trạm mới")
    national(client)
    [remade] = (media / "exports").glob("national-*.zip")  # the earlier one is removed
    assert remade.name == exports.national_zip_name(registry_state(), timezone.localdate())
    assert remade != made


def test_national_zip_being_made_elsewhere_is_a_503_to_retry(client, media):
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            key = str((media / "exports").resolve())
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [key])
            response = client.get("/api/v1/exports/national.zip")
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])
    finally:
        other.close()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert national(client).namelist()


def test_export_open_data_writes_the_national_zip_to_the_folder_given(tmp_path):
    site = make_site()
    output = io.StringIO()
    call_command("export_open_data", str(tmp_path), stdout=output)
    path = tmp_path / exports.national_zip_name(registry_state(), timezone.localdate())
    assert output.getvalue().strip() == str(path)
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) == NATIONAL_FILES
        assert str(site.pk) in archive.read("sites.csv").decode("utf-8-sig")


def test_the_openapi_schema_documents_each_download_and_its_media_type(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    media_types = {
        "sites.csv": "text/csv",
        "sites.xlsx": exports.XLSX_TYPE,
        "sites.geojson": "application/geo+json",
        "national.zip": "application/zip",
    }
    for name, media_type in media_types.items():
        operation = paths[f"/api/v1/exports/{name}"]["get"]
        assert media_type in operation["responses"]["200"]["content"]
    parameters = {p["name"] for p in paths["/api/v1/exports/sites.csv"]["get"]["parameters"]}
    assert {"kind", "bbox", "status", "updated_since"} <= parameters
