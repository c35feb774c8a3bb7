"""Recording what an inspector found at a site, with reports and photographs: who may, which
files are kept, and what the selection of sites to visit makes of it."""

import io
import urllib.parse
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from geodata.documents import Finding
from inspections import services
from inspections.models import Attachment, Complaint, Visit
from inspections.selectors import months_before, selected_sites
from tests.factories import make_site
from tests.pdf_files import good_pdf, pdf

TODAY = timezone.localdate()
JAVASCRIPT_PDF = pdf(catalogue=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
HTML_PAGE = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture
def site(db):
    """A verification station in Hà Nội."""
    return make_site("Trạm kiểm định cân Hà Nội")


def photograph(kind="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "seagreen").save(out, kind)
    return out.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def signed_in(client, user):
    """The client, signed in as `user`, reading English."""
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def english(text) -> str:
    with translation.override("en"):
        return str(text)


def visit_form(**changes):
    return {
        "visited_on": TODAY.isoformat(),
        "inspector": "Nguyễn Văn An",
        "outcome": Visit.Outcome.FINDINGS,
        "notes": "Cân đối chứng quá hạn kiểm định.",
        "follow_up_on": (TODAY + timedelta(days=30)).isoformat(),
        **changes,
    }


def visits_page(site, **query):
    url = reverse("inspections:site_visits", args=[site.pk])
    return f"{url}?{urllib.parse.urlencode(query)}" if query else url


def stored_files() -> set[Path]:
    folder = Path(settings.MEDIA_ROOT) / "inspections"
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()


def record(user, site, visited_on, outcome=Visit.Outcome.COMPLIANT, files=()):
    data = {"visited_on": visited_on, "inspector": "Trần Thị Bình", "outcome": outcome}
    return services.record_visit(user, site, data, files)


# Recording ------------------------------------------------------------------------------------


def test_an_officer_records_a_visit_with_a_report_and_a_photograph(client, officer, site):
    files = [
        upload("Biên bản kiểm tra.pdf", good_pdf(), "application/pdf"),
        upload("IMG_0012.JPEG", photograph(), "image/jpeg"),
    ]

    response = signed_in(client, officer).post(
        visits_page(site), {**visit_form(), "attachments": files}
    )

    assert response.status_code == 302
    assert response["Location"] == visits_page(site)
    visit = Visit.objects.get()
    assert (visit.site, visit.outcome, visit.recorded_by) == (site, "findings", officer)
    assert visit.follow_up_on == TODAY + timedelta(days=30)
    report, photo = visit.attachments.order_by("id")
    assert (report.name, report.content_type) == ("Biên bản kiểm tra.pdf", "application/pdf")
    assert (photo.name, photo.content_type) == ("IMG_0012.jpg", "image/jpeg")
    assert photo.size_bytes == len(photograph())
    page = client.get(response["Location"])
    assert "Biên bản kiểm tra.pdf" in page.text
    assert "Cân đối chứng quá hạn kiểm định." in page.text
    assert f"The visit of {TODAY:%d/%m/%Y} is recorded." in page.text


def test_an_attachment_is_downloaded_through_its_door_under_its_name(client, officer, site):
    visit = record(officer, site, TODAY, files=[upload("Ảnh hiện trường.png", photograph("PNG"))])
    attachment = visit.attachments.get()

    response = signed_in(client, officer).get(
        reverse("inspections:attachment", args=[attachment.pk])
    )

    assert b"".join(response.streaming_content) == photograph("PNG")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        'attachment; filename="Anh-hien-truong.png"; '
        "filename*=UTF-8''%E1%BA%A2nh%20hi%E1%BB%87n%20tr%C6%B0%E1%BB%9Dng.png"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_the_inspector_is_the_user_unless_told_otherwise(client, officer, site):
    officer.first_name, officer.last_name = "Lan", "Phạm Thị"
    officer.save()

    form = signed_in(client, officer).get(visits_page(site)).context["form"]

    assert form["inspector"].value() == "Lan Phạm Thị"
    assert form["visited_on"].value() == TODAY


def test_a_pdf_with_javascript_is_refused_with_the_reason_and_nothing_is_stored(
    client, officer, site
):
    before = stored_files()
    files = [
        upload("anh.jpg", photograph(), "image/jpeg"),
        upload("bien-ban.pdf", JAVASCRIPT_PDF, "application/pdf"),
    ]

    response = signed_in(client, officer).post(
        visits_page(site), {**visit_form(), "attachments": files}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["attachments"]
    assert errors == [f"bien-ban.pdf: {english(Finding.JAVASCRIPT.value)}"]
    assert not Visit.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == before


def test_an_html_page_named_pdf_is_refused_as_what_it_is(client, officer, site):
    files = [upload("bao-cao.pdf", HTML_PAGE, "application/pdf")]

    response = signed_in(client, officer).post(
        visits_page(site), {**visit_form(), "attachments": files}
    )

    (error,) = response.context["form"].errors["attachments"]
    assert error.startswith("bao-cao.pdf: This file is not a PDF: it starts like an HTML page.")
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("bien-ban.docx", b"PK\x03\x04 a Word document"),
        ("trang.html", HTML_PAGE),
        ("anh.jpg", b"\xff\xd8\xff\xe0 not really a photograph"),
        ("anh.gif", b"GIF89a\x01\x00\x01\x00"),
    ],
)
def test_a_file_that_is_no_pdf_jpeg_or_png_is_refused(client, officer, site, name, content):
    response = signed_in(client, officer).post(
        visits_page(site), {**visit_form(), "attachments": [upload(name, content)]}
    )

    (error,) = response.context["form"].errors["attachments"]
    assert error.startswith(f"{name}: ")
    assert not Visit.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, officer, site, settings):
    settings.DOCUMENT_MAX_BYTES = 1000

    response = signed_in(client, officer).post(
        visits_page(site),
        {**visit_form(), "attachments": [upload("bien-ban.pdf", good_pdf() + b"%" * 1000)]},
    )

    (error,) = response.context["form"].errors["attachments"]
    assert "attachments may be at most 1000" in error
    assert not Visit.objects.exists()


def test_nothing_is_half_written_when_the_service_refuses_the_second_file(officer, site):
    before = stored_files()
    files = [upload("a.pdf", good_pdf()), upload("b.pdf", JAVASCRIPT_PDF)]

    with pytest.raises(ValidationError) as refused:
        record(officer, site, TODAY, files=files)

    assert list(refused.value.message_dict) == ["attachments"]
    assert not Visit.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == before


def test_the_files_stored_are_removed_when_the_transaction_fails(officer, site, monkeypatch):
    before = stored_files()

    def fails(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Attachment, "save", fails)
    with pytest.raises(OSError):
        record(officer, site, TODAY, files=[upload("a.pdf", good_pdf())])

    assert not Visit.objects.exists()
    assert stored_files() == before


def test_a_follow_up_before_the_visit_is_refused(client, officer, site):
    form = visit_form(follow_up_on=(TODAY - timedelta(days=1)).isoformat())

    response = signed_in(client, officer).post(visits_page(site), form)

    assert response.context["form"].errors["follow_up_on"] == [
        "The follow-up cannot come before the visit."
    ]
    assert not Visit.objects.exists()


def test_a_visit_in_the_future_is_refused(client, officer, site):
    form = visit_form(visited_on=(TODAY + timedelta(days=1)).isoformat(), follow_up_on="")

    response = signed_in(client, officer).post(visits_page(site), form)

    assert "visited_on" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_a_visit_at_a_plans_stop_is_linked_to_it(client, officer, ha_noi_sites, make_plan):
    plan = make_plan(officer, ha_noi_sites[:3])
    stop = plan.stops.get(site=ha_noi_sites[1])

    response = signed_in(client, officer).post(
        visits_page(ha_noi_sites[1], stop=stop.pk), visit_form()
    )

    assert response.status_code == 302
    assert Visit.objects.get().stop == stop


def test_a_stop_of_another_site_or_of_a_plan_out_of_sight_is_not_found(
    client, administrator, officer, ha_noi_sites, make_plan
):
    national = make_plan(administrator, ha_noi_sites[:2])  # no province: the officer's out
    own = make_plan(officer, ha_noi_sites[:2])
    signed_in(client, officer)

    out_of_sight = national.stops.get(site=ha_noi_sites[0]).pk
    other_site = own.stops.get(site=ha_noi_sites[1]).pk
    assert client.get(visits_page(ha_noi_sites[0], stop=out_of_sight)).status_code == 404
    assert client.get(visits_page(ha_noi_sites[0], stop=other_site)).status_code == 404
    assert client.post(visits_page(ha_noi_sites[0], stop="x"), visit_form()).status_code == 404
    assert not Visit.objects.exists()


def test_the_service_refuses_a_site_out_of_scope_and_a_stop_of_another_site(
    other_officer, officer, ha_noi_sites, make_plan
):
    with pytest.raises(PermissionDenied):
        record(other_officer, ha_noi_sites[0], TODAY)
    stop = make_plan(officer, ha_noi_sites[:2]).stops.get(site=ha_noi_sites[1])
    data = {"visited_on": TODAY, "inspector": "An", "outcome": "compliant"}
    with pytest.raises(PermissionDenied):
        services.record_visit(officer, ha_noi_sites[0], data, (), stop)
    assert not Visit.objects.exists()


# Who may --------------------------------------------------------------------------------------


def test_an_officer_of_another_province_finds_nothing(client, officer, other_officer, site):
    visit = record(officer, site, TODAY, files=[upload("a.pdf", good_pdf())])
    signed_in(client, other_officer)

    assert client.get(visits_page(site)).status_code == 404
    assert client.post(visits_page(site), visit_form()).status_code == 404
    data = reverse("inspections:site_visits_data", args=[site.pk])
    assert client.get(data).status_code == 404
    download = reverse("inspections:attachment", args=[visit.attachments.get().pk])
    assert client.get(download).status_code == 404
    assert Visit.objects.count() == 1


def test_a_central_administrator_records_anywhere(client, administrator, da_nang_site):
    response = signed_in(client, administrator).post(visits_page(da_nang_site), visit_form())

    assert response.status_code == 302
    assert Visit.objects.get().site == da_nang_site


@pytest.mark.parametrize("who", ["public_user", "representative"])
def test_the_public_and_representatives_are_refused(client, request, who, officer, site):
    visit = record(officer, site, TODAY, files=[upload("a.pdf", good_pdf())])
    signed_in(client, request.getfixturevalue(who))

    for url in (
        visits_page(site),
        reverse("inspections:site_visits_data", args=[site.pk]),
        reverse("inspections:attachment", args=[visit.attachments.get().pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(visits_page(site), visit_form()).status_code == 403
    assert Visit.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_sign_in(client, site):
    for url in (
        visits_page(site),
        reverse("inspections:site_visits_data", args=[site.pk]),
        reverse("inspections:attachment", args=[1]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('admin:login')}?next={urllib.parse.quote(url)}"


# The history ----------------------------------------------------------------------------------


def test_the_history_as_json_is_private_and_newest_first(client, officer, site):
    record(officer, site, TODAY - timedelta(days=400), Visit.Outcome.COMPLIANT)
    latest = record(
        officer, site, TODAY - timedelta(days=3), Visit.Outcome.FINDINGS,
        files=[upload("a.pdf", good_pdf())],
    )  # fmt: skip
    record(officer, site, TODAY - timedelta(days=90), Visit.Outcome.NOT_REACHABLE)
    Complaint.objects.create(site=site, received_on=TODAY, summary="Cân sai.")
    Complaint.objects.create(site=site, received_on=TODAY, summary="Đã xử lý.", closed_on=TODAY)

    response = signed_in(client, officer).get(
        reverse("inspections:site_visits_data", args=[site.pk])
    )

    assert response["Cache-Control"] == "private, no-store"
    assert "Cookie" in response["Vary"]
    body = response.json()
    assert [v["visited_on"] for v in body["visits"]] == [
        (TODAY - timedelta(days=days)).isoformat() for days in (3, 90, 400)
    ]
    first = body["visits"][0]
    assert (first["outcome"], first["outcome_label"]) == ("findings", "Findings")
    assert first["attachments"] == [
        {
            "name": "a.pdf",
            "content_type": "application/pdf",
            "size_bytes": len(good_pdf()),
            "url": reverse("inspections:attachment", args=[latest.attachments.get().pk]),
        }
    ]
    assert [c["summary"] for c in body["open_complaints"]] == ["Cân sai."]
    assert body["urls"]["all"] == visits_page(site)


def test_the_page_shows_the_history_newest_first_with_the_open_complaints(client, officer, site):
    record(officer, site, date(2025, 1, 6), Visit.Outcome.COMPLIANT)
    record(officer, site, date(2025, 9, 8), Visit.Outcome.FINDINGS)
    Complaint.objects.create(site=site, received_on=TODAY, summary="Trạm thu phí cao.")

    response = signed_in(client, officer).get(visits_page(site))

    assert response["Cache-Control"] == "private, no-store"
    assert [v.visited_on for v in response.context["visits"]] == [
        date(2025, 9, 8),
        date(2025, 1, 6),
    ]
    assert response.text.index("08/09/2025") < response.text.index("06/01/2025")
    assert "Trạm thu phí cao." in response.text


def test_the_map_panel_asks_privately_whether_to_show_field_visits(client, officer, public_user):
    url = reverse("inspections:me")

    anonymous = client.get(url)
    assert anonymous.json() == {"official": False}
    assert anonymous["Cache-Control"] == "private, no-store"
    assert signed_in(client, public_user).get(url).json() == {"official": False}
    official = signed_in(client, officer).get(url).json()
    assert official["official"] is True
    assert official["urls"]["visits"] == reverse("inspections:site_visits_data", args=[0]).replace(
        "/0/", "/{id}/"
    )


# What the selection makes of visits and complaints ---------------------------------------------


def test_not_visited_for_six_months_follows_the_visits_recorded(officer, site):
    seen_lately = make_site("Trạm vừa kiểm tra")
    seen_long_ago = make_site("Trạm lâu chưa kiểm tra")
    record(officer, seen_lately, months_before(TODAY, 2))
    record(officer, seen_long_ago, months_before(TODAY, 8))

    def not_visited():
        chosen = selected_sites(officer, {"not_visited_months": 6}, TODAY)
        return set(chosen.values_list("name", flat=True))

    assert not_visited() == {site.name, seen_long_ago.name}
    record(officer, seen_long_ago, TODAY)
    assert not_visited() == {site.name}


def test_open_complaint_or_finding_follows_complaints_and_the_latest_visit(officer, site):
    complained = make_site("Trạm bị khiếu nại")
    found_wanting = make_site("Trạm có phát hiện")
    complaint = Complaint.objects.create(site=complained, received_on=TODAY, summary="Cân sai.")
    record(officer, found_wanting, TODAY - timedelta(days=20), Visit.Outcome.FINDINGS)
    record(officer, site, TODAY - timedelta(days=5), Visit.Outcome.COMPLIANT)

    def with_open_issue():
        chosen = selected_sites(officer, {"open_issue": True}, TODAY)
        return set(chosen.values_list("name", flat=True))

    assert with_open_issue() == {complained.name, found_wanting.name}
    complaint.closed_on = TODAY
    complaint.save()
    record(officer, found_wanting, TODAY, Visit.Outcome.COMPLIANT)
    assert with_open_issue() == set()
