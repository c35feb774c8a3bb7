"""The registry's history: every change to a record kept by database triggers (admin edits, bulk
imports, approvals, restores, deletions), shown in the admin with who, when, before and after,
and an earlier version restored through the admin."""

import json

import pghistory
import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from geodata.history import LINKS, TRACKED, event_model
from geodata.models import CredentialSiteHistory, ImportRun, RegistryEvent, Site, SiteHistory
from geodata.services import ImportOptions, import_registry
from tests.factories import make_credential, make_site, site_form
from tests.geodata.importers import messy_files

pytestmark = pytest.mark.django_db

HEADERS = ["Tên tổ chức", "Mã số thuế", "Loại hình", "Địa chỉ", "Kinh độ", "Vĩ độ", "Số hiệu",
           "Ngày cấp", "Ngày hết hạn", "Điện thoại"]  # fmt: skip
QUATEST_1 = "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1"
NGHIA_DO = "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội"
VIEW = RegistryEvent._meta.db_table


def registry_file(phone="024 3836 1399"):
    row = [QUATEST_1, "0100109106", "Thử nghiệm", NGHIA_DO, "105.7940", "21.0451", "VILAS 216",
           "12/03/2024", "11/03/2029", phone]  # fmt: skip
    return messy_files.write_csv([HEADERS, row])


def history_page(client, record):
    """The record's history page, in English (the admin's source language)."""
    url = reverse(f"admin:geodata_{record._meta.model_name}_history", args=[record.pk])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.text


def restore_url(site, event):
    return reverse("admin:geodata_site_restore", args=[site.pk, event.pgh_id])


def latest(site_id):
    return SiteHistory.objects.filter(pgh_obj_id=site_id).select_related("pgh_context").last()


@pytest.fixture
def official(admin_client):
    return admin_client


# What is kept ----------------------------------------------------------------------------------


def test_an_admin_edit_of_a_site_keeps_who_made_it_and_the_values_before_and_after(
    official, admin_user
):
    site = make_site(name="Trạm kiểm định Cầu Giấy", phone="024 1111")
    url = reverse("admin:geodata_site_change", args=[site.pk])

    edit = site_form(site, name="Trạm kiểm định Nghĩa Đô", phone="024 2222")
    assert official.post(url, edit).status_code == 302

    event = latest(site.pk)
    assert (event.pgh_label, event.name, event.phone) == (
        "update",
        "Trạm kiểm định Nghĩa Đô",
        "024 2222",
    )
    assert event.pgh_context.metadata["user"] == admin_user.pk
    assert event.pgh_context.metadata["url"] == url
    page = history_page(official, site)
    assert "<del>Trạm kiểm định Cầu Giấy</del> → <ins>Trạm kiểm định Nghĩa Đô</ins>" in page
    assert "<del>024 1111</del> → <ins>024 2222</ins>" in page
    assert admin_user.get_username() in page


def test_a_save_that_changes_nothing_adds_no_version():
    site = make_site()
    site.save()

    assert [e.pgh_label for e in SiteHistory.objects.filter(pgh_obj_id=site.pk)] == ["insert"]


def test_a_bulk_import_keeps_the_run_and_the_user_of_each_record_it_writes(official, admin_user):
    run = import_registry(registry_file(), "danh_sach.csv", ImportOptions(), user=admin_user)
    assert run.outcome == ImportRun.Outcome.IMPORTED

    site = Site.objects.get()
    event = latest(site.pk)
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata | {"import_run": run.pk, "user": admin_user.pk} == (
        event.pgh_context.metadata
    )
    credential = site.credentials.get()
    assert CredentialSiteHistory.objects.filter(
        credential_id=credential.pk, site_id=site.pk, pgh_context=event.pgh_context
    ).exists()
    page = history_page(official, site)
    run_page = reverse("admin:geodata_importrun_change", args=[run.pk])
    assert f'<a href="{run_page}">import danh_sach.csv (#{run.pk})</a>' in page


def test_an_imported_change_shows_the_value_it_replaced_and_the_command_line_that_made_it(
    official,
):
    import_registry(registry_file("024 1111"), "quy_1.csv", performed_by="nguyenvana")
    run = import_registry(registry_file("024 2222"), "quy_2.csv", performed_by="nguyenvana")

    site = Site.objects.get()
    assert (latest(site.pk).pgh_label, latest(site.pk).phone) == ("update", "024 2222")
    page = history_page(official, site)
    assert f"import quy_2.csv (#{run.pk})</a>" in page
    assert "command line: nguyenvana" in page
    assert "<del>024 1111</del> → <ins>024 2222</ins>" in page


def test_a_check_of_a_file_leaves_no_history():
    import_registry(registry_file(), "kiem_tra.csv", ImportOptions(dry_run=True))

    assert not SiteHistory.objects.exists()


def test_a_deleted_site_keeps_its_last_version_and_its_history_page(official):
    site = make_site(name="Trạm đã giải thể")
    delete = reverse("admin:geodata_site_delete", args=[site.pk])

    assert official.post(delete, {"post": "yes"}).status_code == 302

    assert not Site.objects.filter(pk=site.pk).exists()
    event = latest(site.pk)
    assert (event.pgh_label, event.name) == ("delete", "Trạm đã giải thể")
    page = history_page(official, site)
    assert "Trạm đã giải thể" in page
    assert restore_url(site, event) in page


def test_a_site_added_to_and_removed_from_a_credential_is_kept_on_both_histories(official):
    site = make_site(name="Phòng thử nghiệm Hòa Lạc")
    credential = make_credential(number="VILAS 999")
    credential.sites.add(site)
    credential.sites.remove(site)

    links = CredentialSiteHistory.objects.filter(credential_id=credential.pk, site_id=site.pk)
    assert [e.pgh_label for e in links.order_by("pgh_id")] == ["insert", "delete"]
    for record in (credential, site):
        page = history_page(official, record)
        assert "credential VILAS 999 – site Phòng thử nghiệm Hòa Lạc" in page
        assert "site covered: removed" in page


def test_an_approved_change_request_is_named_in_the_history(official, admin_user):
    site = make_site()
    site.phone = "024 3333"
    with pghistory.context(change_request=7, user=admin_user.pk):
        site.save()

    assert "approved change request #7" in history_page(official, site)


def test_the_history_is_append_only():
    site = make_site()

    with pytest.raises(DatabaseError), transaction.atomic():
        SiteHistory.objects.filter(pgh_obj_id=site.pk).update(name="rewritten")


def test_the_history_page_escapes_html_in_values(official):
    site = make_site(name="<script>alert(1)</script>")
    site.name = "<b>bold</b>"
    site.save()

    page = history_page(official, site)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "<b>bold</b>" not in page


# Restoring ------------------------------------------------------------------------------------


def renamed_site():
    """A site with two versions: its first name, then a new name and phone."""
    site = make_site(name="Trạm kiểm định Cầu Giấy", phone="024 1111")
    first = latest(site.pk)
    site.name, site.phone = "Trạm kiểm định Nghĩa Đô", "024 2222"
    site.save()
    return site, first


def test_restoring_an_earlier_version_asks_first_showing_what_will_change(official):
    site, first = renamed_site()

    page = official.get(restore_url(site, first))

    assert page.status_code == 200
    assert "<del>Trạm kiểm định Nghĩa Đô</del>" in page.text
    assert "<ins>Trạm kiểm định Cầu Giấy</ins>" in page.text
    site.refresh_from_db()
    assert site.name == "Trạm kiểm định Nghĩa Đô"


def test_restoring_an_earlier_version_writes_it_back_as_a_new_version(official, admin_user):
    site, first = renamed_site()

    response = official.post(restore_url(site, first))

    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.phone) == ("Trạm kiểm định Cầu Giấy", "024 1111")
    restore = latest(site.pk)
    assert restore.pgh_label == "update"
    assert restore.pgh_context.metadata["restored_from"] == first.pgh_id
    assert restore.pgh_context.metadata["user"] == admin_user.pk
    assert "restored the version of" in history_page(official, site)


def test_a_restored_site_is_what_the_public_api_and_search_show(official, client):
    site, first = renamed_site()

    official.post(restore_url(site, first))

    detail = client.get(reverse("layers:site", args=[site.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert json.loads(detail.content)["properties"]["name"] == "Trạm kiểm định Cầu Giấy"
    found = client.get(reverse("layers:search"), {"q": "tram kiem dinh cau giay"})
    labels = [s["label"] for s in json.loads(found.content)["suggestions"]]
    assert "Trạm kiểm định Cầu Giấy" in labels
    assert "Trạm kiểm định Nghĩa Đô" not in labels


def test_a_deleted_site_is_added_back_by_restoring_its_last_version(official):
    site = make_site(name="Trạm đã giải thể")
    pk = site.pk
    site.delete()

    url = reverse("admin:geodata_site_restore", args=[pk, latest(pk).pgh_id])

    response = official.post(url)

    assert response.status_code == 302
    assert Site.objects.get(pk=pk).name == "Trạm đã giải thể"


def test_a_version_that_is_no_longer_valid_is_not_restored_and_says_why(official):
    credential = make_credential(number="VILAS 100")
    first = credential.history.order_by("pgh_id").first()
    credential.number = "VILAS 101"
    credential.save()
    make_credential(number="VILAS 100")  # the number is another credential's now
    url = reverse("admin:geodata_credential_restore", args=[credential.pk, first.pgh_id])

    page = official.post(url)

    assert page.status_code == 200
    assert 'class="errornote"' in page.text
    credential.refresh_from_db()
    assert credential.number == "VILAS 101"


def test_restoring_without_the_right_to_change_the_record_is_refused(client):
    site, first = renamed_site()
    staff = get_user_model().objects.create_user("xem", password="x", is_staff=True)
    client.force_login(staff)

    assert client.post(restore_url(site, first)).status_code == 403
    site.refresh_from_db()
    assert site.name == "Trạm kiểm định Nghĩa Đô"


# The listing of every change -------------------------------------------------------------------


def test_the_registry_history_lists_changes_by_import_and_by_kind_of_record(official, admin_user):
    make_site(name="Trạm thêm tay")
    run = import_registry(registry_file(), "danh_sach.csv", ImportOptions(), user=admin_user)
    listing = reverse("admin:geodata_registryevent_changelist")

    imported = official.get(listing, {"import_run": run.pk, "model": "site"})

    assert imported.status_code == 200
    assert QUATEST_1 in imported.text
    assert "Trạm thêm tay" not in imported.text
    assert "Trạm thêm tay" in official.get(listing, {"model": "site"}).text


def test_the_registry_history_is_read_only(official):
    assert official.get(reverse("admin:geodata_registryevent_add")).status_code == 403


def test_the_registry_history_view_reads_every_history_table():
    with connection.cursor() as cursor:
        cursor.execute("SELECT definition FROM pg_views WHERE viewname = %s", [VIEW])
        (definition,) = cursor.fetchone()

    for model in (*TRACKED, LINKS):
        assert event_model(model)._meta.db_table in definition


def test_the_history_pages_ask_the_database_a_bounded_number_of_times(
    official, django_assert_max_num_queries
):
    site = make_site()
    for n in range(30):
        make_credential(site=site).sites.remove(site)
        site.phone = f"024 {n:04d}"
        site.save()

    with django_assert_max_num_queries(20):
        official.get(reverse("admin:geodata_registryevent_changelist"))
    with django_assert_max_num_queries(20):
        history_page(official, site)
