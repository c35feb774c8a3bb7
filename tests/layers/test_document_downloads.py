"""A document file leaves the site only through its download: with headers that keep a browser
from running it, to those allowed to read it. To anyone else it does not exist."""

import importlib
import urllib.parse

import pytest
from django.core.files.base import ContentFile
from django.urls import Resolver404, clear_url_caches, resolve, reverse
from django.views import static
from rest_framework.test import APIClient

from geodata.models import Document
from governance.models import ApiToken, Profile
from governance.roles import Role
from tests.factories import make_credential, make_organisation, make_site, province
from tests.pdf_files import good_pdf

TITLE = "Chứng chỉ công nhận VILAS 216"
NOT_FOUND = {"detail": "No document that you may read has this number."}


@pytest.fixture
def client():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def organisation(db):
    return make_organisation("Công ty Thử nghiệm Hà Thành")


@pytest.fixture
def site(organisation):
    return make_site("Phòng thử nghiệm Hà Thành", organisation=organisation)  # Hà Nội


def make_document(organisation, public=True, title=TITLE, content=None) -> Document:
    document = Document(kind="certificate", title=title, organisation=organisation, public=public)
    document.file = ContentFile(content or good_pdf(), name="scan.pdf")
    document.save()
    return document


@pytest.fixture
def document(site):
    return make_document(site.organisation)


@pytest.fixture
def private_document(site):
    return make_document(site.organisation, public=False, title="Biên bản đánh giá")


def download(client, document_or_id, **headers):
    pk = getattr(document_or_id, "pk", document_or_id)
    return client.get(reverse("layers:document", args=[pk]), headers=headers)


def content_of(response) -> bytes:
    """The body, read to its end: the test client then closes the file, as a server does."""
    return b"".join(response.streaming_content)


def user_of(django_user_model, username, **profile):
    user = django_user_model.objects.create_user(username, password="correct horse battery")
    if profile:
        Profile.objects.create(user=user, **profile)
    return user


def signed_in(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# For everyone -----------------------------------------------------------------------------------


def test_a_public_document_of_a_published_organisation_downloads_for_everyone(client, document):
    response = download(client, document)

    assert response.status_code == 200
    assert content_of(response) == document.file.open("rb").read()


def test_a_download_is_an_attachment_that_no_browser_runs(client, document):
    response = download(client, document)
    content_of(response)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Chung-chi-cong-nhan-VILAS-216.pdf"; '
        "filename*=UTF-8''Ch%E1%BB%A9ng%20ch%E1%BB%89%20c%C3%B4ng%20nh%E1%BA%ADn%20VILAS%20216.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["Cache-Control"] == "public, max-age=600"
    assert response["ETag"] == f'"{document.sha256}"'
    assert response["Content-Length"] == str(document.size_bytes)


def test_a_title_cannot_break_the_download_header(client, site):
    title = 'Quyết định 12/QĐ-TĐC "mới"\r\nSet-Cookie: sessionid=x; ../../etc/passwd'
    document = make_document(site.organisation, title=title)

    response = download(client, document)
    content_of(response)

    ascii_part, _, utf8_part = response["Content-Disposition"].partition("; filename*=UTF-8''")
    ascii_name = "Quyet-dinh-12-QD-TDC-moi-Set-Cookie-sessionid-x-..-..-etc-passwd.pdf"
    assert ascii_part == f'attachment; filename="{ascii_name}"'
    assert urllib.parse.unquote(utf8_part) == (
        "Quyết định 12-QĐ-TĐC -mới-Set-Cookie- sessionid=x; ..-..-etc-passwd.pdf"
    )
    assert "Set-Cookie" not in {key for key, _value in response.items()}


def test_a_second_download_with_the_etag_is_a_304(client, document):
    tag = download(client, document)["ETag"]

    response = download(client, document, if_none_match=tag)

    assert response.status_code == 304
    assert response["ETag"] == tag


def test_a_document_can_only_be_read(client, document):
    url = reverse("layers:document", args=[document.pk])
    assert [client.generic(method, url).status_code for method in ("POST", "PUT", "DELETE")] == [
        405,
        405,
        405,
    ]


# Not for everyone -------------------------------------------------------------------------------


def test_a_private_document_does_not_exist_for_a_visitor(client, private_document):
    response = download(client, private_document)

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert download(client, 10**9).json() == NOT_FOUND  # the same answer as a number never used


def test_a_private_document_does_not_exist_for_a_user_without_a_role(
    django_user_model, private_document
):
    citizen = signed_in(user_of(django_user_model, "cong-dan"))
    assert download(citizen, private_document).status_code == 404


def test_a_private_document_downloads_for_an_administrator_and_is_not_kept_in_caches(
    admin_user, private_document
):
    response = download(signed_in(admin_user), private_document)

    assert response.status_code == 200
    assert content_of(response).startswith(b"%PDF-")
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="Bien-ban-danh-gia.pdf"'
    )


def test_a_public_document_of_an_unpublished_organisation_is_not_for_everyone(client, admin_user):
    hidden = make_site("Phòng thử nghiệm chưa công bố", published=False)
    document = make_document(hidden.organisation)

    assert download(client, document).status_code == 404
    response = download(signed_in(admin_user), document)
    assert (response.status_code, response["Cache-Control"]) == (200, "private, no-store")
    content_of(response)


def test_the_officer_of_a_province_of_the_organisation_downloads_its_private_document(
    django_user_model, private_document
):
    ha_noi = user_of(
        django_user_model, "so-ha-noi", role=Role.PROVINCIAL_OFFICER, province=province("01")
    )
    da_nang = user_of(
        django_user_model, "so-da-nang", role=Role.PROVINCIAL_OFFICER, province=province("48")
    )

    response = download(signed_in(ha_noi), private_document)
    assert response.status_code == 200
    content_of(response)
    assert download(signed_in(da_nang), private_document).status_code == 404


def test_the_representative_of_the_organisation_downloads_its_private_document(
    django_user_model, private_document
):
    own = user_of(
        django_user_model,
        "dai-dien",
        role=Role.REPRESENTATIVE,
        organisation=private_document.organisation,
    )
    other = user_of(
        django_user_model,
        "dai-dien-khac",
        role=Role.REPRESENTATIVE,
        organisation=make_organisation("Công ty khác"),
    )

    response = download(signed_in(own), private_document)
    assert response.status_code == 200
    content_of(response)
    assert download(signed_in(other), private_document).status_code == 404


def test_a_machine_client_with_the_representatives_api_key_downloads_the_private_document(
    django_user_model, private_document
):
    representative = user_of(
        django_user_model,
        "dai-dien",
        role=Role.REPRESENTATIVE,
        organisation=private_document.organisation,
    )
    _token, key = ApiToken.issue(representative, "Hệ thống nội bộ", None)
    machine = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {key}")

    response = download(machine, private_document)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    content_of(response)


def test_a_document_whose_file_is_missing_is_a_404_not_an_error(client, document):
    document.file.delete(save=False)
    assert download(client, document).status_code == 404


# No other door ------------------------------------------------------------------------------------


def served_by_path(path: str) -> bool:
    try:
        return resolve(path).func is static.serve
    except Resolver404:
        return False


def test_media_files_are_not_served_by_their_path_even_in_development(
    client, settings, private_document
):
    path = f"/{settings.MEDIA_URL}{private_document.file.name}"
    settings.DEBUG = True
    urls = importlib.reload(importlib.import_module("map_portal.urls"))
    clear_url_caches()
    try:
        served, response = served_by_path(path), client.get(path)
    finally:
        settings.DEBUG = False
        importlib.reload(urls)
        clear_url_caches()

    assert not served
    assert response.status_code == 404


def test_the_site_detail_links_public_documents_to_their_download(client, site, document):
    credential = make_credential(site=site)
    private = make_document(site.organisation, public=False)
    for linked in (document, private):
        linked.credential = credential
        linked.save()

    properties = client.get(reverse("layers:site", args=[site.pk])).json()["properties"]

    (shown,) = properties["credentials"][0]["documents"]
    assert shown["url"] == f"http://testserver{reverse('layers:document', args=[document.pk])}"
