"""What each role can and cannot do through the registry API (/api/v1/registry/,
/api/v1/change-requests/), with real API keys and the inputs an attacker would try: another
province's record id, a site moved out of the province, a forged approval field, a
representative approving their own proposal, an HTML file named .pdf."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from geodata.models import Document, Organisation, Site, SiteHistory
from governance.models import ChangeRequest
from tests.factories import make_organisation, make_site, province
from tests.pdf_files import good_pdf

pytestmark = pytest.mark.django_db

SITES = "/api/v1/registry/sites/"
ORGANISATIONS = "/api/v1/registry/organisations/"
DOCUMENTS = "/api/v1/registry/documents/"
CHANGE_REQUESTS = "/api/v1/change-requests/"
LONG_BIEN = {"type": "Point", "coordinates": [105.89, 21.05]}
PARIS = {"type": "Point", "coordinates": [2.35, 48.85]}


def site_url(site):
    return f"{SITES}{site.pk}/"


def new_site(**fields):
    return {
        "name": "Trạm kiểm định công tơ Long Biên",
        "kinds": ["verification"],
        "address": "Số 2 Nguyễn Văn Cừ, phường Bồ Đề, Hà Nội",
        "province": "01",
        "location": LONG_BIEN,
        "location_method": "surveyed",
        **fields,
    }


def public_site(site_id):
    return APIClient().get(f"/api/v1/sites/{site_id}/")


def pdf_upload(content=None, name="giay-chung-nhan.pdf"):
    return SimpleUploadedFile(name, content or good_pdf(), content_type="application/pdf")


def decide(client, change_request_id, verdict, **body):
    return client.post(f"{CHANGE_REQUESTS}{change_request_id}/{verdict}/", body, format="json")


# A central administrator ---------------------------------------------------------------------


def test_an_administrator_creates_a_site_in_any_province(api_as, administrator):
    organisation = make_organisation("Trung tâm Kỹ thuật 2")
    answer = api_as(administrator).post(
        SITES,
        new_site(organisation=organisation.pk, province="48", published=True),
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    site = Site.objects.get(pk=answer.json()["id"])
    assert (site.province.code, site.published) == ("48", True)
    assert answer.json()["location"] == LONG_BIEN


# A provincial officer ------------------------------------------------------------------------


def test_an_officer_lists_and_reads_the_sites_of_their_province(
    api_as, officer, ha_noi_site, da_nang_site
):
    client = api_as(officer)
    listed = client.get(SITES).json()
    assert [site["id"] for site in listed["results"]] == [ha_noi_site.pk]
    site = client.get(site_url(ha_noi_site)).json()
    assert site["province"] == "01"
    assert site["location"] == {"type": "Point", "coordinates": [105.8, 21.04]}


@pytest.mark.parametrize(
    "method, body",
    [("get", None), ("patch", {"phone": "0236 999"}), ("put", new_site()), ("delete", None)],
)
def test_another_provinces_site_does_not_exist_for_an_officer(
    api_as, officer, da_nang_site, method, body
):
    answer = getattr(api_as(officer), method)(site_url(da_nang_site), body, format="json")
    assert answer.status_code == 404
    stored = Site.objects.get(pk=da_nang_site.pk)
    assert (stored.phone, stored.name) == ("", da_nang_site.name)


def test_an_officer_creates_a_site_of_their_province_recorded_as_theirs(
    api_as, officer, organisation
):
    answer = api_as(officer).post(SITES, new_site(organisation=organisation.pk), format="json")
    assert answer.status_code == 201, answer.json()
    site = Site.objects.get(pk=answer.json()["id"])
    assert site.province == province("01")
    created = SiteHistory.objects.filter(pgh_obj_id=site.pk).select_related("pgh_context").get()
    assert created.pgh_context.metadata["user"] == officer.pk


def test_an_officer_cannot_create_a_site_in_another_province(api_as, officer, organisation):
    answer = api_as(officer).post(
        SITES, new_site(organisation=organisation.pk, province="48"), format="json"
    )
    assert answer.status_code == 403
    assert "outside the province you answer for" in answer.json()["detail"]
    assert not Site.objects.filter(name=new_site()["name"]).exists()


def test_an_officer_cannot_move_a_site_into_another_province(api_as, officer, ha_noi_site):
    answer = api_as(officer).patch(site_url(ha_noi_site), {"province": "48"}, format="json")
    assert answer.status_code == 403
    assert "outside the province you answer for" in answer.json()["detail"]
    assert Site.objects.get(pk=ha_noi_site.pk).province == province("01")


def test_an_officer_changes_and_deletes_a_site_of_their_province(api_as, officer, ha_noi_site):
    client = api_as(officer)
    answer = client.patch(site_url(ha_noi_site), {"phone": "024 3836 1111"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["phone"] == "024 3836 1111"
    assert Site.objects.get(pk=ha_noi_site.pk).phone == "024 3836 1111"
    assert client.delete(site_url(ha_noi_site)).status_code == 204
    assert not Site.objects.filter(pk=ha_noi_site.pk).exists()


def test_a_point_outside_viet_nam_is_refused_with_the_models_message(api_as, officer, ha_noi_site):
    answer = api_as(officer).patch(site_url(ha_noi_site), {"location": PARIS}, format="json")
    assert answer.status_code == 400
    assert "outside Viet Nam" in answer.json()["location"][0]
    assert Site.objects.get(pk=ha_noi_site.pk).location.x == pytest.approx(105.8)


@pytest.mark.parametrize(
    "location",
    [
        '{"type": "LineString", "coordinates": [[105.8, 21.0], [105.9, 21.1]]}',
        '{"type": "Point", "coordinates": [105.8]}',
        '{"type": "Point", "coordinates": [105.8, 21.0, 12.0]}',
        '{"type": "Point", "coordinates": ["105.8", "21.0"]}',
        '{"type": "Point", "coordinates": [1e400, 21.0]}',
        '"POINT(105.8 21.0)"',
    ],
)
def test_a_location_that_is_not_a_geojson_point_is_refused(api_as, officer, ha_noi_site, location):
    answer = api_as(officer).patch(
        site_url(ha_noi_site), f'{{"location": {location}}}', content_type="application/json"
    )
    assert answer.status_code == 400
    assert "GeoJSON point" in answer.json()["location"][0]


@pytest.mark.parametrize(
    "wrong",
    [
        {"organisation": 10**30},
        {"organisation": "một"},
        {"province": "99999"},
        {"commune": "<script>"},
        {"kinds": ["nonsense"]},
        {"kinds": []},
        {"location_accuracy_m": -1},
        {"location_accuracy_m": 10**30},
        {"email": "not an address"},
        {"name": "x" * 1000},
        {"name": "Trạm\x00"},
    ],
)
def test_wrong_input_is_a_400_naming_the_field(api_as, officer, organisation, wrong):
    body = new_site(**{"organisation": organisation.pk, **wrong})
    answer = api_as(officer).post(SITES, body, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) == set(wrong)


def test_a_tax_code_already_used_is_refused(api_as, officer, organisation):
    organisation.tax_code = "0101234567"
    organisation.save()
    answer = api_as(officer).post(
        ORGANISATIONS, {"name_vi": "Công ty Trùng Mã", "tax_code": "0101234567"}, format="json"
    )
    assert answer.status_code == 400
    assert not Organisation.objects.filter(name_vi="Công ty Trùng Mã").exists()


def test_an_officer_cannot_change_an_organisation_with_a_site_in_another_province(
    api_as, officer, ha_noi_site
):
    organisation = ha_noi_site.organisation
    make_site("Chi nhánh Đà Nẵng", organisation=organisation, province=province("48"))
    client = api_as(officer)
    assert client.get(f"{ORGANISATIONS}{organisation.pk}/").status_code == 200
    answer = client.patch(f"{ORGANISATIONS}{organisation.pk}/", {"phone": "1"}, format="json")
    assert answer.status_code == 403
    assert Organisation.objects.get(pk=organisation.pk).phone == ""


def test_an_officer_cannot_attach_a_site_to_an_organisation_they_cannot_see(
    api_as, officer, da_nang_site
):
    answer = api_as(officer).post(
        SITES, new_site(organisation=da_nang_site.organisation_id), format="json"
    )
    assert answer.status_code == 400
    assert "organisation" in answer.json()


def test_an_officer_uploads_a_checked_pdf_for_an_organisation_of_their_province(
    api_as, officer, ha_noi_site
):
    answer = api_as(officer).post(
        DOCUMENTS,
        {
            "organisation": ha_noi_site.organisation_id,
            "kind": "certificate",
            "title": "Giấy chứng nhận đăng ký hoạt động",
            "file": pdf_upload(),
        },
        format="multipart",
    )
    assert answer.status_code == 201, answer.json()
    document = Document.objects.get(pk=answer.json()["id"])
    assert answer.json()["sha256"] == document.sha256
    assert document.file.name != "giay-chung-nhan.pdf"


def test_a_document_without_its_organisation_is_refused(api_as, officer):
    answer = api_as(officer).post(
        DOCUMENTS, {"kind": "other", "title": "Phụ lục", "file": pdf_upload()}, format="multipart"
    )
    assert answer.status_code == 400
    assert "organisation" in answer.json()


def test_an_html_file_named_pdf_is_refused(api_as, officer, ha_noi_site):
    answer = api_as(officer).post(
        DOCUMENTS,
        {
            "organisation": ha_noi_site.organisation_id,
            "kind": "certificate",
            "title": "Giấy chứng nhận",
            "file": pdf_upload(b"<html><script>alert(1)</script></html>"),
        },
        format="multipart",
    )
    assert answer.status_code == 400
    assert "not a PDF" in answer.json()["file"][0]
    assert not Document.objects.exists()


# An organisation's representative ------------------------------------------------------------


def test_a_representative_sees_their_organisations_sites_only(
    api_as, representative, ha_noi_site, da_nang_site
):
    client = api_as(representative)
    assert [site["id"] for site in client.get(SITES).json()["results"]] == [ha_noi_site.pk]
    assert client.get(site_url(da_nang_site)).status_code == 404
    assert client.patch(site_url(da_nang_site), {"phone": "1"}, format="json").status_code == 404


def test_a_representatives_change_is_a_proposal_and_the_registry_is_untouched(
    api_as, representative, ha_noi_site
):
    answer = api_as(representative).patch(
        site_url(ha_noi_site), {"phone": "0912 345 678"}, format="json"
    )
    assert answer.status_code == 202, answer.json()
    proposal = ChangeRequest.objects.get(pk=answer.json()["id"])
    assert answer["Location"] == answer.json()["url"]
    assert answer.json()["url"].endswith(f"{CHANGE_REQUESTS}{proposal.pk}/")
    assert (proposal.status, proposal.changes) == ("pending", {"phone": "0912 345 678"})
    assert Site.objects.get(pk=ha_noi_site.pk).phone == ""
    assert public_site(ha_noi_site.pk).json()["properties"]["phone"] == ""


@pytest.mark.parametrize(
    "forged",
    [
        {"published": True},
        {"status": "approved"},
        {"decided_by": 1},
        {"organisation": 1},
    ],
)
def test_a_forged_approval_field_in_a_representatives_proposal_is_refused(
    api_as, representative, ha_noi_site, forged
):
    body = {"phone": "0912 345 678", **forged}
    answer = api_as(representative).patch(site_url(ha_noi_site), body, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) == set(forged)
    assert "forged approval" in next(iter(answer.json().values()))[0]
    assert not ChangeRequest.objects.exists()


def test_a_representative_cannot_publish_a_new_site_by_sending_published(api_as, representative):
    answer = api_as(representative).post(SITES, new_site(published=True), format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == ["published"]
    assert not ChangeRequest.objects.exists()


def test_a_representatives_proposal_is_checked_like_a_change(api_as, representative, ha_noi_site):
    answer = api_as(representative).patch(site_url(ha_noi_site), {"location": PARIS}, format="json")
    assert answer.status_code == 400
    assert "outside Viet Nam" in answer.json()["location"][0]
    assert not ChangeRequest.objects.exists()


def test_a_representative_cannot_delete(api_as, representative, ha_noi_site):
    assert api_as(representative).delete(site_url(ha_noi_site)).status_code == 403
    assert Site.objects.filter(pk=ha_noi_site.pk).exists()


def test_a_representative_cannot_create_an_organisation(api_as, representative):
    answer = api_as(representative).post(ORGANISATIONS, {"name_vi": "Công ty Mới"}, format="json")
    assert answer.status_code == 403
    assert not Organisation.objects.filter(name_vi="Công ty Mới").exists()
    assert not ChangeRequest.objects.exists()


def test_a_representative_proposes_a_correction_to_their_organisation(
    api_as, representative, organisation
):
    answer = api_as(representative).patch(
        f"{ORGANISATIONS}{organisation.pk}/", {"website": "https://can.example.vn"}, format="json"
    )
    assert answer.status_code == 202
    assert Organisation.objects.get(pk=organisation.pk).website == ""


def test_a_representative_cannot_approve_their_own_proposal(api_as, representative, ha_noi_site):
    client = api_as(representative)
    proposal = client.patch(site_url(ha_noi_site), {"phone": "0912"}, format="json").json()
    assert decide(client, proposal["id"], "approve").status_code == 403
    assert ChangeRequest.objects.get(pk=proposal["id"]).status == "pending"
    assert Site.objects.get(pk=ha_noi_site.pk).phone == ""


# The publication workflow through the API ----------------------------------------------------


def test_a_proposed_site_reaches_the_public_api_only_once_approved(
    api_as, representative, officer, organisation
):
    proposer = api_as(representative)
    answer = proposer.post(SITES, new_site(), format="json")
    assert answer.status_code == 202, answer.json()
    proposal_id = answer.json()["id"]
    assert not Site.objects.filter(name=new_site()["name"]).exists()
    assert APIClient().get("/api/v1/sites/", {"q": "Long Biên"}).json()["features"] == []

    approved = decide(api_as(officer), proposal_id, "approve")
    assert approved.status_code == 200, approved.json()
    site_id = approved.json()["object_id"]
    assert public_site(site_id).status_code == 200
    assert public_site(site_id).json()["properties"]["organisation_id"] == organisation.pk
    outcome = proposer.get(f"{CHANGE_REQUESTS}{proposal_id}/").json()
    assert (outcome["status"], outcome["decided_by"]) == ("approved", officer.username)


def test_an_approved_correction_replaces_the_published_value(
    api_as, representative, officer, ha_noi_site
):
    proposal = api_as(representative).patch(
        site_url(ha_noi_site), {"phone": "0912 345 678"}, format="json"
    )
    assert public_site(ha_noi_site.pk).json()["properties"]["phone"] == ""
    decide(api_as(officer), proposal.json()["id"], "approve")
    assert public_site(ha_noi_site.pk).json()["properties"]["phone"] == "0912 345 678"


def test_a_rejection_needs_a_reason_which_the_proposer_reads_through_the_api(
    api_as, representative, officer, ha_noi_site
):
    proposer, decider = api_as(representative), api_as(officer)
    proposal_id = proposer.patch(site_url(ha_noi_site), {"phone": "1"}, format="json").json()["id"]
    without_reason = decide(decider, proposal_id, "reject", reason=" ")
    assert without_reason.status_code == 400
    assert "reason" in without_reason.json()
    rejected = decide(decider, proposal_id, "reject", reason="Số không liên lạc được.")
    assert rejected.status_code == 200
    outcome = proposer.get(f"{CHANGE_REQUESTS}{proposal_id}/").json()
    assert outcome["status"] == "rejected"
    assert outcome["reason"] == "Số không liên lạc được."
    assert outcome["decided_at"] is not None
    assert Site.objects.get(pk=ha_noi_site.pk).phone == ""


def test_a_request_is_decided_only_once(api_as, representative, officer, ha_noi_site):
    proposal_id = (
        api_as(representative).patch(site_url(ha_noi_site), {"phone": "1"}, format="json").json()
    )["id"]
    decider = api_as(officer)
    assert decide(decider, proposal_id, "approve").status_code == 200
    again = decide(decider, proposal_id, "reject", reason="Nhầm.")
    assert again.status_code == 400
    assert "already decided" in again.json()["non_field_errors"][0]
    assert ChangeRequest.objects.get(pk=proposal_id).status == "approved"


def test_an_officer_of_another_province_neither_sees_nor_decides_a_request(
    api_as, representative, other_officer, ha_noi_site
):
    proposal_id = (
        api_as(representative).patch(site_url(ha_noi_site), {"phone": "1"}, format="json").json()
    )["id"]
    client = api_as(other_officer)
    assert client.get(CHANGE_REQUESTS).json()["results"] == []
    assert client.get(f"{CHANGE_REQUESTS}{proposal_id}/").status_code == 404
    assert decide(client, proposal_id, "approve").status_code == 404
    assert ChangeRequest.objects.get(pk=proposal_id).status == "pending"


def test_the_officer_of_the_province_lists_its_pending_requests(
    api_as, representative, officer, ha_noi_site
):
    api_as(representative).patch(site_url(ha_noi_site), {"phone": "1"}, format="json")
    listed = api_as(officer).get(CHANGE_REQUESTS, {"status": "pending"}).json()
    assert [(r["target"], r["object_id"]) for r in listed["results"]] == [("site", ha_noi_site.pk)]
    assert listed["results"][0]["changes"] == {"phone": "1"}
    assert listed["results"][0]["before"] == {"phone": ""}


def test_a_representative_proposes_a_document_which_the_officer_approves(
    api_as, representative, officer, ha_noi_site
):
    content = good_pdf()
    answer = api_as(representative).post(
        DOCUMENTS,
        {"kind": "certificate", "title": "Quyết định chỉ định", "file": pdf_upload(content)},
        format="multipart",
    )
    assert answer.status_code == 202, answer.json()
    assert answer.json()["has_file"] is True
    assert not Document.objects.exists()
    approved = decide(api_as(officer), answer.json()["id"], "approve")
    assert approved.status_code == 200, approved.json()
    document = Document.objects.get(pk=approved.json()["object_id"])
    assert (document.organisation, document.title) == (
        ha_noi_site.organisation,
        "Quyết định chỉ định",
    )
    with document.file.open("rb") as stored:
        assert stored.read() == content


def test_a_representatives_document_is_checked_before_it_is_kept(
    api_as, representative, ha_noi_site
):
    answer = api_as(representative).post(
        DOCUMENTS,
        {"kind": "certificate", "title": "Giấy", "file": pdf_upload(b"<!DOCTYPE html><html>")},
        format="multipart",
    )
    assert answer.status_code == 400
    assert "file" in answer.json()
    assert not ChangeRequest.objects.exists()
