"""A registry file imported through the admin in the real browser: upload, read the check,
confirm; on a desktop and on a phone."""

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from geodata.models import Credential, ImportRun, Scheme, Site
from tests.browser.conftest import DESKTOP
from tests.geodata.test_import_admin import QUATEST_1, registry_csv

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ROWS = [
    QUATEST_1,
    # No coordinates: placed at its commune's point, with a warning, so the rows table shows.
    [
        "Viện Đo lường Việt Nam",
        "Hiệu chuẩn",
        "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội",
        "",
        "",
        "VILAS 007",
        "05/06/2023",
        "04/06/2028",
    ],
]


def two_row_csv() -> bytes:
    return registry_csv(*ROWS)


def in_vietnamese(message: str) -> str:
    with translation.override("vi"):
        return gettext(message)


@pytest.fixture
def reference_data(transactional_db, provinces):
    """Units, communes and vocabularies: an earlier transactional test may have flushed them."""
    if not Scheme.objects.filter(code="vilas").exists():
        call_command("load_reference_data", verbosity=0)


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def screenshots(page, folder, name):
    """The page at desktop then phone width (whole page); the phone must not scroll sideways."""
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=folder / f"{name}-phone.png", full_page=True)
    overflow = horizontal_overflow(page)
    page.set_viewport_size(DESKTOP)
    return overflow


def test_an_official_uploads_checks_and_imports_a_file_on_desktop_and_phone(
    admin_page, page_problems, reference_data, tmp_path
):
    page = admin_page
    page.goto("/admin/geodata/importrun/add/")
    assert screenshots(page, tmp_path, "1-upload") <= 0

    page.set_input_files(
        "#id_file",
        files=[{"name": "dang-ky-vilas.csv", "mimeType": "text/csv", "buffer": two_row_csv()}],
    )
    with page.expect_navigation():
        page.locator(".submit-row [type=submit]").click()

    checked = ImportRun.objects.get()
    assert checked.outcome == ImportRun.Outcome.CHECKED
    assert page.url.endswith(f"/admin/geodata/importrun/{checked.pk}/change/")
    totals = page.locator("table.import-totals")
    assert totals.is_visible()
    assert totals.locator("tr").nth(0).locator("td").inner_text() == "2"  # rows
    assert totals.locator("tr").nth(1).locator("td").inner_text() == "2"  # created
    assert page.locator("table.import-rows tbody tr").count() == 1  # the row with a warning
    assert not Site.objects.exists()
    assert screenshots(page, tmp_path, "2-check") <= 0

    with page.expect_navigation():
        page.get_by_role("button", name=in_vietnamese("Import this file")).click()

    imported = ImportRun.objects.get(outcome=ImportRun.Outcome.IMPORTED)
    assert page.url.endswith(f"/admin/geodata/importrun/{imported.pk}/change/")
    success = page.locator(".messagelist li.success")
    assert success.inner_text() == in_vietnamese("The file was imported.")
    assert sorted(Credential.objects.values_list("number", flat=True)) == [
        "VILAS 007",
        "VILAS 216",
    ]
    assert screenshots(page, tmp_path, "3-imported") <= 0
    assert not page_problems, page_problems
    print(f"screenshots in {tmp_path}")
