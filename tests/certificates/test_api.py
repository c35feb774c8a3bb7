"""/api/v1/certificates/: batches registered whole or not at all with an API key, the caller's
own certificates listed, revocation by the issuer or an officer of the province."""

import time
from datetime import date

import pytest
from rest_framework.test import APIClient

from certificates import services
from certificates.models import Certificate, LogEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/certificates/"


def batch(certificate_row, count):
    return [certificate_row(number=f"KĐ-2026-{n:05d}", serial_number=f"S{n}") for n in range(count)]


def test_a_batch_of_ten_thousand_is_registered_at_once_with_a_report(
    api_as, representative, certificate_row
):
    client = api_as(representative)
    rows = batch(certificate_row, 10_000)

    started = time.perf_counter()
    answer = client.post(URL, rows, format="json")
    print(
        f"10,000 certificates registered through the API in {time.perf_counter() - started:.1f} s"
    )

    assert answer.status_code == 201, answer.content[:500]
    report = answer.json()
    assert (report["rows"], report["created"], report["errors"]) == (10_000, 10_000, [])
    ids = [c["id"] for c in report["certificates"]]
    assert sorted(ids) == sorted(Certificate.objects.values_list("pk", flat=True))
    assert report["certificates"][0]["verification_url"].startswith("http")
    assert "/verify/" in report["certificates"][0]["verification_url"]
    assert LogEntry.objects.filter(event="registered").count() == 10_000


def test_one_bad_row_in_ten_thousand_writes_nothing_and_the_report_names_it(
    api_as, representative, certificate_row
):
    rows = batch(certificate_row, 10_000)
    rows[6_999]["instrument_type"] = "taxi-meter"

    answer = api_as(representative).post(URL, rows, format="json")

    assert answer.status_code == 400
    assert not Certificate.objects.exists() and not LogEntry.objects.exists()
    [error] = answer.json()["errors"]
    assert (error["row"], error["field"], error["code"]) == (
        7_000,
        "instrument_type",
        "instrument_not_in_scope",
    )
    assert "05/ĐK-ĐL" in error["message"]


def test_a_batch_over_the_limit_is_refused_whole(api_as, representative, certificate_row):
    rows = [certificate_row(number=str(n)) for n in range(services.MAX_ROWS + 1)]

    answer = api_as(representative).post(URL, rows, format="json")

    assert answer.status_code == 413
    assert "at most 10000 certificates" in answer.json()["detail"]
    assert not Certificate.objects.exists()


def test_one_certificate_may_be_sent_as_an_object(api_as, officer, certificate_row):
    answer = api_as(officer).post(URL, certificate_row(), format="json")

    assert answer.status_code == 201
    assert answer.json()["created"] == 1


def test_a_refused_certificate_is_a_400_saying_why(api_as, representative, certificate_row):
    answer = api_as(representative).post(URL, [certificate_row(site=999_999_999)], format="json")

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"] == (
        "No site has the ID 999999999 in the registry: check the number."
    )


def test_the_public_may_not_register(api_as, public_user, certificate_row):
    assert api_as(public_user).post(URL, [certificate_row()], format="json").status_code == 403
    assert APIClient().post(URL, [certificate_row()], format="json").status_code in (401, 403)
    assert not Certificate.objects.exists()


# Reading ---------------------------------------------------------------------------------------


@pytest.fixture
def issued(representative, certificate_row):
    services.register(representative, batch(certificate_row, 3), source="api")
    return Certificate.objects.order_by("number").first()


def test_the_issuer_lists_its_certificates_page_by_page(api_as, representative, issued):
    page = api_as(representative).get(URL, {"limit": 2}).json()

    assert page["count"] == 3 and len(page["results"]) == 2
    assert page["next"]
    assert page["results"][0]["verification_url"].startswith("http")


def test_an_officer_of_another_province_sees_none_of_them(api_as, other_officer, issued):
    client = api_as(other_officer)

    assert client.get(URL).json()["count"] == 0
    assert client.get(f"{URL}{issued.pk}/").status_code == 404


def test_one_certificate_is_read_by_its_id(api_as, officer, issued):
    answer = api_as(officer).get(f"{URL}{issued.pk}/")

    assert answer.status_code == 200
    assert answer.json()["number"] == issued.number
    assert answer.json()["credential_number"] == "05/ĐK-ĐL"


# Revoking --------------------------------------------------------------------------------------


@pytest.mark.parametrize("revoker", ["representative", "officer"])
def test_the_issuer_or_an_officer_revokes_with_a_reason_and_a_date(
    request, api_as, issued, revoker
):
    client = api_as(request.getfixturevalue(revoker))

    answer = client.post(
        f"{URL}{issued.pk}/revoke/",
        {"reason": "Số sê-ri ghi sai", "revoked_on": "2026-11-05"},
        format="json",
    )

    assert answer.status_code == 200
    assert (answer.json()["revoked_on"], answer.json()["revocation_reason"]) == (
        "2026-11-05",
        "Số sê-ri ghi sai",
    )
    issued.refresh_from_db()
    assert issued.revoked_on == date(2026, 11, 5)
    assert LogEntry.objects.filter(event="revoked", certificate_id=issued.pk).count() == 1


def test_another_provinces_officer_and_the_public_may_not_revoke(
    api_as, other_officer, public_user, issued
):
    reason = {"reason": "Sai"}
    assert api_as(other_officer).post(f"{URL}{issued.pk}/revoke/", reason).status_code == 404
    assert api_as(public_user).post(f"{URL}{issued.pk}/revoke/", reason).status_code == 403
    issued.refresh_from_db()
    assert issued.revoked_on is None


def test_a_revocation_without_reason_or_a_second_one_is_a_400(api_as, representative, issued):
    client = api_as(representative)
    revoke = f"{URL}{issued.pk}/revoke/"

    assert client.post(revoke, {}, format="json").status_code == 400
    assert client.post(revoke, {"reason": "Nhầm"}, format="json").status_code == 200
    again = client.post(revoke, {"reason": "Nhầm"}, format="json")

    assert again.status_code == 400
    assert "already revoked" in str(again.json())


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]

    assert {
        "/api/v1/certificates/",
        "/api/v1/certificates/{id}/",
        "/api/v1/certificates/{id}/revoke/",
    } <= set(paths)
    assert "post" in paths["/api/v1/certificates/"]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("subject", "Cân\x00bàn", "control"),
        ("credential", "05\x00", "control"),
        ("issued_on", 20260101, "not_a_date"),  # an Excel serial number beyond year 9999
        ("credential", "²", "unknown_credential"),  # a digit, but not a decimal one
    ],
)
def test_a_value_the_database_cannot_take_is_refused_in_the_report(
    api_as, representative, certificate_row, field, value, code
):
    answer = api_as(representative).post(URL, [certificate_row(**{field: value})], format="json")

    assert answer.status_code == 400
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [(field, code)]
    assert not Certificate.objects.exists()
