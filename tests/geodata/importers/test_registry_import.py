"""Importing registry files into the real PostGIS registry: each rule of the importer, from
messy files as officials keep them."""

import hashlib
import json
from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.core.management.base import CommandError
from pyproj import Transformer

from geodata.importers.coordinates import VN2000_TOWGS84
from geodata.importers.geocoding import Geocoder
from geodata.models import Credential, ImportRun, Organisation, ScopeItem, Site
from geodata.services import ImportOptions, import_registry
from tests.factories import make_credential, make_organisation, make_site
from tests.geodata.importers import messy_files
from tests.geodata.importers.fake_geocoder import QUATEST_1

pytestmark = pytest.mark.django_db

HEADERS = [
    "STT",
    "Tên tổ chức",
    "Mã số thuế",
    "Loại hình",
    "Địa chỉ",
    "Kinh độ",
    "Vĩ độ",
    "Số hiệu",
    "Ngày cấp",
    "Ngày hết hạn",
    "Lĩnh vực",
]
QUATEST_1_NAME = "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1"
NGHIA_DO = "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội"
BEN_NGHE = "Số 49 Pasteur, phường Bến Nghé, quận 1, TP. Hồ Chí Minh"


def saigon_row(**cells):
    """QUATEST 1's second laboratory, in Sài Gòn, without coordinates."""
    return row(**{"Số hiệu": "VILAS 217", "Địa chỉ": BEN_NGHE, "Kinh độ": "", "Vĩ độ": ""} | cells)


def row(**cells):
    """A good row (QUATEST 1's laboratory in Nghĩa Đô), with cells replaced by header."""
    good = {
        "STT": "1",
        "Tên tổ chức": QUATEST_1_NAME,
        "Mã số thuế": "0100109106",
        "Loại hình": "Thử nghiệm",
        "Địa chỉ": NGHIA_DO,
        "Kinh độ": "105.7940",
        "Vĩ độ": "21.0451",
        "Số hiệu": "VILAS 216",
        "Ngày cấp": "12/03/2024",
        "Ngày hết hạn": "11/03/2029",
        "Lĩnh vực": "Hóa; Sinh",
    }
    return good | cells


def csv_of(*rows, headers=HEADERS, encoding="utf-8-sig"):
    return messy_files.write_csv(
        [headers, *[[r.get(h, "") for h in headers] for r in rows]], encoding
    )


def imported(data, name="danh_sach.csv", **options):
    return import_registry(data, name, ImportOptions(**options), performed_by="tester")


def issues(run, row_number=None, severity=None):
    """(row, column, code) of the run's issues."""
    return [
        (r["row"], issue["column"], issue["code"])
        for r in run.report["rows"]
        if row_number in (None, r["row"])
        for issue in r["issues"]
        if severity in (None, issue["severity"])
    ]


def registry_counts():
    return Organisation.objects.count(), Site.objects.count(), Credential.objects.count()


# A good file ------------------------------------------------------------------------------------


def test_a_good_row_creates_its_organisation_site_credential_and_scope():
    run = imported(csv_of(row()))

    assert (run.outcome, run.totals["created"], run.totals["errors"]) == ("imported", 1, 0)
    site = Site.objects.get()
    assert (site.organisation.name_vi, site.organisation.tax_code) == (QUATEST_1_NAME, "0100109106")
    assert (site.name, site.kinds, site.address) == (QUATEST_1_NAME, ["testing"], NGHIA_DO)
    assert (site.province.code, site.commune.code) == ("01", "00160")  # Nghĩa Đô today
    assert (site.legacy_commune_name, site.legacy_district_name) == ("Nghĩa Đô", "Cầu Giấy")
    assert (site.location.x, site.location.y) == (105.794, 21.0451)
    assert (site.location_method, site.location_accuracy_m) == ("supplied", 11)
    assert site.published
    credential = Credential.objects.get()
    assert (credential.scheme.code, credential.number, credential.issuer.code) == (
        "vilas",
        "VILAS 216",
        "boa",
    )
    assert (credential.issued_on, credential.valid_until) == (date(2024, 3, 12), date(2029, 3, 11))
    assert credential.standard == "ISO/IEC 17025"
    assert list(credential.sites.all()) == [site]
    assert sorted(ScopeItem.objects.values_list("field__code", flat=True)) == [
        "biological",
        "chemical",
    ]
    assert run.report["rows"][0]["records"] == {
        "organisation": site.organisation_id,
        "site": site.pk,
        "credential": credential.pk,
    }


def test_each_import_is_recorded_with_its_file_counts_and_report():
    data = csv_of(row(), saigon_row())

    run = imported(data, "vilas_2026.csv")

    stored = ImportRun.objects.get(pk=run.pk)
    assert (stored.file_name, stored.performed_by, stored.size_bytes) == (
        "vilas_2026.csv",
        "tester",
        len(data),
    )
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.file.read() == data
    assert stored.totals == {
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "error": 0,
        "skipped": 0,
        "errors": 0,
        "warnings": 1,  # Bến Nghé has no coordinates: placed at its commune's point
        "near_duplicates": 0,
    }
    assert stored.report["file"]["encoding"] == "utf-8-sig"
    message = stored.report["rows"][1]["issues"][0]["message"]
    assert message["en"].startswith("No coordinates: the site is placed at the point of Phường Sài")
    assert message["vi"].startswith("Không có tọa độ")


# Upsert by natural key -------------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing_the_second_time_and_says_so():
    data = csv_of(row(), saigon_row())
    first = imported(data)
    before = list(Site.objects.values_list("pk", "updated_at"))

    second = imported(data)

    assert (second.totals["created"], second.totals["updated"], second.totals["unchanged"]) == (
        0,
        0,
        2,
    )
    assert list(Site.objects.values_list("pk", "updated_at")) == before
    assert registry_counts() == (1, 2, 2)
    notice = second.report["file_issues"][0]
    assert (notice["code"], second.report["file"]["previous_import"]) == (
        "identical_file",
        first.pk,
    )


def test_an_updated_file_changes_only_what_changed():
    imported(csv_of(row(), saigon_row()))

    run = imported(
        csv_of(
            row(**{"Ngày hết hạn": "11/03/2030"}),
            saigon_row(),
        )
    )

    assert [r["outcome"] for r in run.report["rows"]] == ["updated", "unchanged"]
    assert run.report["rows"][0]["changes"] == {
        "credential.valid_until": ["2029-03-11", "2030-03-11"]
    }
    assert Credential.objects.get(number="VILAS 216").valid_until == date(2030, 3, 11)
    assert Credential.objects.get(number="VILAS 217").valid_until == date(2029, 3, 11)


def test_an_organisation_is_found_by_its_name_however_it_is_written_when_it_has_no_tax_code():
    organisation = make_organisation(QUATEST_1_NAME)
    written = "TRUNG TAM KY THUAT TIEU CHUAN DO LUONG CHAT LUONG 1"

    run = imported(csv_of(row(**{"Tên tổ chức": written, "Mã số thuế": ""})))

    assert Organisation.objects.get() == organisation
    assert Site.objects.get().organisation == organisation
    assert run.report["rows"][0]["records"]["organisation"] == organisation.pk


def test_an_empty_cell_never_erases_a_stored_value_and_a_vaguer_point_never_replaces_a_survey():
    site = make_site(
        organisation=make_organisation(QUATEST_1_NAME, tax_code="0100109106"),
        address=NGHIA_DO,
        phone="024 3836 1399",
        location_method="surveyed",
    )
    surveyed = site.location

    run = imported(csv_of(row(**{"Kinh độ": "", "Vĩ độ": ""}), headers=[*HEADERS, "Điện thoại"]))

    site.refresh_from_db()
    assert (site.phone, site.location, site.location_method) == (
        "024 3836 1399",
        surveyed,
        "surveyed",
    )
    assert "site.location" not in run.report["rows"][0]["changes"]


def test_several_rows_of_one_organisation_give_it_several_sites_and_one_credential_covers_both():
    second_site = row(**{"Địa chỉ": "Số 1 Phố Vọng, phường Phương Liệt, quận Thanh Xuân, Hà Nội"})
    second_site |= {"Kinh độ": "105.8430", "Vĩ độ": "20.9990"}

    run = imported(csv_of(row(), second_site))

    assert registry_counts() == (1, 2, 1)
    assert Credential.objects.get().sites.count() == 2
    assert [r["outcome"] for r in run.report["rows"]] == ["created", "created"]


def test_a_site_with_nearly_the_same_name_within_200_m_is_reported_for_review_not_merged():
    other = make_site(
        name=QUATEST_1_NAME + ".",
        organisation=make_organisation("Một tổ chức khác"),
        location=Point(105.7950, 21.0455, srid=4326),
    )

    run = imported(csv_of(row()))

    assert Site.objects.count() == 2
    [pair] = run.report["near_duplicates"]
    assert (pair["other_site"], pair["name"], pair["other_name"]) == (
        other.pk,
        QUATEST_1_NAME,
        other.name,
    )
    assert 100 < pair["distance_m"] < 200


def test_a_credential_held_by_another_organisation_is_an_error():
    make_credential(site=make_site(), number="VILAS 216")

    run = imported(csv_of(row()))

    assert run.outcome == "rejected"
    assert issues(run) == [(2, None, "credential_of_another_organisation")]


# All or nothing ---------------------------------------------------------------------------------


def test_a_file_with_one_wrong_row_writes_nothing_and_names_the_row_and_column():
    data = csv_of(row(), row(**{"Số hiệu": "VILAS 217", "Ngày cấp": "31/02/2024"}))

    run = imported(data)

    assert run.outcome == "rejected"
    assert registry_counts() == (0, 0, 0)
    assert issues(run, severity="error") == [(3, "Ngày cấp", "impossible_date")]
    assert [r["outcome"] for r in run.report["rows"]] == ["created", "error"]


def test_only_the_valid_rows_are_imported_when_the_official_asks_for_it():
    data = csv_of(row(), row(**{"Số hiệu": "VILAS 217", "Ngày cấp": "31/02/2024"}))

    run = imported(data, only_valid_rows=True)

    assert run.outcome == "imported"
    assert list(Credential.objects.values_list("number", flat=True)) == ["VILAS 216"]


def test_a_check_reports_what_an_import_would_do_and_writes_nothing():
    run = imported(csv_of(row()), dry_run=True)

    assert (run.outcome, run.totals["created"]) == ("checked", 1)
    assert registry_counts() == (0, 0, 0)
    assert run.report["rows"][0]["records"] == {
        "organisation": None,
        "site": None,
        "credential": None,
    }


# Validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"Tên tổ chức": ""}, [(2, "Tên tổ chức", "missing_value")]),
        ({"Địa chỉ": ""}, [(2, "Địa chỉ", "missing_value")]),
        ({"Loại hình": "Sửa chữa"}, [(2, "Loại hình", "unknown_kind")]),
        ({"Ngày hết hạn": "01/01/2020"}, [(2, "Ngày hết hạn", "valid_until_before_issue")]),
        ({"Ngày cấp": "sáng thứ hai"}, [(2, "Ngày cấp", "unreadable_date")]),
        ({"Số hiệu": "VILAS-A12"}, [(2, "Số hiệu", "scheme_needed")]),
        ({"Số hiệu": "VILAS 21678"}, [(2, "Số hiệu", "malformed_number")]),
        ({"Mã số thuế": "010010910"}, [(2, "Mã số thuế", "tax_code_length")]),
        ({"Lĩnh vực": "Thiên văn"}, [(2, "Lĩnh vực", "unknown_field")]),
    ],
)
def test_each_wrong_value_is_an_error_on_its_row_and_column(cells, expected):
    run = imported(csv_of(row(**cells)))

    assert issues(run, severity="error") == expected
    assert run.outcome == "rejected"


def test_an_unknown_scheme_and_a_malformed_accreditation_number_are_errors():
    headers = [*HEADERS, "Chương trình"]
    data = csv_of(
        row(**{"Chương trình": "Chứng chỉ ABC"}),
        row(**{"Số hiệu": "VICAS 1", "Chương trình": "VICAS", "Loại hình": "Chứng nhận"}),
        headers=headers,
    )

    run = imported(data)

    assert issues(run, severity="error") == [
        (2, "Chương trình", "unknown_scheme"),
        (3, "Số hiệu", "malformed_number"),
    ]
    message = run.report["rows"][1]["issues"][0]["message"]["en"]
    assert message == "“VICAS 1” is not a VICAS number; they are written like VICAS 012 - PRO."


def test_dates_in_every_form_people_write_are_read():
    forms = ["12/03/2024", "12-3-24", "2024-03-12", "45363", "ngày 12 tháng 3 năm 2024"]
    rows = [
        row(**{"Số hiệu": f"VILAS {300 + i}", "Ngày cấp": written, "Ngày hết hạn": ""})
        for i, written in enumerate(forms)
    ]

    imported(csv_of(*rows))

    assert set(Credential.objects.values_list("issued_on", flat=True)) == {date(2024, 3, 12)}


def test_a_row_repeated_in_the_file_is_reported_against_the_first():
    run = imported(csv_of(row(), row(STT="2")))

    assert issues(run) == [(3, None, "duplicate_row")]
    assert run.report["rows"][1]["issues"][0]["message"]["en"] == (
        "This row repeats row 2: same organisation, address and credential number."
    )


def test_a_file_without_an_organisation_column_is_refused_whole():
    run = imported(csv_of(row(), headers=["Địa chỉ", "Loại hình", "Kinh độ", "Vĩ độ"]))

    assert run.outcome == "rejected"
    assert [i["code"] for i in run.report["file_issues"]] == ["missing_column"]
    assert run.report["rows"] == []


def test_unknown_columns_are_reported_not_silently_dropped():
    run = imported(csv_of(row(), headers=[*HEADERS, "Người liên hệ"]))

    assert [(i["code"], i["column"]) for i in run.report["file_issues"]] == [
        ("unknown_column", "Người liên hệ")
    ]
    assert run.outcome == "imported"


# Coordinates ------------------------------------------------------------------------------------


def test_swapped_longitude_and_latitude_are_exchanged_with_a_warning():
    run = imported(csv_of(row(**{"Kinh độ": "21.0451", "Vĩ độ": "105.7940"})))

    site = Site.objects.get()
    assert (site.location.x, site.location.y) == (105.794, 21.0451)
    assert issues(run) == [(2, "Kinh độ", "swapped")]


def test_degrees_minutes_seconds_and_comma_decimals_are_read():
    imported(
        csv_of(
            row(**{"Kinh độ": "105°47'38.4\"E", "Vĩ độ": "21°02'42.4\"N"}),
            saigon_row(**{"Kinh độ": "106,7040", "Vĩ độ": "10,7805"}),
        )
    )

    points = {c.number: c.sites.get().location for c in Credential.objects.all()}
    assert points["VILAS 216"].x == pytest.approx(105.794, abs=1e-6)
    assert points["VILAS 216"].y == pytest.approx(21.045111, abs=1e-6)
    assert (points["VILAS 217"].x, points["VILAS 217"].y) == (106.704, 10.7805)


def test_a_point_outside_viet_nam_is_an_error_with_its_row():
    run = imported(
        csv_of(row(), row(**{"Số hiệu": "VILAS 217", "Kinh độ": "2.35", "Vĩ độ": "48.85"}))
    )

    assert issues(run, severity="error") == [(3, "Kinh độ", "outside_viet_nam")]
    assert (
        "outside Viet Nam's land and sea area"
        in run.report["rows"][1]["issues"][0]["message"]["en"]
    )
    assert registry_counts() == (0, 0, 0)


def test_vn2000_coordinates_in_a_provincial_zone_are_converted_with_the_province_meridian():
    # Xã Tân Tiến, huyện Văn Giang (Hưng Yên, central meridian 105°30'): today Xã Văn Giang.
    lon, lat = 105.9390, 20.9410
    vn2000 = (
        "+proj=tmerc +lat_0=0 +lon_0=105.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
        f"+towgs84={VN2000_TOWGS84} +units=m +no_defs"
    )
    easting, northing = Transformer.from_crs("EPSG:4326", vn2000, always_xy=True).transform(
        lon, lat
    )
    headers = ["Tên đơn vị", "Loại hình", "Địa chỉ", "Tọa độ X (VN-2000)", "Tọa độ Y (VN-2000)"]
    data = csv_of(
        {
            "Tên đơn vị": "Trạm kiểm định đồng hồ nước Văn Giang",
            "Loại hình": "Kiểm định",
            "Địa chỉ": "Thôn Nghĩa Trụ, xã Tân Tiến, huyện Văn Giang, tỉnh Hưng Yên",
            "Tọa độ X (VN-2000)": f"{northing:.2f}".replace(".", ","),
            "Tọa độ Y (VN-2000)": f"{easting:.2f}",
        },
        headers=headers,
        encoding="cp1258",
    )

    run = imported(data)

    site = Site.objects.get()
    assert run.report["file"]["encoding"] == "cp1258"
    assert (site.location.x, site.location.y) == (
        pytest.approx(lon, abs=1e-6),
        pytest.approx(lat, abs=1e-6),
    )
    assert (site.province.code, site.commune.full_name) == ("33", "Xã Văn Giang")
    assert (site.location_method, site.location_accuracy_m) == ("supplied", 1)


def test_a_point_in_another_province_than_the_address_is_a_warning():
    run = imported(csv_of(row(**{"Kinh độ": "106.7040", "Vĩ độ": "10.7805"})))  # Sài Gòn

    assert issues(run) == [
        (2, "Kinh độ", "point_in_other_province"),
        (2, "Địa chỉ", "address_ambiguous"),  # Nghĩa Đô was split; the point cannot settle it
    ]
    assert Site.objects.get().province.code == "01"  # the address says Hà Nội


# Without coordinates ------------------------------------------------------------------------


def test_a_site_without_coordinates_is_placed_at_its_commune_point_and_says_how_sure_it_is():
    run = imported(csv_of(row(**{"Địa chỉ": BEN_NGHE, "Kinh độ": "", "Vĩ độ": ""})))

    site = Site.objects.get()
    assert (site.province.code, site.commune.code, site.location_method) == (
        "79",
        "26740",
        "commune_point",
    )
    assert 500 <= site.location_accuracy_m <= 5000
    assert issues(run) == [(2, "Địa chỉ", "approximate")]


def test_an_address_split_among_communes_without_a_point_falls_back_to_the_province_point():
    run = imported(csv_of(row(**{"Kinh độ": "", "Vĩ độ": ""})))

    site = Site.objects.get()
    assert (site.province.code, site.commune, site.location_method) == (
        "01",
        None,
        "province_point",
    )
    assert [code for _row, _column, code in issues(run)] == ["address_ambiguous", "approximate"]


def test_a_configured_geocoder_places_a_site_from_its_address(service, empty_cache):
    geocoder = Geocoder(
        service.url("nominatim"),
        user_agent="tests",
        timeout=2,
        min_delay=0,
        cache_seconds=60,
    )
    data = csv_of(row(**{"Địa chỉ": QUATEST_1, "Kinh độ": "", "Vĩ độ": ""}))

    run = import_registry(data, "a.csv", geocoder=geocoder)

    site = Site.objects.get()
    assert (site.location.x, site.location.y, site.location_method) == (
        105.7981,
        21.0463,
        "geocoded",
    )
    assert site.location_accuracy_m == 30
    assert run.report["rows"][0]["location"] == {"method": "geocoded", "accuracy_m": 30}


# The province of the department ------------------------------------------------------------------


def test_a_provincial_import_refuses_rows_of_another_province_and_places_the_others_in_its_own():
    headers = ["Tên tổ chức", "Loại hình", "Địa chỉ"]
    data = csv_of(
        {
            "Tên tổ chức": "Trạm cân Văn Giang",
            "Loại hình": "Kiểm định",
            "Địa chỉ": "Thôn Nghĩa Trụ",
        },
        {"Tên tổ chức": "Trạm cân Sài Gòn", "Loại hình": "Kiểm định", "Địa chỉ": BEN_NGHE},
        headers=headers,
    )

    run = imported(data, province="33", only_valid_rows=True)

    assert issues(run, severity="error") == [(3, "Địa chỉ", "outside_import_province")]
    site = Site.objects.get()
    assert (site.name, site.province.code, site.location_method) == (
        "Trạm cân Văn Giang",
        "33",
        "province_point",
    )


# Files as they are --------------------------------------------------------------------------------


def test_a_messy_vilas_register_in_xlsx_is_read_row_by_row():
    run = imported(messy_files.vilas_register_xlsx(), "vilas.xlsx", only_valid_rows=True)

    assert run.report["file"]["format"] == "xlsx"
    outcomes = {r["row"]: r["outcome"] for r in run.report["rows"]}
    assert outcomes == {5: "created", 6: "created", 8: "created", 9: "error", 10: "error"}
    assert "Người liên hệ" in [i["column"] for i in run.report["file_issues"]]
    assert Credential.objects.filter(number="VILAS 216").get().issued_on == date(2024, 3, 12)


def test_a_geojson_file_gives_its_points():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [105.794, 21.0451]},
                "properties": {
                    "Tên tổ chức": QUATEST_1_NAME,
                    "Loại hình": ["Thử nghiệm", "Hiệu chuẩn"],
                    "Địa chỉ": NGHIA_DO,
                },
            }
        ],
    }

    imported(json.dumps(collection).encode(), "sites.geojson")

    site = Site.objects.get()
    assert (site.location.x, site.location.y, site.kinds) == (
        105.794,
        21.0451,
        ["testing", "calibration"],
    )


def test_an_old_excel_file_is_refused_with_advice():
    run = imported(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "danh_sach.xls")

    assert run.outcome == "rejected"
    assert run.report["file_issues"][0]["code"] == "unsupported_format"


# The command --------------------------------------------------------------------------------------


def test_the_command_imports_a_file_and_writes_its_report(tmp_path, capsys):
    file, report = tmp_path / "vilas.csv", tmp_path / "report.json"
    file.write_bytes(csv_of(row()))

    call_command("import_registry", str(file), "--report", str(report), "--language", "en")

    assert "vilas.csv: imported. 1 rows: 1 created" in capsys.readouterr().out
    assert json.loads(report.read_text())["totals"]["created"] == 1


def test_the_command_fails_on_a_rejected_file_and_its_html_report_names_the_row(tmp_path, capsys):
    file, report = tmp_path / "vilas.csv", tmp_path / "report.html"
    file.write_bytes(csv_of(row(**{"Ngày cấp": "31/02/2024"})))

    with pytest.raises(CommandError):
        call_command("import_registry", str(file), "--report", str(report), "--language", "en")

    out = capsys.readouterr().out
    assert "row 2 [Ngày cấp] error: “31/02/2024” is not a date that exists" in out
    html = report.read_text()
    assert "“31/02/2024” is not a date that exists" in html
    assert registry_counts() == (0, 0, 0)


def test_the_command_checks_without_writing_with_dry_run(tmp_path, capsys):
    file = tmp_path / "vilas.csv"
    file.write_bytes(csv_of(row()))

    call_command("import_registry", str(file), "--dry-run", "--language", "en")

    assert "checked, nothing written" in capsys.readouterr().out
    assert registry_counts() == (0, 0, 0)


def test_the_command_refuses_an_unknown_province_code(tmp_path):
    file = tmp_path / "vilas.csv"
    file.write_bytes(csv_of(row()))

    with pytest.raises(CommandError, match="No current province has the code 99"):
        call_command("import_registry", str(file), "--province", "99", "--language", "en")
