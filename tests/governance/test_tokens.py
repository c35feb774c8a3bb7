"""API keys of machine clients: a key acts as its owner with exactly the owner's scope, and a key
that is revoked, expired, unknown or whose owner is disabled opens nothing."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from geodata.models import Document, Site
from governance.models import ApiToken
from tests.pdf_files import good_pdf

pytestmark = pytest.mark.django_db

ME = "/api/v1/registry/me/"
SITES = "/api/v1/registry/sites/"


def names_of_sites(client):
    answer = client.get(SITES)
    assert answer.status_code == 200
    return {site["name"] for site in answer.json()["results"]}


def test_a_token_acts_as_its_owner(api_as, officer):
    client = api_as(officer)
    me = client.get(ME).json()
    assert me["username"] == officer.username
    assert me["role"] == "provincial_officer"
    assert me["province"]["code"] == "01"
    assert me["organisation"] is None
    assert me["token"] == {
        "name": client.token.name,
        "prefix": client.key[:8],
        "expires_at": None,
    }


def test_a_representatives_token_names_their_organisation(api_as, representative, organisation):
    me = api_as(representative).get(ME).json()
    assert me["role"] == "representative"
    assert me["organisation"] == {"id": organisation.pk, "name": organisation.name_vi}


def test_an_officers_token_sees_only_their_province(
    api_as, officer, other_officer, ha_noi_site, da_nang_site
):
    assert names_of_sites(api_as(officer)) == {ha_noi_site.name}
    assert names_of_sites(api_as(other_officer)) == {da_nang_site.name}


def test_an_administrators_token_sees_every_province(
    api_as, administrator, ha_noi_site, da_nang_site
):
    assert names_of_sites(api_as(administrator)) == {ha_noi_site.name, da_nang_site.name}


def test_a_token_of_a_user_without_a_role_opens_no_registry(api_as, public_user, ha_noi_site):
    client = api_as(public_user)
    assert client.get(ME).json()["role"] == "public"
    assert client.get(SITES).status_code == 403
    assert client.get(f"{SITES}{ha_noi_site.pk}/").status_code == 403


def test_the_token_keyword_is_accepted_as_well_as_bearer(api_as, officer):
    client = api_as(officer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {client.key}")
    assert client.get(ME).json()["username"] == officer.username


def test_without_credentials_the_registry_answers_401_with_a_bearer_challenge(ha_noi_site):
    answer = APIClient().get(SITES)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(api_as, officer, ha_noi_site):
    client = api_as(officer)
    client.token.revoke()
    answer = client.get(f"{SITES}{ha_noi_site.pk}/")
    assert answer.status_code == 401
    assert "revoked" in answer.json()["detail"]


def test_an_expired_token_is_refused(api_as, officer, ha_noi_site):
    client = api_as(officer, expires_at=timezone.now() - timedelta(seconds=1))
    answer = client.get(SITES)
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]


def test_a_token_that_has_not_expired_yet_works(api_as, officer):
    client = api_as(officer, expires_at=timezone.now() + timedelta(days=30))
    assert client.get(ME).status_code == 200


def test_the_token_of_a_disabled_account_is_refused(api_as, officer):
    client = api_as(officer)
    officer.is_active = False
    officer.save()
    answer = client.get(ME)
    assert answer.status_code == 401
    assert "disabled" in answer.json()["detail"]


def test_an_unknown_key_is_refused(api_as, officer):
    client = api_as(officer)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {client.key[:-1]}x")
    answer = client.get(ME)
    assert answer.status_code == 401
    assert "not known" in answer.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer", "Bearer two keys", "Bearer kh\u00f3a"])
def test_a_malformed_authorization_header_is_refused(header):
    answer = APIClient().get(ME, HTTP_AUTHORIZATION=header.encode().decode("latin-1"))
    assert answer.status_code == 401


def test_a_revoked_token_cannot_write_either(api_as, officer, ha_noi_site):
    client = api_as(officer)
    client.token.revoke()
    answer = client.patch(f"{SITES}{ha_noi_site.pk}/", {"phone": "024 1111"}, format="json")
    assert answer.status_code == 401
    assert Site.objects.get(pk=ha_noi_site.pk).phone == ""


def test_last_used_at_is_recorded_at_most_once_a_minute(api_as, officer):
    client = api_as(officer)
    assert client.token.last_used_at is None
    client.get(ME)
    first = ApiToken.objects.get(pk=client.token.pk).last_used_at
    assert first is not None
    client.get(ME)
    assert ApiToken.objects.get(pk=client.token.pk).last_used_at == first
    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=client.token.pk).update(last_used_at=two_minutes_ago)
    client.get(ME)
    assert ApiToken.objects.get(pk=client.token.pk).last_used_at > first


def test_a_browser_session_still_reads_the_registry(officer, ha_noi_site):
    client = APIClient()
    client.force_login(officer)
    assert client.get(ME).json()["role"] == "provincial_officer"


def test_a_browser_session_must_send_the_csrf_token_to_write(officer, ha_noi_site):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(officer)
    answer = client.patch(f"{SITES}{ha_noi_site.pk}/", {"phone": "024 1111"}, format="json")
    assert answer.status_code == 403
    assert Site.objects.get(pk=ha_noi_site.pk).phone == ""


def test_the_public_api_still_answers_without_credentials(ha_noi_site):
    answer = APIClient().get(f"/api/v1/sites/{ha_noi_site.pk}/")
    assert answer.status_code == 200


def test_a_private_document_downloads_with_its_organisations_key_only(
    api_as, representative, ha_noi_site
):
    content = good_pdf()
    document = Document.objects.create(
        kind="certificate",
        title="Báo cáo nội bộ",
        public=False,
        organisation=ha_noi_site.organisation,
        file=ContentFile(content, name="bao-cao.pdf"),
    )
    url = f"/api/v1/documents/{document.pk}/"
    assert APIClient().get(url).status_code == 404
    download = api_as(representative).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content


def test_a_key_issued_in_the_admin_is_shown_once_and_works_in_the_api(officer):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(officer)
    page = browser.post(
        "/admin/governance/apitoken/add/", {"name": "Cổng dịch vụ công tỉnh"}, follow=True
    )
    (message,) = [str(m) for m in page.context["messages"] if "shown this once" in str(m)]
    key = message.rsplit(": ", 1)[1]
    token = ApiToken.objects.get(user=officer)
    assert token.prefix == key[:8]
    assert key not in token.digest
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(ME).json()["username"] == officer.username


def test_the_api_offers_no_way_to_create_a_token(api_as, administrator):
    client = api_as(administrator)
    assert client.post("/api/v1/registry/tokens/", {"name": "x"}, format="json").status_code == 404
