"""Files of certificates (CSV with or without BOM, XLSX, JSON) with Vietnamese or English column
names, by the command and by the admin's upload page, checked whole before anything is written."""

import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from certificates import importers, services
from certificates.models import Certificate, LogEntry
from tests.certificates.conftest import REGISTRATION

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("registration")]

VIETNAMESE = [
    "STT", "Mã địa điểm", "Giấy chứng nhận đăng ký", "Loại", "Số giấy chứng nhận",
    "Loại phương tiện đo", "Số sản xuất", "Chủ sở hữu", "Ngày cấp", "Hiệu lực đến", "Kết quả",
]  # fmt: skip


def vietnamese_rows(station, *numbers):
    return [
        [n, station.pk, REGISTRATION, "Kiểm định", number, "scale-non-automatic", f"S{n}",
         "Chợ Hôm", "02/11/2026", "01/11/2027", "Đạt"]
        for n, number in enumerate(numbers, 1)
    ]  # fmt: skip


def csv_bytes(header, rows, bom=True):
    lines = [",".join(map(str, line)) for line in [header, *rows]]
    return ("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode()


def xlsx_bytes(header, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH GIẤY CHỨNG NHẬN KIỂM ĐỊNH THÁNG 11/2026"])  # a title row
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_a_csv_with_vietnamese_headers_is_registered(representative, station, bom):
    data = csv_bytes(VIETNAMESE, vietnamese_rows(station, "KĐ-1", "KĐ-2"), bom=bom)

    read, report = importers.import_file(representative, data, "giay-chung-nhan.csv")

    assert report.accepted, [str(e) for e in report.errors]
    assert read.ignored == ["STT"]
    assert sorted(Certificate.objects.values_list("number", "result")) == [
        ("KĐ-1", "passed"),
        ("KĐ-2", "passed"),
    ]
    assert LogEntry.objects.count() == 2


def test_an_xlsx_under_a_title_row_is_registered(representative, station):
    data = xlsx_bytes(VIETNAMESE, vietnamese_rows(station, "KĐ-7"))

    _read, report = importers.import_file(representative, data, "thang-11.xlsx")

    assert report.accepted, [str(e) for e in report.errors]
    assert Certificate.objects.get().serial_number == "S1"


def test_a_json_list_with_english_names_is_registered(representative, certificate_row):
    rows = [certificate_row(number="KĐ-9")]
    rows[0]["Serial number"] = rows[0].pop("serial_number")

    _read, report = importers.import_file(representative, json.dumps(rows).encode(), "batch.json")

    assert report.accepted, [str(e) for e in report.errors]
    assert Certificate.objects.get().serial_number == "B123456"


def test_a_refused_row_is_named_by_its_row_in_the_file_and_nothing_is_written(
    representative, station
):
    rows = vietnamese_rows(station, "KĐ-1", "KĐ-2")
    rows[1][5] = "taxi-meter"

    _read, report = importers.import_file(
        representative, xlsx_bytes(VIETNAMESE, rows), "thang-11.xlsx"
    )

    assert [(e.row, e.field) for e in report.errors] == [(4, "instrument_type")]
    assert not Certificate.objects.exists()


def test_a_file_without_certificate_columns_says_what_headers_it_needs(representative):
    with pytest.raises(importers.CertificateFileError, match="Số giấy chứng nhận"):
        importers.import_file(representative, b"a,b\n1,2\n", "x.csv")


# The command -----------------------------------------------------------------------------------


def test_the_command_checks_a_file_in_a_dry_run_without_writing(representative, station, tmp_path):
    path = tmp_path / "gcn.csv"
    path.write_bytes(csv_bytes(VIETNAMESE, vietnamese_rows(station, "KĐ-1")))
    out = io.StringIO()

    with translation.override("en"):
        call_command(
            "import_certificates", path, user=representative.username, dry_run=True, stdout=out
        )

    assert "1 certificates checked; nothing written (dry run)." in out.getvalue()
    assert not Certificate.objects.exists()


def test_the_command_registers_a_file_or_refuses_it_whole(representative, station, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes(VIETNAMESE, vietnamese_rows(station, "KĐ-1", "KĐ-2")))
    rows = vietnamese_rows(station, "KĐ-3", "KĐ-4")
    rows[0][8] = "31/02/2026"
    bad.write_bytes(csv_bytes(VIETNAMESE, rows))
    out = io.StringIO()

    with translation.override("en"):
        call_command("import_certificates", good, user=representative.username, stdout=out)
        with pytest.raises(CommandError, match="1 of 2 rows refused"):
            call_command("import_certificates", bad, user=representative.username, stdout=out)

    assert "2 certificates registered." in out.getvalue()
    assert "row 2, issued_on" in out.getvalue()
    assert Certificate.objects.count() == 2


# The admin's upload page ------------------------------------------------------------------------


def test_an_officer_uploads_a_file_in_the_admin_and_reads_the_report(client, officer, station):
    client.force_login(officer)
    data = csv_bytes(VIETNAMESE, vietnamese_rows(station, "KĐ-1"))
    upload = io.BytesIO(data)
    upload.name = "gcn.csv"

    page = client.post(
        "/admin/certificates/certificate/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert page.status_code == 200
    assert "1 certificates registered" in page.content.decode()
    assert Certificate.objects.get().submitted_by == officer


def test_the_public_has_no_upload_page(client, public_user):
    client.force_login(public_user)

    page = client.get("/admin/certificates/certificate/import/")

    assert page.status_code in (302, 403)


def test_the_admin_revokes_the_selected_certificates_with_the_reason_asked(
    client, officer, representative, certificate_row
):
    services.register(representative, [certificate_row()], source="api")
    certificate = Certificate.objects.get()
    client.force_login(officer)
    changelist = "/admin/certificates/certificate/"
    chosen = {"action": "revoke", "_selected_action": [certificate.pk]}

    asked = client.post(changelist, chosen, HTTP_ACCEPT_LANGUAGE="en")
    client.post(changelist, {**chosen, "reason": "Tem giả", "revoked_on": ""})

    assert "The reason is shown to anyone who verifies" in asked.content.decode()
    certificate.refresh_from_db()
    assert certificate.revocation_reason == "Tem giả"
    assert LogEntry.objects.filter(event="revoked").count() == 1
