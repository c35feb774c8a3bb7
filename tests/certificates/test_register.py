"""Registering issued certificates (certificates.services.register): a site issues only under a
credential that covers it, the kind and the instrument, in force on the issue date; one refused
row refuses the batch, and the report names every error."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from certificates import services, signing
from certificates.models import Certificate, LogEntry
from geodata.models import CredentialEvent
from tests.certificates.conftest import REGISTRATION, add_scope
from tests.factories import make_credential, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(report):
    """The only error of a refused one-row batch, as (field, message)."""
    assert not report.accepted and not Certificate.objects.exists()
    [error] = report.errors
    return error.field, str(error.message)


def test_a_certificate_within_its_credential_is_registered_signed_and_logged(
    representative, certificate_row, station, registration
):
    report = services.register(representative, [certificate_row()], source="api")

    assert report.accepted
    [certificate] = Certificate.objects.all()
    assert (certificate.site, certificate.credential) == (station, registration)
    assert certificate.instrument_type.code == "scale-non-automatic"
    assert certificate.submitted_by == representative
    assert signing.read_code(signing.code(certificate))["number"] == "KĐ-2026-00001"
    assert report.as_json()["certificates"] == [
        {
            "id": certificate.pk,
            "number": "KĐ-2026-00001",
            "verification_url": signing.verification_url(certificate),
        }
    ]
    assert list(LogEntry.objects.values_list("event", "certificate_id")) == [
        ("registered", certificate.pk)
    ]


def test_an_instrument_outside_the_credentials_scope_is_refused(representative, certificate_row):
    report = services.register(
        representative, [certificate_row(instrument_type="taxi-meter")], source="api"
    )

    field, message = refusal(report)
    assert field == "instrument_type"
    assert f"The scope of credential {REGISTRATION} has no item for" in message
    assert "Đồng hồ tính tiền" in message or "taxi" in message.lower()


def test_a_credential_that_does_not_cover_the_site_is_refused(
    representative, certificate_row, organisation
):
    other_site = make_site("Phòng hiệu chuẩn Long Biên", organisation=organisation)

    report = services.register(representative, [certificate_row(site=other_site.pk)], source="api")

    field, message = refusal(report)
    assert field == "credential"
    assert f"Credential {REGISTRATION} does not cover site {other_site.pk}" in message


def test_a_kind_the_site_does_not_offer_is_refused(representative, certificate_row):
    row = certificate_row(kind="test_report", instrument_type="", result="")

    field, message = refusal(services.register(representative, [row], source="api"))

    assert field == "kind"
    assert "does not offer Testing, so it cannot issue a Test report" in message


def test_a_calibration_certificate_needs_no_instrument_and_carries_no_verdict(
    representative, certificate_row
):
    row = certificate_row(kind="hiệu chuẩn", instrument_type="", result="", valid_until="")

    assert services.register(representative, [row], source="file").accepted

    assert Certificate.objects.get().result == Certificate.Result.ISSUED


@pytest.mark.parametrize(
    ("credential_dates", "event", "expected"),
    [
        (
            {"issued_on": date(2020, 1, 1), "valid_until": date(2025, 12, 31)},
            None,
            "was expired on 02/11/2026, the issue date: its validity had ended (valid until "
            "31/12/2025).",
        ),
        (
            {"issued_on": date(2024, 1, 1), "valid_until": date(2031, 1, 1)},
            ("suspended", date(2026, 10, 1)),
            "was suspended on 02/11/2026, the issue date: it was suspended and not reinstated",
        ),
        (
            {"issued_on": date(2026, 11, 10), "valid_until": date(2031, 1, 1)},
            None,
            "was not yet in force on 02/11/2026, the issue date: it was issued later, on "
            "10/11/2026.",
        ),
        (
            {"issued_on": date(2024, 1, 1), "valid_until": date(2031, 1, 1)},
            ("withdrawn", date(2026, 6, 1)),
            "was withdrawn on 02/11/2026, the issue date: it had been withdrawn.",
        ),
    ],
    ids=["expired", "suspended", "not-yet-valid", "withdrawn"],
)
def test_a_credential_not_in_force_on_the_issue_date_is_refused_saying_why(
    representative, certificate_row, station, credential_dates, event, expected
):
    credential = make_credential(station, number="09/ĐK-ĐL", scheme="dk-dvdl", **credential_dates)
    add_scope(credential, "scale-non-automatic")
    if event:
        CredentialEvent.objects.create(credential=credential, kind=event[0], effective_on=event[1])

    report = services.register(
        representative, [certificate_row(credential="09/ĐK-ĐL")], source="api"
    )

    field, message = refusal(report)
    assert field == "credential"
    assert message.startswith(f"Credential 09/ĐK-ĐL {expected}")


def test_a_credential_reinstated_before_the_issue_date_is_in_force(
    representative, certificate_row, registration
):
    CredentialEvent.objects.create(
        credential=registration, kind="suspended", effective_on=date(2026, 5, 1)
    )
    CredentialEvent.objects.create(
        credential=registration, kind="reinstated", effective_on=date(2026, 7, 1)
    )

    assert services.register(representative, [certificate_row()], source="api").accepted


def test_a_credential_may_be_named_by_its_id(representative, certificate_row, registration):
    row = certificate_row(credential=registration.pk)

    assert services.register(representative, [row], source="api").accepted


def test_one_refused_row_refuses_the_batch_and_every_error_is_reported(
    representative, certificate_row
):
    rows = [
        certificate_row(number="KĐ-1"),
        certificate_row(number="KĐ-2", instrument_type="taxi-meter"),
        certificate_row(number="KĐ-3", issued_on="30/02/2026", result="maybe"),
        certificate_row(number="KĐ-1"),
        certificate_row(number="KĐ-5", colour="blue"),
    ]

    report = services.register(representative, rows, source="api")

    assert not Certificate.objects.exists() and not LogEntry.objects.exists()
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (2, "instrument_type", "instrument_not_in_scope"),
        (3, "issued_on", "not_a_date"),
        (3, "result", "unknown_result"),
        (4, "number", "duplicate_in_batch"),
        (5, "colour", "unknown_field"),
    ]
    assert report.as_json()["refused_rows"] == 4
    assert "also in row 1" in str(report.errors[3].message)


def test_a_number_already_registered_for_the_site_is_refused(representative, certificate_row):
    services.register(representative, [certificate_row()], source="api")

    report = services.register(representative, [certificate_row()], source="api")

    assert [(e.row, e.code) for e in report.errors] == [(1, "already_registered")]
    assert Certificate.objects.count() == 1


def test_a_dry_run_checks_without_writing(representative, certificate_row):
    report = services.register(representative, [certificate_row()], source="file", dry_run=True)

    assert report.accepted and report.certificates == []
    assert not Certificate.objects.exists()


def test_checking_a_batch_takes_as_many_queries_for_two_hundred_rows_as_for_two(
    representative, certificate_row
):
    def queries_to_check(count):
        rows = [certificate_row(number=f"KĐ-{n}") for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert services.register(representative, rows, source="api", dry_run=True).accepted
        return len(queries)

    assert queries_to_check(200) == queries_to_check(2)


# Who may register ------------------------------------------------------------------------------


def test_the_public_may_not_register(public_user, certificate_row):
    with pytest.raises(PermissionDenied, match="Your role does not allow registering"):
        services.register(public_user, [certificate_row()], source="api")


def test_an_officer_registers_for_the_sites_of_their_province(officer, certificate_row):
    assert services.register(officer, [certificate_row()], source="api").accepted


def test_an_officer_of_another_province_may_not_register_for_a_site(other_officer, certificate_row):
    field, message = refusal(services.register(other_officer, [certificate_row()], source="api"))

    assert field == "site"
    assert "it is not a site of your organisation or of your province" in message


def test_a_representative_may_not_register_for_another_organisations_site(
    representative, certificate_row, da_nang_site
):
    credential = make_credential(da_nang_site, number="11/ĐK-ĐL", scheme="dk-dvdl")
    add_scope(credential, "scale-non-automatic")
    row = certificate_row(site=da_nang_site.pk, credential="11/ĐK-ĐL")

    field, _message = refusal(services.register(representative, [row], source="api"))

    assert field == "site"


# Revocation -----------------------------------------------------------------------------------


@pytest.fixture
def issued(representative, certificate_row):
    services.register(representative, [certificate_row()], source="api")
    return Certificate.objects.get()


@pytest.mark.parametrize("revoker", ["representative", "officer", "administrator"])
def test_the_issuer_or_an_officer_revokes_with_a_reason_and_it_is_logged(request, issued, revoker):
    user = request.getfixturevalue(revoker)

    services.revoke(user, issued, "Cân bị niêm phong sai", on=date(2026, 11, 10))

    issued.refresh_from_db()
    assert (issued.revoked_on, issued.revocation_reason) == (
        date(2026, 11, 10),
        "Cân bị niêm phong sai",
    )
    assert list(LogEntry.objects.values_list("event", flat=True)) == ["registered", "revoked"]


@pytest.mark.parametrize("revoker", ["other_officer", "public_user"])
def test_an_officer_of_another_province_or_the_public_may_not_revoke(request, issued, revoker):
    with pytest.raises(PermissionDenied, match="You may not revoke this certificate"):
        services.revoke(request.getfixturevalue(revoker), issued, "Sai")

    issued.refresh_from_db()
    assert issued.revoked_on is None and LogEntry.objects.count() == 1


def test_a_revocation_needs_a_reason(representative, issued):
    with pytest.raises(ValidationError, match="Say why the certificate is revoked"):
        services.revoke(representative, issued, "  ")


def test_a_revoked_certificate_cannot_be_revoked_again(representative, officer, issued):
    services.revoke(representative, issued, "Nhầm số")

    with pytest.raises(ValidationError, match="already revoked"):
        services.revoke(officer, issued, "Nhầm số")

    assert LogEntry.objects.count() == 2
