"""The bulk import pages of the admin: upload and check a registry file, read the report,
confirm, download the report and the file. Through Django's test client, against the test
database with its reference data.

Officials see the pages in Vietnamese (the first tests check that); the others ask for English
(Accept-Language) so that their exact assertions do not follow the translators' wording."""

import io
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from geodata.models import Credential, ImportRun, Organisation, Site
from geodata.services import ImportOptions, import_registry
from tests.factories import province
from tests.geodata.importers.messy_files import write_csv

pytestmark = pytest.mark.django_db

HEADERS = [
    "Tên tổ chức",
    "Loại hình",
    "Địa chỉ",
    "Kinh độ",
    "Vĩ độ",
    "Số hiệu VILAS",
    "Ngày cấp",
    "Ngày hết hạn",
]
QUATEST_1 = [
    "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1",
    "Thử nghiệm",
    "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội",
    "105.8040",
    "21.0465",
    "VILAS 216",
    "12/03/2024",
    "11/03/2029",
]
# 31 February: the row is wrong in its issue date only.
QUATEST_3_WRONG_DATE = [
    "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3",
    "Hiệu chuẩn",
    "Số 49 Pasteur, phường Sài Gòn, Thành phố Hồ Chí Minh",
    "106.6997",
    "10.7798",
    "VILAS 007",
    "31/02/2024",
    "30/01/2029",
]
WRONG_DATE_MESSAGE = (
    "“31/02/2024” is not a date that exists (day, month, year in that order: 31/12/2024)."
)
CONFIRM_BUTTON = '<input type="submit" class="default" value="Import this file">'
UPLOAD_URL = reverse("admin:geodata_importrun_add")


def registry_csv(*rows, headers=HEADERS) -> bytes:
    """A CSV as Excel saves it with "CSV UTF-8": a byte-order mark, CRLF line ends."""
    return write_csv([headers, *rows])


def upload_file(name: str, data: bytes):
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.fixture
def official(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


def upload(client, data: bytes, name="dang-ky-vilas.csv", **fields):
    return client.post(UPLOAD_URL, {"file": upload_file(name, data), "province": "", **fields})


def check(client, data: bytes, **fields) -> ImportRun:
    response = upload(client, data, **fields)
    assert response.status_code == 302, response.content
    return ImportRun.objects.get(pk=response.url.rstrip("/").split("/")[-2])


def change_url(run: ImportRun) -> str:
    return reverse("admin:geodata_importrun_change", args=[run.pk])


def confirm_url(run: ImportRun) -> str:
    return reverse("admin:geodata_importrun_confirm", args=[run.pk])


def registry_is_empty() -> bool:
    return not (
        Organisation.objects.exists() or Site.objects.exists() or Credential.objects.exists()
    )


def test_the_upload_page_speaks_the_language_of_each_request(official):
    page = official.get(UPLOAD_URL)

    assertContains(page, "CSV, XLSX or GeoJSON; at most 50 MB.")
    assertNotContains(page, "dung lượng tối đa")


def totals_row(label: str, value: int) -> str:
    return f'<tr><th scope="row">{label}</th><td>{value}</td></tr>'


def test_the_upload_page_shows_the_form_in_vietnamese_by_default(admin_client):
    page = admin_client.get(UPLOAD_URL)

    assert page.status_code == 200
    assert page.templates[0].name == "geodata/admin/import_upload.html"
    assertContains(page, '<html lang="vi" dir="ltr">')
    assertContains(
        page, "<title>Nhập tệp dữ liệu vào cơ sở dữ liệu | Trang web admin Django</title>"
    )
    assertContains(page, "<h1>Nhập tệp dữ liệu vào cơ sở dữ liệu</h1>", html=True)
    assertContains(page, '<a href="/admin/">Trang chủ</a>', html=True)
    assertContains(page, '<label for="id_file" class="required">Tệp:</label>', html=True)
    assertContains(
        page,
        '<input type="file" name="file" required aria-describedby="id_file_helptext" id="id_file">',
        html=True,
    )
    assertContains(
        page,
        '<div class="help" id="id_file_helptext">'
        "Tệp CSV, XLSX hoặc GeoJSON; dung lượng tối đa 50 MB.</div>",
        html=True,
    )
    assertContains(page, '<label for="id_province">Dành cho tỉnh, thành phố:</label>', html=True)
    assertContains(
        page, '<select name="province" aria-describedby="id_province_helptext" id="id_province">'
    )
    hanoi = province("01")
    assertContains(page, f'<option value="{hanoi.pk}">Thành phố Hà Nội</option>', html=True)
    assertContains(page, "<option value=", count=34 + 1)  # the 34 provinces, and none
    assertContains(
        page, '<label for="id_only_valid_rows">Chỉ nhập các dòng hợp lệ:</label>', html=True
    )
    assertContains(
        page,
        '<input type="checkbox" name="only_valid_rows" '
        'aria-describedby="id_only_valid_rows_helptext" id="id_only_valid_rows">',
        html=True,
    )
    assertContains(page, '<input type="submit" class="default" value="Kiểm tra tệp">', html=True)
    assertContains(page, 'enctype="multipart/form-data"')
    for english in ("Import a registry file", "for the province", "only the valid rows", "file:"):
        assertNotContains(page, english)


def test_in_vietnamese_the_report_does_not_call_the_created_rows_a_creation_date(admin_client):
    run = import_registry(registry_csv(QUATEST_1), "dang-ky.csv", ImportOptions(dry_run=True))

    page = admin_client.get(change_url(run), {"show": "all"})

    assertContains(page, '<html lang="vi" dir="ltr">')
    for model_label in ("ngày tạo", "ngày cập nhật"):  # "created", "updated" of the models
        assertNotContains(page, model_label)


def test_uploading_a_good_file_checks_it_writes_nothing_and_shows_its_report(official):
    data = registry_csv(QUATEST_1)

    response = upload(official, data)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response.url == change_url(run)
    assert run.outcome == ImportRun.Outcome.CHECKED
    assert run.dry_run is True
    assert run.file_name == "dang-ky-vilas.csv"
    assert run.size_bytes == len(data)
    assert run.performed_by == "admin"
    assert run.totals == {
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "error": 0,
        "skipped": 0,
        "errors": 0,
        "warnings": 0,
        "near_duplicates": 0,
    }
    assert registry_is_empty()

    page = official.get(response.url)
    assert page.status_code == 200
    assertContains(page, f"<title>Import {run.pk}: dang-ky-vilas.csv | Django site admin</title>")
    assertContains(page, f"<h1>Import {run.pk}: dang-ky-vilas.csv</h1>", html=True)
    local_start = f"{timezone.localtime(run.started_at):%d/%m/%Y %H:%M}"  # Asia/Ho_Chi_Minh
    assertContains(page, f"  dang-ky-vilas.csv ({local_start})\n</div>")  # the breadcrumbs
    assertContains(page, "<strong>checked, nothing written</strong>", html=True)
    assertContains(page, totals_row("rows", 1), html=True)
    assertContains(page, totals_row("created", 1), html=True)
    assertContains(page, totals_row("with errors", 0), html=True)
    assertContains(page, "Nothing has been written yet.")
    assertContains(page, CONFIRM_BUTTON, html=True)
    assertContains(page, f'<form method="post" action="{confirm_url(run)}">')
    assertNotContains(page, "The file has errors")


def test_confirming_a_check_imports_the_file_and_says_so(official):
    checked = check(official, registry_csv(QUATEST_1))

    response = official.post(confirm_url(checked))

    imported = ImportRun.objects.exclude(pk=checked.pk).get()
    assert response.status_code == 302
    assert response.url == change_url(imported)
    assert imported.outcome == ImportRun.Outcome.IMPORTED
    assert imported.dry_run is False
    assert imported.sha256 == checked.sha256
    assert imported.totals["created"] == 1

    organisation = Organisation.objects.get()
    assert organisation.name_vi == "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1"
    site = Site.objects.get()
    assert site.organisation == organisation
    assert site.name == organisation.name_vi
    assert site.kinds == ["testing"]
    assert site.address == "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội"
    assert site.province.code == "01"
    assert site.location.srid == 4326
    assert (site.location.x, site.location.y) == pytest.approx((105.8040, 21.0465), abs=1e-9)
    assert site.location_method == "supplied"
    credential = Credential.objects.get()
    assert credential.number == "VILAS 216"
    assert credential.scheme.code == "vilas"
    assert credential.issuer.code == "boa"
    assert credential.standard == "ISO/IEC 17025"
    assert (credential.issued_on, credential.valid_until) == (date(2024, 3, 12), date(2029, 3, 11))
    assert list(credential.sites.all()) == [site]
    assert imported.report["rows"][0]["records"] == {
        "organisation": organisation.pk,
        "site": site.pk,
        "credential": credential.pk,
    }

    page = official.get(response.url)
    assertContains(page, '<li class="success">The file was imported.</li>', html=True)
    assertContains(page, "<strong>imported</strong>", html=True)
    assertContains(page, totals_row("created", 1), html=True)
    assertNotContains(page, CONFIRM_BUTTON, html=True)
    # With no message to show, every row is shown, with a link to its site.
    assertContains(page, f'<a href="/admin/geodata/site/{site.pk}/change/">site</a>', html=True)


def test_confirming_a_check_a_second_time_leads_to_its_import_instead_of_importing_again(
    official,
):
    checked = check(official, registry_csv(QUATEST_1))
    first = official.post(confirm_url(checked))
    imported = ImportRun.objects.get(outcome=ImportRun.Outcome.IMPORTED)

    again = official.post(confirm_url(checked), follow=True)

    assert first.url == change_url(imported)
    assert again.redirect_chain == [(change_url(imported), 302)]
    assertContains(
        again,
        '<li class="warning">This check was already confirmed: its file was imported '
        f"(import {imported.pk}).</li>",
        html=True,
    )
    assert ImportRun.objects.filter(outcome=ImportRun.Outcome.IMPORTED).count() == 1
    assert Organisation.objects.count() == 1
    page = official.get(change_url(checked))
    assertNotContains(page, CONFIRM_BUTTON, html=True)
    assertContains(
        page,
        f'<p>This file was imported after this check: see <a href="{change_url(imported)}">'
        f"import {imported.pk}</a>.</p>",
        html=True,
    )


def test_a_row_error_is_shown_with_its_row_and_column_and_the_file_cannot_be_confirmed(official):
    checked = check(official, registry_csv(QUATEST_1, QUATEST_3_WRONG_DATE))

    assert checked.outcome == ImportRun.Outcome.CHECKED
    assert (checked.totals["created"], checked.totals["error"]) == (1, 1)
    page = official.get(change_url(checked))
    assertContains(
        page,
        f"""<tr class="outcome-error">
              <td>3</td>
              <td>error</td>
              <td><ul class="import-messages" style="margin:0;padding:0;list-style:none">
                <li class="issue-error"><strong>Error</strong> [Ngày cấp]: {WRONG_DATE_MESSAGE}</li>
              </ul></td>
            </tr>""",
        html=True,
    )
    assertContains(page, totals_row("with errors", 1), html=True)
    assertContains(
        page,
        '<p class="errornote">The file has errors: correct them and upload it again, or upload '
        "it again asking for only the valid rows.</p>",
        html=True,
    )
    assertNotContains(page, CONFIRM_BUTTON, html=True)
    assertNotContains(page, confirm_url(checked))

    refused = official.post(confirm_url(checked))

    assert refused.status_code == 403
    assert list(ImportRun.objects.all()) == [checked]
    assert registry_is_empty()


def test_a_file_checked_for_its_valid_rows_only_imports_only_those(official):
    checked = check(official, registry_csv(QUATEST_1, QUATEST_3_WRONG_DATE), only_valid_rows="on")

    assert checked.outcome == ImportRun.Outcome.CHECKED
    assert checked.only_valid_rows is True
    page = official.get(change_url(checked))
    assertContains(page, "1 row with errors will be left out, as asked.")
    assertContains(page, "<dt>Option</dt><dd>only the valid rows</dd>", html=True)
    assertContains(page, CONFIRM_BUTTON, html=True)

    response = official.post(confirm_url(checked))

    imported = ImportRun.objects.exclude(pk=checked.pk).get()
    assert response.url == change_url(imported)
    assert imported.outcome == ImportRun.Outcome.IMPORTED
    assert imported.only_valid_rows is True
    assert (imported.totals["created"], imported.totals["error"]) == (1, 1)
    assert list(Organisation.objects.values_list("name_vi", flat=True)) == [QUATEST_1[0]]
    assert list(Credential.objects.values_list("number", flat=True)) == ["VILAS 216"]
    assert Site.objects.get().province.code == "01"
    assertContains(official.get(response.url), "The file was imported.")


@pytest.mark.parametrize(
    "name, data",
    [
        ("danh-sach-phong-thi-nghiem.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
        ("bien-ban-danh-gia.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
    ],
)
def test_an_old_workbook_or_a_file_of_another_kind_is_refused_by_the_form(official, name, data):
    page = upload(official, data, name=name)

    assert page.status_code == 200
    assert page.templates[0].name == "geodata/admin/import_upload.html"
    assertContains(
        page,
        '<ul class="errorlist" id="id_file_error"><li>Upload a CSV, XLSX or GeoJSON file (an '
        "old .xls: save it as .xlsx first).</li></ul>",
        html=True,
    )
    assert not ImportRun.objects.exists()
    assert registry_is_empty()


def test_a_csv_without_registry_columns_is_recorded_as_rejected_with_its_message(official):
    data = "Họ và tên,Ngày sinh\r\nNguyễn Văn An,01/01/1990\r\n".encode("utf-8-sig")

    rejected = check(official, data, name="danh-sach-can-bo.csv")

    assert rejected.outcome == ImportRun.Outcome.REJECTED
    page = official.get(change_url(rejected))
    assertContains(page, "<strong>rejected: errors, nothing written</strong>", html=True)
    assertContains(
        page,
        '<li class="issue-error">Error: No row of column names was found in the first 30 rows: '
        "the header row needs at least two names the importer knows, such as “Tên tổ chức” and "
        "“Địa chỉ”.</li>",
        html=True,
    )
    assertNotContains(page, CONFIRM_BUTTON, html=True)
    assert official.post(confirm_url(rejected)).status_code == 403
    assert registry_is_empty()


def test_the_report_downloads_as_json_and_the_file_as_the_same_bytes(official):
    data = registry_csv(QUATEST_1, QUATEST_3_WRONG_DATE)
    run = check(official, data)

    report = official.get(reverse("admin:geodata_importrun_report", args=[run.pk]))

    assert report.status_code == 200
    assert report["Content-Type"] == "application/json"
    assert report["Content-Disposition"] == f'attachment; filename="import-{run.pk}-report.json"'
    assert report.json() == run.report
    assert report.json()["totals"] == run.totals
    assert [(row["row"], row["outcome"]) for row in report.json()["rows"]] == [
        (2, "created"),
        (3, "error"),
    ]
    assert report.json()["rows"][1]["issues"][0]["column"] == "Ngày cấp"
    assert "“31/02/2024”".encode() in report.content  # readable UTF-8, not \u escapes

    file = official.get(reverse("admin:geodata_importrun_file", args=[run.pk]))

    assert file.status_code == 200
    assert file["Content-Disposition"] == 'attachment; filename="dang-ky-vilas.csv"'
    assert b"".join(file.streaming_content) == data


def test_import_runs_cannot_be_edited_or_deleted_and_are_listed_with_their_outcome(official):
    data = registry_csv(QUATEST_1)
    checked = import_registry(data, "kiem-tra.csv", ImportOptions(dry_run=True))
    imported = import_registry(data, "dang-ky.csv", ImportOptions(province="01"))
    assert imported.outcome == ImportRun.Outcome.IMPORTED

    delete = official.post(
        reverse("admin:geodata_importrun_delete", args=[imported.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    edit = official.post(change_url(checked), {"outcome": "imported", "file_name": "khac.csv"})
    assert edit.status_code == 200
    checked.refresh_from_db()
    assert (checked.outcome, checked.file_name) == ("checked", "kiem-tra.csv")
    assert ImportRun.objects.count() == 2

    page = official.get(reverse("admin:geodata_importrun_changelist"))
    assert page.status_code == 200
    assertContains(page, '<td class="field-outcome">checked, nothing written</td>', html=True)
    assertContains(page, '<td class="field-outcome">imported</td>', html=True)
    assertContains(
        page, '<td class="field-summary">1 created, 0 updated, 0 with errors</td>', count=2
    )
    assertContains(page, '<td class="field-province nowrap">Thành phố Hà Nội</td>', html=True)
    assertNotContains(page, 'value="delete_selected"')


def test_permission_boxes_ticked_in_the_admin_grant_nothing_without_a_role(
    client, django_user_model
):
    clerk = django_user_model.objects.create_user("thanh-tra", password="x", is_staff=True)
    for codename in ("view_importrun", "add_importrun"):
        clerk.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(clerk)
    checked = import_registry(registry_csv(QUATEST_1), "dang-ky.csv", ImportOptions(dry_run=True))

    assert client.get(UPLOAD_URL).status_code == 403
    assert upload(client, registry_csv(QUATEST_1)).status_code == 403
    assert client.get(reverse("admin:geodata_importrun_changelist")).status_code == 403
    assert client.get(change_url(checked)).status_code in (403, 404)
    assert client.post(confirm_url(checked)).status_code in (403, 404)
    assert ImportRun.objects.count() == 1
    assert registry_is_empty()


def test_uploading_again_a_file_already_imported_warns_that_it_is_identical(official):
    data = registry_csv(QUATEST_1)
    official.post(confirm_url(check(official, data)))
    imported = ImportRun.objects.get(outcome=ImportRun.Outcome.IMPORTED)

    again = check(official, data)

    assert again.outcome == ImportRun.Outcome.CHECKED
    assert again.report["file"]["previous_import"] == imported.pk
    assert again.totals["unchanged"] == 1
    when = f"{timezone.localtime(imported.started_at):%d/%m/%Y %H:%M}"
    page = official.get(change_url(again))
    assertContains(
        page,
        f'<li class="issue-warning">Warning: This file is identical to the one imported on '
        f"{when} by admin (import {imported.pk}): importing it again changes nothing unless the "
        "registry was edited since.</li>",
        html=True,
    )
    assertContains(page, totals_row("unchanged", 1), html=True)
    assertContains(page, CONFIRM_BUTTON, html=True)  # a warning does not stop it
