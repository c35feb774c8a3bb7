"""Verifying a certificate: from its QR code (signed), by its number (unsigned), in the page and
the JSON API; the published keys and their rotation; the offline check; QR codes and labels for
those who issue or oversee certificates."""

import base64
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from certificates import keys, qr, selectors, signing
from certificates.models import Certificate
from geodata.models import CredentialEvent
from tests.certificates.conftest import signed_certificate

TODAY = timezone.localdate()


@pytest.fixture
def issue(station, registration):
    """A certificate of the station, saved and signed (as registration does), with `fields`."""
    return lambda **fields: signed_certificate(station, registration, **fields)


@pytest.fixture
def certificate(issue):
    return issue()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _parts(code: str) -> tuple[bytes, str, bytes]:
    return signing.split_code(code)


def _code(data: bytes, kid: str, signature: bytes) -> str:
    return f"{_b64(data)}.{kid}.{_b64(signature)}"


def _page_path(certificate) -> str:
    return urlsplit(signing.verification_url(certificate)).path


# The verdict ------------------------------------------------------------------------------------


def test_a_signed_certificate_in_force_is_valid(certificate):
    found = selectors.verdict(signing.code(certificate), TODAY)

    assert found.verdict == selectors.VALID
    assert found.signed
    assert found.certificate == certificate
    assert found.organisation == certificate.site.organisation
    assert found.credential_status_on_issue == "valid"
    assert found.credential_status_today == "valid"


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    where=st.sampled_from(["payload", "signature"]),
    at=st.integers(0, 10_000),
    mask=st.integers(1, 255),
)
def test_flipping_any_byte_of_the_payload_or_signature_gives_forged(certificate, where, at, mask):
    data, kid, signature = _parts(signing.code(certificate))
    flipped = bytearray(data if where == "payload" else signature)
    flipped[at % len(flipped)] ^= mask
    code = (
        _code(bytes(flipped), kid, signature)
        if where == "payload"
        else _code(data, kid, bytes(flipped))
    )

    assert selectors.verdict(code, TODAY).verdict == selectors.FORGED


def test_a_payload_signed_with_another_key_under_the_registry_key_id_is_forged(certificate):
    data, kid, _signature = _parts(signing.code(certificate))
    forged = _code(data, kid, Ed25519PrivateKey.generate().sign(data))

    assert selectors.verdict(forged, TODAY).verdict == selectors.FORGED


def test_a_payload_signed_under_an_unknown_key_id_is_forged(certificate):
    data, _kid, _signature = _parts(signing.code(certificate))
    forged = _code(data, "cer-20260101-abcdef", Ed25519PrivateKey.generate().sign(data))

    assert selectors.verdict(forged, TODAY).verdict == selectors.FORGED


def test_a_revoked_certificate_is_revoked_with_its_reason(issue):
    certificate = issue(revoked_on=TODAY, revocation_reason="Cân bị sửa chữa sau kiểm định")

    found = selectors.verdict(signing.code(certificate), TODAY)

    assert found.verdict == selectors.REVOKED
    assert "Cân bị sửa chữa sau kiểm định" in found.reason
    assert f"{TODAY:%d/%m/%Y}" in found.reason


def test_a_revocation_dated_after_the_day_of_the_check_does_not_apply_yet(issue):
    certificate = issue(revoked_on=TODAY + timedelta(days=1), revocation_reason="Thu hồi")

    assert selectors.verdict(signing.code(certificate), TODAY).verdict == selectors.VALID


def test_a_certificate_past_its_valid_until_date_is_expired(issue):
    certificate = issue(
        issued_on=TODAY - timedelta(days=400), valid_until=TODAY - timedelta(days=1)
    )

    assert selectors.verdict(signing.code(certificate), TODAY).verdict == selectors.EXPIRED


def test_a_good_signature_for_a_certificate_the_registry_does_not_hold_is_not_found(certificate):
    code = signing.code(certificate)
    Certificate.objects.filter(pk=certificate.pk).delete()

    found = selectors.verdict(code, TODAY)

    assert found.verdict == selectors.NOT_FOUND
    assert found.certificate is None


@pytest.mark.parametrize(
    "change",
    [
        {"serial_number": "B999999"},
        {"number": "KĐ-2026-99999"},
        {"valid_until": TODAY + timedelta(days=3000)},
        {"result": "failed"},
    ],
)
def test_a_record_edited_in_the_database_after_signing_is_forged(certificate, change):
    Certificate.objects.filter(pk=certificate.pk).update(**change)

    with translation.override("en"):
        found = selectors.verdict(signing.code(certificate), TODAY)

    assert found.verdict == selectors.FORGED
    assert "the record differs from what was signed" in found.reason


def test_a_field_outside_the_signature_may_change_without_forging(certificate):
    Certificate.objects.filter(pk=certificate.pk).update(subject="Cân đồng hồ lò xo")

    assert selectors.verdict(signing.code(certificate), TODAY).verdict == selectors.VALID


def test_a_verification_is_one_query_with_its_joins_in_the_order_written(certificate):
    code = signing.code(certificate)
    selectors.verdict(code, TODAY)  # the public key is read once per process

    with CaptureQueriesContext(connection) as queries:
        found = selectors.verdict(code, TODAY)
        assert found.credential_status_today == "valid"

    statements = [query["sql"] for query in queries.captured_queries]
    assert "SET LOCAL join_collapse_limit = 1" in statements
    assert len([sql for sql in statements if sql.startswith("SELECT")]) == 1


def test_the_credential_is_judged_on_the_issue_date_and_today(certificate):
    CredentialEvent.objects.create(
        credential=certificate.credential,
        kind="suspended",
        effective_on=TODAY - timedelta(days=1),
        reason="Không duy trì điều kiện hoạt động",
    )

    found = selectors.verdict(signing.code(certificate), TODAY)

    assert found.credential_status_on_issue == "valid"
    assert found.credential_status_today == "suspended"


def test_a_number_typed_in_is_looked_up_without_a_signature(certificate, organisation):
    found = selectors.lookup(certificate.number, organisation, TODAY)

    assert found.verdict == selectors.VALID
    assert not found.signed


def test_a_number_the_issuer_never_issued_is_not_found(certificate, da_nang_site):
    assert selectors.lookup("KĐ-0000", certificate.site, TODAY).verdict == selectors.NOT_FOUND
    assert selectors.lookup(certificate.number, da_nang_site, TODAY).verdict == selectors.NOT_FOUND


# The page ---------------------------------------------------------------------------------------


def test_the_qr_code_carries_the_verification_address_and_that_page_says_valid(client, certificate):
    url = signing.verification_url(certificate)
    symbol = qr.symbol(certificate)

    assert qr.content(certificate) == url
    assert symbol.error == "M"
    assert symbol.matrix == segno.make(url, error="m", boost_error=False).matrix
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    assert b'class="verdict verdict--valid"' in page.content
    assert certificate.number in page.content.decode()


def test_the_page_names_the_issuer_its_credential_and_the_site_for_the_map(client, certificate):
    html = client.get(_page_path(certificate)).content.decode()

    assert certificate.site.organisation.name_vi in html
    assert certificate.site.address in html
    assert certificate.credential.number in html
    assert 'id="verify-map"' in html
    assert 'data-lat="21.040000"' in html


def test_the_page_of_a_forged_code_says_not_to_trust_it(client, certificate):
    data, kid, signature = _parts(signing.code(certificate))
    forged = _code(data.replace(b"B123456", b"B123457"), kid, signature)

    page = client.get(reverse("certificates:verify", args=[forged]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()

    assert 'class="verdict verdict--forged"' in html
    assert "Do not trust this certificate" in html
    assert 'id="verify-map"' not in html


@pytest.mark.parametrize(
    "code",
    [
        "x" * 10_000,
        "\x00\x01\x02",
        "kiểm.định.cân",
        "a.b.c",
        "..",
        "QUkx.cer-20260101-abcdef.AAAA",
        "%FF%FE",
        "🙂" * 50,
    ],
)
def test_no_code_makes_the_page_or_the_api_fail(client, db, code):
    page = client.get(f"/verify/{quote(code, safe='')}/")
    api = client.get("/api/v1/certificates/verify/", {"code": code})

    assert page.status_code == 200
    assert b"verdict--forged" in page.content
    assert api.status_code == 200
    assert api.json()["verdict"] == "FORGED"


def test_the_form_sends_a_pasted_address_to_its_verification_page(client, certificate):
    url = signing.verification_url(certificate)

    answer = client.get(reverse("certificates:verify_form"), {"code": url})

    assert answer.status_code == 302
    assert answer["Location"] == _page_path(certificate)


def test_the_form_checks_a_typed_number_and_says_no_signature_was_checked(
    client, certificate, organisation
):
    answer = client.get(
        reverse("certificates:verify_form"),
        {"number": certificate.number, "issuer": organisation.name_vi.upper()},
    )

    assert b"verdict--valid" in answer.content
    assert b'id="unsigned"' in answer.content


def test_the_form_without_a_code_or_a_number_asks_for_one(client, db):
    answer = client.get(reverse("certificates:verify_form"), {"number": "KĐ-1"})

    assert answer.status_code == 200
    assert b'role="alert"' in answer.content


# The JSON API -----------------------------------------------------------------------------------


def _api(client, code):
    return client.get("/api/v1/certificates/verify/", {"code": code})


def test_the_api_gives_the_verdict_the_certificate_its_issuer_and_credential(client, certificate):
    answer = _api(client, signing.code(certificate)).json()

    assert answer["verdict"] == "VALID"
    assert answer["certificate"]["number"] == certificate.number
    assert answer["issuer"]["organisation"] == certificate.site.organisation.name_vi
    assert answer["credential"]["number"] == certificate.credential.number
    assert answer["credential"]["status_on_issue"] == "valid"
    assert answer["signed"] is True


def test_the_api_gives_revoked_expired_not_found_and_forged_as_the_page_does(client, issue):
    revoked = issue(revoked_on=TODAY, revocation_reason="Sai số vượt giới hạn")
    expired = issue(issued_on=TODAY - timedelta(days=400), valid_until=TODAY - timedelta(days=1))
    absent = issue()
    absent_code = signing.code(absent)
    absent.delete()
    edited = issue()
    Certificate.objects.filter(pk=edited.pk).update(serial_number="Z1")

    assert _api(client, signing.code(revoked)).json()["reason"].endswith("Sai số vượt giới hạn")
    assert _api(client, signing.code(revoked)).json()["verdict"] == "REVOKED"
    assert _api(client, signing.code(expired)).json()["verdict"] == "EXPIRED"
    assert _api(client, absent_code).json()["verdict"] == "NOT_FOUND"
    assert _api(client, signing.code(edited)).json()["verdict"] == "FORGED"


def test_the_api_refuses_a_request_without_a_code(client, db):
    assert client.get("/api/v1/certificates/verify/").status_code == 400


def test_the_api_is_in_the_openapi_schema(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    assert "/api/v1/certificates/verify/" in schema["paths"]


# Keys -------------------------------------------------------------------------------------------


def test_the_key_set_publishes_the_keys_of_both_uses_for_an_hour(client, certificate):
    signing.active_key("log")

    answer = client.get("/.well-known/certificate-keys.json")

    published = {key["purpose"]: key for key in answer.json()["keys"]}
    assert set(published) == {"certificates", "log"}
    assert published["certificates"]["kid"] == certificate.key.kid
    assert published["certificates"]["x"] == _b64(bytes(certificate.key.public_key))
    assert published["certificates"]["status"] == "active"
    assert {published["log"][name] for name in ("kty", "crv", "alg", "use")} >= {"OKP", "sig"}
    assert "max-age=3600" in answer["Cache-Control"]


def test_after_a_rotation_old_codes_still_verify_and_the_old_key_is_published_as_retired(
    client, certificate
):
    old_code = signing.code(certificate)

    call_command("rotate_signing_key", use="certificates", stdout=io.StringIO())

    assert selectors.verdict(old_code, TODAY).verdict == selectors.VALID
    statuses = {key["kid"]: key["status"] for key in keys.key_set()["keys"]}
    assert statuses[certificate.key.kid] == "retired"
    assert list(statuses.values()).count("active") == 1
    assert signing.active_key("certificates").kid != certificate.key.kid


def _verify_code_offline(code, key_file):
    """manage.py verify_code in a process whose database cannot be reached."""
    environment = {**os.environ, "DATABASE_URL": "postgis://nobody@127.0.0.1:9/nowhere"}
    return subprocess.run(
        [sys.executable, "manage.py", "verify_code", code, "--keys", str(key_file)],
        cwd=Path(settings.BASE_DIR),
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_code_verifies_offline_with_the_saved_keys_and_no_database(client, certificate, tmp_path):
    key_file = tmp_path / "certificate-keys.json"
    key_file.write_text(json.dumps(client.get("/.well-known/certificate-keys.json").json()))
    data, kid, signature = _parts(signing.code(certificate))

    good = _verify_code_offline(signing.verification_url(certificate), key_file)
    forged = _verify_code_offline(_code(data, kid, bytes(64)), key_file)

    assert good.returncode == 0, good.stderr
    assert "SIGNATURE GOOD" in good.stdout
    assert certificate.number in good.stdout
    assert forged.returncode != 0
    assert "FORGED" in forged.stderr


def test_the_documented_offline_check_verifies_a_code_and_refuses_a_forged_one(
    client, certificate, tmp_path, monkeypatch, capsys
):
    document = (Path(settings.BASE_DIR) / "docs" / "CERTIFICATES.md").read_text()
    snippet = document.split("```python\n", 1)[1].split("```", 1)[0]
    keys_json = client.get("/.well-known/certificate-keys.json").content
    (tmp_path / "certificate-keys.json").write_bytes(keys_json)
    monkeypatch.chdir(tmp_path)
    code = signing.code(certificate)
    data, kid, signature = _parts(code)

    exec(snippet, {"code": code})  # noqa: S102
    with pytest.raises(InvalidSignature):
        exec(snippet, {"code": _code(data, kid, bytes(64))})  # noqa: S102

    assert certificate.number in capsys.readouterr().out


# QR codes and labels ----------------------------------------------------------------------------


def test_the_issuer_and_the_officer_of_its_province_get_the_qr_code(
    client, certificate, representative, officer, administrator
):
    for user in (representative, officer, administrator):
        client.force_login(user)
        png = client.get(reverse("certificates:qr_png", args=[certificate.pk]))
        svg = client.get(reverse("certificates:qr_svg", args=[certificate.pk]))
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"


def test_anyone_else_gets_no_qr_code_nor_labels(client, certificate, other_officer, public_user):
    for user in (None, other_officer, public_user):
        client.logout()
        if user:
            client.force_login(user)
        assert client.get(reverse("certificates:qr_png", args=[certificate.pk])).status_code == 404
        assert client.get(reverse("certificates:qr_svg", args=[certificate.pk])).status_code == 404
        labels = client.get(reverse("certificates:labels"), {"ids": str(certificate.pk)})
        assert labels.status_code == 404


def test_a_label_sheet_has_a_qr_code_number_serial_and_validity_per_certificate(
    client, issue, representative
):
    certificates = [issue() for _ in range(25)]
    client.force_login(representative)

    ids = ",".join(str(c.pk) for c in certificates) + ",x,²,999999999"
    html = client.get(reverse("certificates:labels"), {"ids": ids}).content.decode()

    assert html.count('class="sheet"') == 2
    assert html.count('class="label"') == 25
    assert html.count("<svg") == 25
    assert certificates[0].number in html and "B123456" in html
    assert f"{certificates[0].valid_until:%d/%m/%Y}" in html
