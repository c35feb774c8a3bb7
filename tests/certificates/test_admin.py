"""The certificates' admin: each user's certificates only, filters and search, nothing edited."""

import pytest

from certificates import services
from certificates.models import Certificate

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/certificates/certificate/"


@pytest.fixture
def issued(representative, certificate_row):
    services.register(representative, [certificate_row()], source="api")
    return Certificate.objects.get()


@pytest.mark.parametrize(
    "query",
    ["", "?kind=verification", "?result=passed", "?revoked=no", "?q=B123456", "?q=KĐ-2026"],
)
def test_an_officer_finds_the_certificates_of_their_province(client, officer, issued, query):
    client.force_login(officer)

    page = client.get(CHANGELIST + query)

    assert page.status_code == 200
    assert issued.number in page.content.decode()


def test_another_provinces_officer_does_not_see_them(client, other_officer, issued):
    client.force_login(other_officer)

    assert issued.number not in client.get(CHANGELIST).content.decode()
    assert client.get(f"{CHANGELIST}{issued.pk}/change/").status_code == 302  # "does not exist"


def test_a_certificate_is_shown_read_only(client, representative, issued):
    client.force_login(representative)

    page = client.get(f"{CHANGELIST}{issued.pk}/change/")

    assert page.status_code == 200
    assert b'name="number"' not in page.content
    assert client.get(f"{CHANGELIST}add/").status_code == 403


@pytest.mark.parametrize("model", ["signingkey", "logentry", "checkpoint"])
def test_keys_and_the_log_are_read_only_lists(client, officer, issued, model):
    client.force_login(officer)

    assert client.get(f"/admin/certificates/{model}/").status_code == 200
    assert client.get(f"/admin/certificates/{model}/add/").status_code == 403
