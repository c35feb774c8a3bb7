"""Users of each role (the registry's), and a verification station of Hà Nội holding a
registration for scales and water meters, with a row of a certificate as an issuer submits it."""

import itertools
from datetime import date, timedelta

import pytest
from django.utils import timezone

from certificates import signing
from certificates.models import Certificate
from geodata.models import InstrumentType, ScopeItem
from tests.factories import make_credential, make_site
from tests.governance.conftest import (  # noqa: F401  (fixtures shared with the registry's tests)
    DA_NANG,
    HA_NOI,
    PASSWORD,
    administrator,
    api_as,
    da_nang_site,
    officer,
    organisation,
    other_officer,
    public_user,
    representative,
)

REGISTRATION = "05/ĐK-ĐL"
_numbers = itertools.count(1)


def signed_certificate(site, credential, **fields):
    """A verification certificate of `site` under `credential`, saved and signed as registration
    does (without its rules: for tests of what comes after), with `fields`."""
    today = timezone.localdate()
    certificate = Certificate(
        **{
            "kind": "verification",
            "number": f"KĐ-2026-{next(_numbers):05d}",
            "site": site,
            "credential": credential,
            "subject": "Cân bàn điện tử 150 kg",
            "serial_number": "B123456",
            "issued_on": today - timedelta(days=10),
            "valid_until": today + timedelta(days=355),
            "result": "passed",
            "key": signing.active_key("certificates"),
            "signature": bytes(64),
            **fields,
        }
    )
    certificate.save()
    signing.sign_certificate(certificate)
    certificate.save()
    return certificate


def add_scope(credential, *instrument_codes):
    for code in instrument_codes:
        ScopeItem.objects.create(
            credential=credential, instrument_type=InstrumentType.objects.get(code=code)
        )


@pytest.fixture
def station(organisation):  # noqa: F811
    """A Hà Nội site of the representative's organisation that verifies and calibrates."""
    return make_site(
        "Trạm kiểm định cân Cầu Giấy",
        organisation=organisation,
        kinds=["verification", "calibration"],
    )


@pytest.fixture
def registration(station):
    """The station's registration for verifying scales and water meters, in force until 2031."""
    credential = make_credential(
        station,
        number=REGISTRATION,
        scheme="dk-dvdl",
        issued_on=date(2024, 3, 1),
        valid_until=date(2031, 12, 31),
    )
    add_scope(credential, "scale-non-automatic", "water-meter")
    return credential


@pytest.fixture
def certificate_row(station, registration):
    """A verification certificate of a scale as submitted, with `changes`."""

    def row(**changes):
        return {
            "site": station.pk,
            "credential": REGISTRATION,
            "kind": "verification",
            "number": "KĐ-2026-00001",
            "instrument_type": "scale-non-automatic",
            "subject": "Cân bàn điện tử 150 kg",
            "maker": "Mettler Toledo",
            "model": "PBA220",
            "serial_number": "B123456",
            "owner": "Chợ Nghĩa Tân",
            "place_of_use": "Chợ Nghĩa Tân, Cầu Giấy, Hà Nội",
            "issued_on": "2026-11-02",
            "valid_until": "2027-11-01",
            "result": "passed",
            **changes,
        }

    return row
