import hashlib
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import override_settings

from geodata import demo, status
from geodata.geography import Geography
from geodata.models import (
    Credential,
    CredentialEvent,
    Document,
    Organisation,
    ScopeItem,
    ServiceKind,
    Site,
)

ON = date(2025, 11, 1)
SEED = 7
N_SITES = 150


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """`load_demo` run once for the module, inside a transaction rolled back at the end, with its
    documents in a temporary media directory. Yields what the command printed."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = StringIO()
            call_command(
                "load_demo",
                "--sites",
                str(N_SITES),
                "--seed",
                str(SEED),
                "--date",
                ON.isoformat(),
                stdout=out,
            )
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _real_rows():
    return demo.read_real_organisations()


def _fetch(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_load_demo_reports_what_it_loaded(loaded, db):
    real_sites = Site.objects.filter(organisation__notes__contains="real_orgs.csv").count()
    assert "Loaded the demo dataset (seed 7)" in loaded
    assert f"sites: {N_SITES + real_sites}" in loaded
    assert "real organisations: 24" in loaded


def test_every_demo_site_lies_inside_its_province_and_its_commune(loaded, db):
    assert Site.objects.count() >= N_SITES
    outside_province = _fetch(
        "SELECT s.name FROM geodata_site s "
        "JOIN geodata_administrativeunit p ON p.id = s.province_id "
        "WHERE NOT ST_Covers(p.boundary, s.location)"
    )
    assert outside_province == []
    checked, outside_commune = _fetch(
        "SELECT count(*), count(*) FILTER (WHERE NOT ST_Covers(c.boundary, s.location)) "
        "FROM geodata_site s JOIN geodata_administrativeunit c ON c.id = s.commune_id "
        "WHERE c.boundary IS NOT NULL"
    )[0]
    assert checked >= N_SITES  # the communes' boundaries are loaded in the test database
    assert outside_commune == 0


def test_the_same_seed_gives_the_same_sites_and_another_seed_other_ones(loaded, db):
    geography = Geography.from_database()
    first = demo.build_demo(geography, N_SITES, SEED, ON)
    again = demo.build_demo(geography, N_SITES, SEED, ON)
    other = demo.build_demo(geography, N_SITES, SEED + 1, ON)

    def sites(data):
        return [(s.name, s.address, s.lon, s.lat) for s in data.sites]

    assert first == again  # names, points, dates, numbers: everything
    assert sites(first) == sites(again)
    assert sites(other) != sites(first)
    stored = [(s.name, s.address, s.location.x, s.location.y) for s in Site.objects.order_by("pk")]
    assert stored == sites(first)


def test_on_the_reference_date_there_is_a_credential_in_every_status(loaded, db):
    annotated = dict(Credential.objects.with_status(ON).values_list("pk", "status"))
    found = set(annotated.values())
    assert found >= {
        status.VALID,
        status.EXPIRING,
        status.EXPIRED,
        status.SUSPENDED,
        status.WITHDRAWN,
        status.NOT_YET_VALID,
    }
    reinstated = Credential.objects.filter(events__kind=status.REINSTATED)
    assert any(
        annotated[pk] in (status.VALID, status.EXPIRING)
        for pk in reinstated.values_list("pk", flat=True)
    )
    valid = sum(1 for s in annotated.values() if s == status.VALID)
    assert valid > len(annotated) / 2  # mostly valid


def test_python_status_agrees_with_the_sql_annotation_for_every_demo_credential(loaded, db):
    annotated = dict(Credential.objects.with_status(ON).values_list("pk", "status"))
    credentials = Credential.objects.prefetch_related("events")
    assert len(credentials) == len(annotated)
    for credential in credentials:
        assert credential.status_on(ON) == annotated[credential.pk], credential.number


def test_the_24_real_organisations_are_loaded_with_their_source_urls_and_numbers(loaded, db):
    rows = _real_rows()
    assert len(rows) == 24
    for row in rows:
        organisation = Organisation.objects.get(name_vi=row["name_vi"])
        assert organisation.source_url == row["source_url"]
        if row["accreditation_no"]:
            credential = organisation.credentials.get()
            assert credential.number == row["accreditation_no"]
            assert credential.issuer.code == "boa"
    quatest1 = Credential.objects.get(number="VILAS 216")
    assert quatest1.organisation.source_url == (
        "http://boa.gov.vn/en/quality-assurance-and-testing-center-1-0"
    )
    assert quatest1.valid_until == date(2021, 11, 28)  # as the source page says
    assert quatest1.organisation.parent.name_vi == (
        "Tổng cục Tiêu chuẩn Đo lường Chất lượng (STAMEQ)"
    )


def test_every_site_has_a_kind_and_is_covered_by_a_credential(loaded, db):
    assert not Site.objects.filter(kinds=[]).exists()
    uncovered = set(Site.objects.filter(credentials__isnull=True).values_list("name", flat=True))
    # Known exceptions: the accreditation body issues credentials rather than holding them, and
    # some real organisations' sources give no credential number.
    unnumbered = {r["name_vi"] for r in _real_rows() if not r["accreditation_no"]}
    accreditation = set(
        Site.objects.filter(kinds__contains=[ServiceKind.ACCREDITATION]).values_list(
            "name", flat=True
        )
    )
    assert uncovered <= unnumbered | accreditation
    synthetic = Site.objects.filter(organisation__notes__contains="Tổ chức mô phỏng")
    assert synthetic.count() > 0
    assert not synthetic.filter(credentials__isnull=True).exists()


def test_every_credential_has_a_real_pdf_whose_sha256_matches(loaded, db):
    documents = list(Document.objects.all())
    assert len(documents) == Credential.objects.count()
    for document in documents:
        with document.file.open("rb") as file:
            content = file.read()
        assert content.startswith(b"%PDF-")
        assert hashlib.sha256(content).hexdigest() == document.sha256
        assert len(content) == document.size_bytes
    assert Document.objects.filter(public=True).count() > len(documents) / 2


def test_load_demo_if_empty_on_a_loaded_registry_changes_nothing(loaded, db):
    def snapshot():
        return [
            model.objects.count()
            for model in (Organisation, Site, Credential, ScopeItem, CredentialEvent, Document)
        ] + [list(Site.objects.order_by("-updated_at").values_list("updated_at", flat=True)[:1])]

    before = snapshot()
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert snapshot() == before
    assert "nothing loaded" in out.getvalue()


def test_load_demo_refuses_a_loaded_registry_without_if_empty(loaded, db):
    before = Organisation.objects.count()
    with pytest.raises(CommandError, match="already holds"):
        call_command("load_demo", "--sites", "10", stdout=StringIO())
    assert Organisation.objects.count() == before
