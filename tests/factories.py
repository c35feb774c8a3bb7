"""Small builders of registry records for tests; they rely on the reference data that
tests/conftest.py loads once per session."""

import itertools
from datetime import date

from django.contrib.gis.geos import Point

from geodata.models import AdministrativeUnit, Authority, Credential, Organisation, Scheme, Site

_numbers = itertools.count(1)


def province(code="01"):
    return AdministrativeUnit.objects.get(level="province", current=True, code=code)


def make_organisation(name="Trung tâm Kiểm định Đo lường Thử nghiệm", **fields):
    return Organisation.objects.create(name_vi=name, **fields)


def make_site(name="Trạm kiểm định phương tiện đo Cầu Giấy", organisation=None, **fields):
    fields = {
        "kinds": ["verification"],
        "address": "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội",
        "province": province(),
        "location": Point(105.8, 21.04, srid=4326),
        "location_method": "surveyed",
        "published": True,
        **fields,
    }
    return Site.objects.create(
        organisation=organisation or make_organisation(), name=name, **fields
    )


def make_credential(site=None, number=None, scheme="vilas", **fields):
    fields = {"issued_on": date(2024, 3, 1), "valid_until": date(2027, 2, 28), **fields}
    credential = Credential.objects.create(
        organisation=site.organisation if site else make_organisation(),
        scheme=Scheme.objects.get(code=scheme),
        number=number or f"VILAS {next(_numbers):03d}",
        issuer=Authority.objects.get(code="boa"),
        **fields,
    )
    if site:
        credential.sites.add(site)
    return credential


def site_form(site, **changes):
    """The fields of the admin's site form as posted, with `changes`."""
    data = {
        "organisation": site.organisation_id,
        "name": site.name,
        "kinds": "verification",
        "published": "on",
        "address": site.address,
        "province": site.province_id,
        "location": "",
        "location_lon": "105.8",
        "location_lat": "21.04",
        "location_method": "surveyed",
        **changes,
    }
    return data
