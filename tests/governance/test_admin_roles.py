"""What each role can and cannot do in the admin, with the inputs an attacker would try."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from geodata.models import Document, Site
from governance.models import ChangeRequest
from tests.factories import province, site_form
from tests.pdf_files import good_pdf

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def change_url(site):
    return reverse("admin:geodata_site_change", args=[site.pk])


def test_an_officer_lists_the_sites_of_their_province_only(officer, ha_noi_site, da_nang_site):
    page = client_of(officer).get(reverse("admin:geodata_site_changelist"))
    assert ha_noi_site.name in page.text
    assert da_nang_site.name not in page.text


def test_an_officer_cannot_open_or_change_another_provinces_site_by_its_id(officer, da_nang_site):
    client = client_of(officer)
    assert client.get(change_url(da_nang_site)).status_code == 302  # "does not exist"
    posted = site_form(da_nang_site, name="Đã bị sửa", location_lon="108.22", location_lat="16.07")
    client.post(change_url(da_nang_site), posted)
    da_nang_site.refresh_from_db()
    assert da_nang_site.name == "Trạm kiểm định Đà Nẵng"


def test_an_officer_cannot_move_a_site_into_another_province(officer, ha_noi_site):
    forged = site_form(ha_noi_site, province=province("48").pk)
    page = client_of(officer).post(change_url(ha_noi_site), forged)
    assert page.status_code == 200
    assert "Select a valid choice" in page.text
    ha_noi_site.refresh_from_db()
    assert ha_noi_site.province.code == "01"


def test_an_officer_changes_a_site_of_their_province(officer, ha_noi_site):
    page = client_of(officer).post(change_url(ha_noi_site), site_form(ha_noi_site, phone="024 3"))
    assert page.status_code == 302
    ha_noi_site.refresh_from_db()
    assert ha_noi_site.phone == "024 3"


def test_an_officers_export_holds_the_records_of_their_province_only(
    officer, ha_noi_site, da_nang_site
):
    every_site = [ha_noi_site.pk, da_nang_site.pk]
    export = client_of(officer).post(
        reverse("admin:geodata_site_changelist"),
        {"action": "export_csv", "_selected_action": every_site},
    )
    assert export["Content-Disposition"] == 'attachment; filename="sites.csv"'
    text = export.content.decode()
    assert ha_noi_site.name in text
    assert da_nang_site.name not in text


def test_a_user_without_a_role_sees_no_registry_in_the_admin(public_user, ha_noi_site):
    client = client_of(public_user)
    assert client.get(reverse("admin:geodata_site_changelist")).status_code == 403
    assert client.get(change_url(ha_noi_site)).status_code == 403


def test_a_representatives_change_is_a_proposal_and_the_map_is_untouched(
    representative, ha_noi_site
):
    page = client_of(representative).post(
        change_url(ha_noi_site), site_form(ha_noi_site, phone="0912 345 678")
    )
    proposal = ChangeRequest.objects.get()
    assert page.status_code == 302
    assert page.url == reverse("admin:governance_changerequest_change", args=[proposal.pk])
    assert proposal.changes == {"phone": "0912 345 678"}
    ha_noi_site.refresh_from_db()
    assert ha_noi_site.phone == ""


def test_a_forged_publication_field_in_a_representatives_form_is_ignored(
    representative, organisation
):
    hidden = Site.objects.create(
        organisation=organisation,
        name="Điểm chưa công bố",
        address="Số 2 Cầu Giấy",
        province=province(),
        location="POINT(105.8 21.04)",
        location_method="surveyed",
        kinds=["verification"],
        published=False,
    )
    forged = site_form(hidden, published="on", phone="0243")
    client_of(representative).post(change_url(hidden), forged)
    assert ChangeRequest.objects.get().changes == {"phone": "0243"}
    hidden.refresh_from_db()
    assert hidden.published is False


def test_a_representative_cannot_open_another_organisations_site(representative, da_nang_site):
    assert client_of(representative).get(change_url(da_nang_site)).status_code == 302
    client_of(representative).post(change_url(da_nang_site), site_form(da_nang_site, phone="1"))
    assert not ChangeRequest.objects.exists()


def propose_phone(representative, site, phone="0912 345 678"):
    client_of(representative).post(change_url(site), site_form(site, phone=phone))
    return ChangeRequest.objects.latest("pk")


def decide(user, proposal, **data):
    url = reverse("admin:governance_changerequest_decide", args=[proposal.pk])
    return client_of(user).post(url, data)


def test_the_officer_of_the_province_approves_and_the_change_is_published(
    representative, officer, ha_noi_site, django_capture_on_commit_callbacks
):
    representative.email = "dai-dien@example.org"
    representative.save()
    proposal = propose_phone(representative, ha_noi_site)
    with django_capture_on_commit_callbacks(execute=True):
        decide(officer, proposal, approve="1")
    ha_noi_site.refresh_from_db()
    proposal.refresh_from_db()
    assert ha_noi_site.phone == "0912 345 678"
    assert (proposal.status, proposal.decided_by) == ("approved", officer)
    assert mail.outbox[-1].to == ["dai-dien@example.org"]
    public = Client().get(f"/api/v1/sites/{ha_noi_site.pk}/").json()
    assert public["properties"]["phone"] == "0912 345 678"


def test_an_officer_of_another_province_cannot_decide(representative, other_officer, ha_noi_site):
    proposal = propose_phone(representative, ha_noi_site)
    assert decide(other_officer, proposal, approve="1").status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == "pending"


def test_a_representative_cannot_approve_their_own_proposal(representative, ha_noi_site):
    proposal = propose_phone(representative, ha_noi_site)
    decide(representative, proposal, approve="1")
    proposal.refresh_from_db()
    ha_noi_site.refresh_from_db()
    assert proposal.status == "pending"
    assert ha_noi_site.phone == ""


def test_a_rejection_needs_a_reason_which_the_proposer_then_reads(
    representative, officer, ha_noi_site
):
    proposal = propose_phone(representative, ha_noi_site)
    decide(officer, proposal, reject="1", reason="")
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    decide(officer, proposal, reject="1", reason="Số điện thoại không liên lạc được.")
    page = client_of(representative).get(
        reverse("admin:governance_changerequest_change", args=[proposal.pk])
    )
    assert "Số điện thoại không liên lạc được." in page.text
    ha_noi_site.refresh_from_db()
    assert ha_noi_site.phone == ""


def test_a_proposal_made_stale_by_a_later_change_is_not_applied(
    representative, officer, ha_noi_site
):
    proposal = propose_phone(representative, ha_noi_site)
    Site.objects.filter(pk=ha_noi_site.pk).update(phone="024 9999")
    decide(officer, proposal, approve="1")
    proposal.refresh_from_db()
    ha_noi_site.refresh_from_db()
    assert proposal.status == "pending"
    assert ha_noi_site.phone == "024 9999"


def test_a_new_site_proposed_by_a_representative_is_published_only_once_approved(
    representative, officer, ha_noi_site
):
    new = site_form(ha_noi_site, name="Trạm kiểm định mới", address="Số 10 Trần Duy Hưng")
    client_of(representative).post(reverse("admin:geodata_site_add"), new)
    proposal = ChangeRequest.objects.get()
    assert (proposal.target, proposal.object_id) == ("site", None)
    assert not Site.objects.filter(name="Trạm kiểm định mới").exists()
    decide(officer, proposal, approve="1")
    site = Site.objects.get(name="Trạm kiểm định mới")
    assert (site.organisation, site.published) == (ha_noi_site.organisation, True)
    assert Client().get(f"/api/v1/sites/{site.pk}/").status_code == 200


def test_a_proposal_that_changes_nothing_is_refused_with_a_message(representative, ha_noi_site):
    page = client_of(representative).post(change_url(ha_noi_site), site_form(ha_noi_site))
    assert "The proposal changes nothing" in page.text
    assert not ChangeRequest.objects.exists()


def test_a_document_proposed_by_a_representative_is_checked_then_filed_on_approval(
    representative, officer, ha_noi_site
):
    url = reverse("admin:geodata_document_add")
    form = {"kind": "certificate", "title": "Giấy chứng nhận đăng ký", "public": "on"}
    html = SimpleUploadedFile("gcn.pdf", b"<html><script>alert(1)</script></html>")
    refused = client_of(representative).post(url, {**form, "file": html})
    assert "This file is not a PDF" in refused.text
    assert not ChangeRequest.objects.exists()
    content = good_pdf()
    pdf = SimpleUploadedFile("gcn.pdf", content, content_type="application/pdf")
    client_of(representative).post(url, {**form, "file": pdf})
    proposal = ChangeRequest.objects.get()
    assert not Document.objects.exists()
    decide(officer, proposal, approve="1")
    document = Document.objects.get()
    assert (document.organisation, document.title) == (ha_noi_site.organisation, form["title"])
    assert document.file.read() == content


def test_a_representative_cannot_skip_approval_by_restoring_an_earlier_version(
    representative, ha_noi_site
):
    first = ha_noi_site.history.order_by("pgh_id").first()
    Site.objects.filter(pk=ha_noi_site.pk).update(phone="024 1111")  # a later version
    url = reverse("admin:geodata_site_restore", args=[ha_noi_site.pk, first.pgh_id])
    assert client_of(representative).post(url).status_code == 403
    ha_noi_site.refresh_from_db()
    assert ha_noi_site.phone == "024 1111"


def test_approving_a_proposal_whose_record_was_deleted_says_so_and_changes_nothing(
    representative, officer, ha_noi_site
):
    proposal = propose_phone(representative, ha_noi_site)
    Site.objects.filter(pk=ha_noi_site.pk).delete()
    client = client_of(officer)
    url = reverse("admin:governance_changerequest_decide", args=[proposal.pk])
    page = client.post(url, {"approve": "1"}, follow=True)
    assert "no longer exists: reject the proposal" in page.text
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    assert not Site.objects.filter(pk=ha_noi_site.pk).exists()


def test_a_representative_is_not_offered_a_new_organisation_form(representative):
    client = client_of(representative)
    assert client.get(reverse("admin:geodata_organisation_add")).status_code == 403
    assert client.get(reverse("admin:geodata_site_add")).status_code == 200
