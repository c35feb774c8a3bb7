"""Complaints, visits and plans in the admin: an officer sees and changes those of their
province's sites, a central administrator all of them, anyone else nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from geodata.documents import Finding
from geodata.models import Authority
from inspections import services
from inspections.models import Attachment, Complaint, Visit
from tests.factories import make_site
from tests.pdf_files import good_pdf, pdf

TODAY = timezone.localdate()


@pytest.fixture
def site(db):
    return make_site("Trạm kiểm định cân Hà Nội")


@pytest.fixture
def complaints(site, da_nang_site):
    """An open and a closed complaint in Hà Nội, an open one in Đà Nẵng."""
    return {
        "ha_noi_open": Complaint.objects.create(site=site, received_on=TODAY, summary="Cân sai."),
        "ha_noi_closed": Complaint.objects.create(
            site=site, received_on=TODAY, summary="Đã xử lý.", closed_on=TODAY
        ),
        "da_nang_open": Complaint.objects.create(
            site=da_nang_site, received_on=TODAY, summary="Thu phí cao."
        ),
    }


def as_user(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def listed(response) -> set:
    return set(response.context["cl"].result_list)


def admin_url(model, view, *args):
    return reverse(f"admin:inspections_{model}_{view}", args=args)


def record(user, site, visited_on=TODAY, files=()):
    data = {"visited_on": visited_on, "inspector": "Lê Văn Cường", "outcome": "findings"}
    return services.record_visit(user, site, data, files)


# Complaints -----------------------------------------------------------------------------------


def test_an_officer_lists_the_complaints_of_their_province_only(client, officer, complaints):
    response = as_user(client, officer).get(admin_url("complaint", "changelist"))

    assert listed(response) == {complaints["ha_noi_open"], complaints["ha_noi_closed"]}
    other = admin_url("complaint", "change", complaints["da_nang_open"].pk)
    assert client.get(other).status_code == 302  # "does not exist", as Django's admin says it
    assert client.post(other, {"summary": "x"}).status_code == 302
    complaints["da_nang_open"].refresh_from_db()
    assert complaints["da_nang_open"].summary == "Thu phí cao."


def test_a_central_administrator_lists_every_complaint(client, administrator, complaints):
    response = as_user(client, administrator).get(admin_url("complaint", "changelist"))

    assert listed(response) == set(complaints.values())


def test_complaints_are_filtered_open_or_closed(client, administrator, complaints):
    as_user(client, administrator)
    url = admin_url("complaint", "changelist")

    assert listed(client.get(url, {"state": "open"})) == {
        complaints["ha_noi_open"],
        complaints["da_nang_open"],
    }
    assert listed(client.get(url, {"state": "closed"})) == {complaints["ha_noi_closed"]}


def test_an_officer_closes_their_provinces_open_complaints(client, officer, complaints):
    as_user(client, officer)
    chosen = [c.pk for c in complaints.values()]

    client.post(
        admin_url("complaint", "changelist"),
        {"action": "close", "_selected_action": chosen},
    )

    for complaint in complaints.values():
        complaint.refresh_from_db()
    assert complaints["ha_noi_open"].closed_on == TODAY
    assert complaints["da_nang_open"].closed_on is None  # outside the officer's province


def test_an_officer_adds_a_complaint_about_a_site_of_their_province_only(
    client, officer, site, da_nang_site
):
    as_user(client, officer)
    form = {"received_on": TODAY.isoformat(), "summary": "Cân thiếu.", "source": "Đường dây nóng"}

    refused = client.post(admin_url("complaint", "add"), {**form, "site": da_nang_site.pk})
    accepted = client.post(admin_url("complaint", "add"), {**form, "site": site.pk})

    assert "site" in refused.context["adminform"].form.errors
    assert accepted.status_code == 302
    assert Complaint.objects.get().site == site


# Visits ---------------------------------------------------------------------------------------


def visit_admin_form(site, **files):
    form = {
        "site": site.pk,
        "visited_on": TODAY.isoformat(),
        "inspector": "Lê Văn Cường",
        "outcome": "compliant",
        "notes": "",
        "follow_up_on": "",
        "attachments-TOTAL_FORMS": str(len(files)),
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
    }
    for index, (name, content) in enumerate(files.items()):
        form[f"attachments-{index}-file"] = SimpleUploadedFile(name, content)
    return form


def test_an_officer_lists_and_opens_the_visits_of_their_province_only(
    client, officer, other_officer, site, da_nang_site
):
    own = record(officer, site, files=[SimpleUploadedFile("a.pdf", good_pdf())])
    other = record(other_officer, da_nang_site)
    as_user(client, officer)

    assert listed(client.get(admin_url("visit", "changelist"))) == {own}
    assert client.get(admin_url("visit", "change", other.pk)).status_code == 302
    page = client.get(admin_url("visit", "change", own.pk))
    download = reverse("inspections:attachment", args=[own.attachments.get().pk])
    assert f'href="{download}"' in page.text
    assert "/media/" not in page.text


def test_an_attachment_added_in_the_admin_is_checked_as_on_the_visit_page(client, officer, site):
    as_user(client, officer)
    javascript = pdf(catalogue=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")

    refused = client.post(
        admin_url("visit", "add"), visit_admin_form(site, **{"bien-ban.pdf": javascript})
    )
    assert not Visit.objects.exists() and not Attachment.objects.exists()
    with translation.override("en"):
        assert f"bien-ban.pdf: {Finding.JAVASCRIPT.value}" in refused.text

    accepted = client.post(
        admin_url("visit", "add"), visit_admin_form(site, **{"Biên bản.PDF": good_pdf()})
    )
    assert accepted.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.content_type) == ("Biên bản.pdf", "application/pdf")
    assert attachment.size_bytes == len(good_pdf())
    assert attachment.visit.recorded_by == officer


def test_an_officer_cannot_record_a_visit_elsewhere_nor_in_the_future(
    client, officer, site, da_nang_site
):
    as_user(client, officer)

    elsewhere = client.post(admin_url("visit", "add"), visit_admin_form(da_nang_site))
    tomorrow = {**visit_admin_form(site), "visited_on": (TODAY + timedelta(days=1)).isoformat()}
    future = client.post(admin_url("visit", "add"), tomorrow)

    assert "site" in elsewhere.context["adminform"].form.errors
    assert "visited_on" in future.context["adminform"].form.errors
    assert not Visit.objects.exists()


# Plans ----------------------------------------------------------------------------------------


def test_an_officer_lists_their_provinces_plans_each_linked_to_its_page(
    client, officer, administrator, ha_noi_sites, make_plan
):
    own = make_plan(officer, ha_noi_sites[:3])
    national = make_plan(administrator, ha_noi_sites[3:5])
    as_user(client, officer)

    response = client.get(admin_url("plan", "changelist"))

    assert listed(response) == {own}
    assert f'href="{reverse("inspections:plan_detail", args=[own.pk])}"' in response.text
    assert client.get(admin_url("plan", "change", national.pk)).status_code == 302
    assert client.get(admin_url("plan", "add")).status_code == 403  # plans are made on the page
    assert listed(as_user(client, administrator).get(admin_url("plan", "changelist"))) == {
        own,
        national,
    }


# Nobody else ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["public_user", "representative"])
def test_the_public_and_representatives_see_nothing_of_field_visits(client, request, who):
    as_user(client, request.getfixturevalue(who))

    for model in ("complaint", "visit", "plan"):
        assert client.get(admin_url(model, "changelist")).status_code == 403
    assert client.get(reverse("admin:app_list", args=["inspections"])).status_code in (403, 404)


# Deleting ---------------------------------------------------------------------------------------


def test_an_officer_cannot_delete_a_visit_or_a_complaint_of_their_province(
    client, officer, administrator, site, complaints
):
    visit = record(officer, site)
    as_user(client, officer)

    assert client.post(admin_url("visit", "delete", visit.pk), {"post": "yes"}).status_code == 403
    complaint = complaints["ha_noi_open"]
    response = client.post(admin_url("complaint", "delete", complaint.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Visit.objects.filter(pk=visit.pk).exists()
    assert Complaint.objects.filter(pk=complaint.pk).exists()

    as_user(client, administrator)
    client.post(admin_url("visit", "delete", visit.pk), {"post": "yes"})
    assert not Visit.objects.filter(pk=visit.pk).exists()


def test_a_departments_office_is_placed_on_the_projects_own_map(client, administrator):
    department = Authority.objects.get(code="so-khcn-01")
    as_user(client, administrator)

    page = client.get(reverse("admin:geodata_authority_change", args=[department.pk]))

    assert page.status_code == 200
    assert b"data-map-point-widget" in page.content
    assert b"openlayers" not in page.content.lower()
