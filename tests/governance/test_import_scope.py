"""A provincial officer's imports change the records of their own province and nothing else."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from geodata.models import Credential, ImportRun, Organisation
from tests.factories import province
from tests.geodata.importers.test_registry_import import (
    QUATEST_1_NAME,
    csv_of,
    imported,
    issues,
    row,
    saigon_row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def quatest_in_two_provinces():
    """QUATEST 1 with a laboratory in Hà Nội (VILAS 216) and one in Sài Gòn (VILAS 217)."""
    assert imported(csv_of(row(), saigon_row())).outcome == "imported"


def test_an_import_for_one_province_cannot_rename_an_organisation_present_elsewhere(
    quatest_in_two_provinces,
):
    renamed = row(**{"Tên tổ chức": "Trung tâm đã đổi tên"})
    run = imported(csv_of(renamed), province="01")
    assert run.outcome == "rejected"
    assert (2, None, "outside_import_province") in issues(run)
    assert Organisation.objects.get().name_vi == QUATEST_1_NAME


def test_an_import_for_one_province_updates_a_credential_held_there(quatest_in_two_provinces):
    run = imported(csv_of(row(**{"Ngày hết hạn": "31/12/2030"})), province="01")
    assert run.outcome == "imported"
    assert str(Credential.objects.get(number="VILAS 216").valid_until) == "2030-12-31"


def test_an_import_for_one_province_cannot_change_a_credential_covering_another_province(
    quatest_in_two_provinces,
):
    Credential.objects.get(number="VILAS 216").sites.add(
        *Credential.objects.get(number="VILAS 217").sites.all()
    )
    run = imported(csv_of(row(**{"Ngày hết hạn": "31/12/2030"})), province="01")
    assert run.outcome == "rejected"
    assert (2, None, "outside_import_province") in issues(run)


def test_the_same_change_from_a_central_import_is_made(quatest_in_two_provinces):
    imported(csv_of(row(**{"Tên tổ chức": "Trung tâm đã đổi tên"})))
    assert Organisation.objects.get().name_vi == "Trung tâm đã đổi tên"


def officer_client(officer):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)
    return client


def test_an_officer_uploads_for_their_own_province_only(officer):
    upload = csv_of(row())
    client = officer_client(officer)
    url = reverse("admin:geodata_importrun_add")
    assert f'value="{province("48").pk}"' not in client.get(url).text
    forged = {"file": _named(upload), "province": province("48").pk}
    page = client.post(url, forged)
    assert "Select a valid choice" in page.text
    assert not ImportRun.objects.exists()
    client.post(url, {"file": _named(upload), "province": province("01").pk})
    assert ImportRun.objects.get().province.code == "01"


def test_an_officer_cannot_open_another_provinces_import(officer):
    run = imported(csv_of(saigon_row()), province="79", dry_run=True)
    client = officer_client(officer)
    assert client.get(reverse("admin:geodata_importrun_change", args=[run.pk])).status_code == 404
    assert client.get(reverse("admin:geodata_importrun_file", args=[run.pk])).status_code == 404
    confirm = reverse("admin:geodata_importrun_confirm", args=[run.pk])
    assert client.post(confirm).status_code == 404
    assert ImportRun.objects.count() == 1


def _named(data: bytes):
    return SimpleUploadedFile("danh_sach.csv", data, content_type="text/csv")
