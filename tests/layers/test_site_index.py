"""layers.SiteIndex follows the registry through every door: the admin's model writes, the
links between credentials and sites, status events, scope lines, vocabularies and bulk imports.
A row that did not change keeps its `updated_at`, and the registry version (the ETags' key)
moves only when something published changed."""

from datetime import date, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata import status
from geodata.models import AdministrativeUnit, CredentialEvent, Field, InstrumentType, ScopeItem
from geodata.services import ImportOptions, import_registry
from layers.filters import STATUS_SQL
from layers.indexing import refresh_site_index, registry_version
from layers.models import RemovedSite, SiteIndex
from tests.factories import make_credential, make_organisation, make_site, province
from tests.geodata.importers.messy_files import write_csv

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.make_aware(datetime(2020, 1, 1))
ON = date(2025, 6, 1)


def row(site) -> SiteIndex:
    return SiteIndex.objects.get(site_id=site.pk)


def aged(site):
    """Marks the site's row as written long ago, to tell whether a write touches it (now() is
    the same instant throughout the test's transaction)."""
    SiteIndex.objects.filter(site_id=site.pk).update(updated_at=LONG_AGO)


def indexed(site, sql: str, **params):
    """The value of an SQL expression over the site's row `s`."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql} FROM layers_siteindex s WHERE s.site_id = %(id)s",  # noqa: S608
            {"id": site.pk, **params},
        )
        return cursor.fetchone()[0]


def indexed_status(site, on):
    return indexed(site, STATUS_SQL, on=on)


def days(site, column):
    """A status column as PostgreSQL writes it: "{[2024-03-01,2026-11-30)}"."""
    return indexed(site, f"s.{column}::text")


def in_search_text(site, *words):
    text = row(site).search_text
    return [word for word in words if f" {word} " in f"{text} "]


# Sites ------------------------------------------------------------------------------------------


def test_a_new_site_is_indexed_with_its_organisation_places_and_folded_words():
    organisation = make_organisation("Trung tâm Đo lường Hà Nội", short_name="TTĐL", phone="024 1")
    site = make_site(
        organisation=organisation,
        commune=AdministrativeUnit.objects.get(level="commune", current=True, code="00160"),
        location=Point(105.794, 21.0451, srid=4326),
        legacy_district_name="Cầu Giấy",
        opening_hours="Mo-Fr 08:00-17:00",
    )

    indexed = row(site)

    assert (indexed.published, indexed.name, indexed.organisation_id) == (
        True,
        site.name,
        organisation.pk,
    )
    assert (indexed.organisation, indexed.organisation_short_name, indexed.phone) == (
        "Trung tâm Đo lường Hà Nội",
        "TTĐL",
        "024 1",  # the organisation's phone when the site has none
    )
    assert (indexed.province_code, indexed.province, indexed.commune_code, indexed.commune) == (
        "01",
        "Hà Nội",
        "00160",
        "Nghĩa Đô",
    )
    assert (indexed.location.x, indexed.location.y, indexed.kinds) == (
        105.794,
        21.0451,
        ["verification"],
    )
    assert (indexed.opening_hours, indexed.schemes, days(site, "valid_on")) == (
        "Mo-Fr 08:00-17:00",
        [],
        "{}",
    )
    assert in_search_text(site, "tram", "kiem", "dinh", "do", "luong", "ttdl", "nghia", "cau") == [
        "tram", "kiem", "dinh", "do", "luong", "ttdl", "nghia", "cau",
    ]  # fmt: skip


def test_editing_a_site_rewrites_its_row_and_moves_the_registry_version():
    site = make_site()
    aged(site)
    version = registry_version()

    site.name = "Trạm kiểm định Tây Hồ"
    site.address = "Số 1 Xuân Diệu, Tây Hồ"
    site.location = Point(105.82, 21.07, srid=4326)
    site.save()

    indexed = row(site)
    assert (indexed.name, indexed.location.coords) == ("Trạm kiểm định Tây Hồ", (105.82, 21.07))
    assert indexed.updated_at > LONG_AGO
    assert in_search_text(site, "tay", "ho", "phuong") == ["tay", "ho"]
    assert registry_version() == version + 1


def test_saving_a_site_unchanged_keeps_its_row_time_and_the_registry_version():
    site = make_site()
    aged(site)
    version = registry_version()

    site.save()
    changed = refresh_site_index()

    assert (changed, row(site).updated_at, registry_version()) == (0, LONG_AGO, version)


def test_an_unpublished_site_is_kept_unpublished_and_leaves_a_tombstone_once_published():
    site = make_site(published=False)
    assert (row(site).published, RemovedSite.objects.count()) == (False, 0)

    site.published = True
    site.save()
    site.published = False
    site.save()

    assert row(site).published is False
    assert list(RemovedSite.objects.values_list("site_id", flat=True)) == [site.pk]


def test_publishing_a_site_again_takes_its_tombstone_away():
    site = make_site()
    site.published = False
    site.save()

    site.published = True
    site.save()

    assert (row(site).published, RemovedSite.objects.count()) == (True, 0)


def test_deleting_a_published_site_removes_its_row_and_leaves_a_tombstone():
    site, other = make_site(), make_site(name="Trạm khác")
    version, pk = registry_version(), site.pk

    site.delete()

    assert list(SiteIndex.objects.values_list("site_id", flat=True)) == [other.pk]
    assert list(RemovedSite.objects.values_list("site_id", flat=True)) == [pk]
    assert registry_version() == version + 1


def test_deleting_an_unpublished_site_leaves_no_tombstone():
    site = make_site(published=False)

    site.delete()

    assert (SiteIndex.objects.count(), RemovedSite.objects.count()) == (0, 0)


def test_deleting_an_organisation_removes_all_its_sites():
    organisation = make_organisation()
    sites = [make_site(f"Trạm {n}", organisation=organisation) for n in range(3)]

    organisation.delete()

    assert SiteIndex.objects.count() == 0
    assert sorted(RemovedSite.objects.values_list("site_id", flat=True)) == [s.pk for s in sites]


def test_renaming_an_organisation_changes_the_search_text_of_every_one_of_its_sites():
    organisation = make_organisation("Công ty Cân Miền Bắc")
    sites = [make_site(f"Trạm {n}", organisation=organisation) for n in range(2)]

    organisation.name_vi = "Công ty Đồng hồ nước Sông Đà"
    organisation.save()

    for site in sites:
        assert row(site).organisation == "Công ty Đồng hồ nước Sông Đà"
        assert in_search_text(site, "dong", "nuoc", "song", "da", "can", "mien") == [
            "dong", "nuoc", "song", "da",
        ]  # fmt: skip


# Credentials, events and scope -----------------------------------------------------------------


def test_a_credential_gives_its_site_its_scheme_number_standard_and_status_days():
    site = make_site()
    make_site(name="Trạm không có chứng nhận", organisation=site.organisation)

    make_credential(
        site=site,
        number="VILAS 216",
        standard="ISO/IEC 17025",
        issued_on=date(2024, 3, 1),
        valid_until=date(2027, 2, 28),
    )

    indexed = row(site)
    assert (indexed.schemes, indexed.credential_numbers, indexed.standards) == (
        ["vilas"],
        ["VILAS 216"],
        ["ISO/IEC 17025"],
    )
    assert (days(site, "valid_on"), days(site, "expiring_on")) == (
        "{[2024-03-01,2026-11-30)}",
        "{[2026-11-30,2027-03-01)}",
    )
    assert (days(site, "expired_on"), days(site, "not_yet_valid_on")) == (
        "{[2027-03-01,)}",
        "{(,2024-03-01)}",
    )
    assert days(site, "accredited_on") == "{[2024-03-01,2027-03-01)}"  # VILAS is an accreditation
    assert in_search_text(site, "vilas", "216", "iso", "17025") == ["vilas", "216", "iso", "17025"]
    assert SiteIndex.objects.exclude(site_id=site.pk).get().schemes == []


def test_a_registration_is_in_force_but_not_an_accreditation():
    site = make_site()

    make_credential(site=site, scheme="dk-dvdl", number="01/ĐK-ĐL")

    assert (days(site, "valid_on") != "{}", days(site, "accredited_on")) == (True, "{}")


def test_a_credential_taken_off_a_site_takes_its_facets_away():
    site, other = make_site(), make_site(name="Trạm 2")
    credential = make_credential(site=site)
    credential.sites.add(other)
    assert row(other).schemes == ["vilas"]

    credential.sites.remove(site)
    other.credentials.remove(credential)

    for each in (site, other):
        assert (row(each).schemes, row(each).credential_numbers, days(each, "valid_on")) == (
            [],
            [],
            "{}",
        )


def test_a_credential_added_from_the_site_side_is_indexed():
    site = make_site()
    credential = make_credential()

    site.credentials.add(credential)

    assert row(site).credential_numbers == [credential.number]


def test_a_deleted_credential_leaves_its_sites():
    site = make_site()
    credential = make_credential(site=site)
    ScopeItem.objects.create(credential=credential, field=Field.objects.get(code="chemical"))
    CredentialEvent.objects.create(credential=credential, kind="suspended", effective_on=ON)

    credential.delete()

    assert (row(site).schemes, row(site).fields, indexed_status(site, ON)) == ([], [], None)


def test_editing_a_credential_changes_its_status_days():
    site = make_site()
    credential = make_credential(site=site, valid_until=date(2025, 6, 30))
    assert indexed_status(site, date(2025, 7, 1)) == status.EXPIRED

    credential.valid_until = date(2030, 6, 30)
    credential.save()

    assert indexed_status(site, date(2025, 7, 1)) == status.VALID


def test_a_status_event_changes_the_status_from_its_day_and_its_deletion_restores_it():
    site = make_site()
    credential = make_credential(site=site)
    aged(site)

    event = CredentialEvent.objects.create(credential=credential, kind="suspended", effective_on=ON)

    assert [indexed_status(site, ON - timedelta(days=1)), indexed_status(site, ON)] == [
        status.VALID,
        status.SUSPENDED,
    ]
    assert row(site).updated_at > LONG_AGO
    event.delete()
    assert indexed_status(site, ON) == status.VALID


def test_a_scope_line_adds_its_field_instrument_and_standard_with_and_without_its_year():
    site = make_site()
    credential = make_credential(site=site)

    ScopeItem.objects.create(
        credential=credential,
        field=Field.objects.get(code="mechanical"),
        instrument_type=InstrumentType.objects.get(code="taxi-meter"),
        product="Đồng hồ tính tiền taxi",
        method="tcvn6165-2009",
    )
    ScopeItem.objects.create(credential=credential, method="QCVN 4 : 2009 / bkhcn")
    ScopeItem.objects.create(credential=credential, method="ĐLVN 13")

    indexed = row(site)
    assert (indexed.fields, indexed.instruments) == (["mechanical"], ["taxi-meter"])
    assert indexed.standards == [
        "QCVN 4",
        "QCVN 4:2009",
        "QCVN 4:2009/BKHCN",
        "TCVN 6165",
        "TCVN 6165:2009",
        "ĐLVN 13",
    ]
    assert in_search_text(site, "co", "taximet", "dong", "tinh", "tien", "tcvn", "6165") == [
        "co", "taximet", "dong", "tinh", "tien", "tcvn", "6165",
    ]  # fmt: skip


def test_a_deleted_scope_line_takes_its_facets_away():
    site = make_site()
    item = ScopeItem.objects.create(
        credential=make_credential(site=site), field=Field.objects.get(code="chemical")
    )

    item.delete()

    assert row(site).fields == []


def test_a_renamed_field_or_instrument_type_renames_the_words_of_the_sites_that_use_it():
    site = make_site()
    field = Field.objects.get(code="chemical")
    instrument = InstrumentType.objects.get(code="taxi-meter")
    ScopeItem.objects.create(
        credential=make_credential(site=site), field=field, instrument_type=instrument
    )
    unrelated = make_site(name="Trạm không liên quan")

    field.name_vi = "Hóa học phân tích"
    field.save()
    instrument.name_en = "Fare meter"
    instrument.save()

    assert in_search_text(site, "hoa", "hoc", "phan", "tich", "fare") == [
        "hoa", "hoc", "phan", "tich", "fare",
    ]  # fmt: skip
    assert in_search_text(unrelated, "hoc", "fare") == []


# Bulk writes ----------------------------------------------------------------------------------

HEADERS = ["Tên tổ chức", "Loại hình", "Địa chỉ", "Kinh độ", "Vĩ độ", "Số hiệu VILAS"]
HEADERS += ["Ngày cấp", "Ngày hết hạn", "Lĩnh vực"]
QUATEST_1 = [
    "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1",
    "Thử nghiệm",
    "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội",
    "105.8040",
    "21.0465",
    "VILAS 216",
    "12/03/2024",
    "11/03/2029",
    "Hóa; Sinh",
]


def import_file(*rows, **options):
    data = write_csv([HEADERS, *rows])
    return import_registry(data, "vilas.csv", ImportOptions(**options), performed_by="tester")


def test_an_imported_file_is_indexed():
    run = import_file(QUATEST_1)

    assert run.outcome == "imported"
    indexed = SiteIndex.objects.get()
    assert (indexed.name, indexed.kinds, indexed.commune) == (QUATEST_1[0], ["testing"], "Nghĩa Đô")
    assert (indexed.credential_numbers, indexed.fields) == (
        ["VILAS 216"],
        ["biological", "chemical"],
    )
    assert indexed_status(indexed.site, date(2025, 1, 1)) == status.VALID


def test_a_second_import_rewrites_the_rows_it_changes_and_only_those():
    import_file(QUATEST_1)
    SiteIndex.objects.update(updated_at=LONG_AGO)
    version = registry_version()

    import_file(QUATEST_1)
    assert (SiteIndex.objects.get().updated_at, registry_version()) == (LONG_AGO, version)

    import_file([*QUATEST_1[:7], "11/03/2026", QUATEST_1[8]])
    indexed = SiteIndex.objects.get()
    assert days(indexed.site, "expired_on") == "{[2026-03-12,)}"
    assert (indexed.updated_at > LONG_AGO, registry_version()) == (True, version + 1)


def test_a_checked_file_leaves_the_index_as_it_was():
    import_file(QUATEST_1)
    before = list(SiteIndex.objects.values_list())
    version = registry_version()

    renamed = ["Trung tâm mới", *QUATEST_1[1:]]
    run = import_file(renamed, [*renamed[:5], "VILAS 999", *renamed[6:]], dry_run=True)

    assert run.outcome == "checked"
    assert list(SiteIndex.objects.values_list()) == before
    assert registry_version() == version


def test_a_full_refresh_finds_nothing_to_change_in_an_index_kept_up_to_date():
    site = make_site()
    make_credential(site=site)
    ScopeItem.objects.create(credential=site.credentials.get(), method="TCVN 6165:2009")
    version = registry_version()

    assert (refresh_site_index(), registry_version()) == (0, version)


# Status columns ---------------------------------------------------------------------------------

SPREAD = [date(2023, 1, 1) + timedelta(days=73 * n) for n in range(30)]  # 2023 to 2028
credential_days = st.integers(min_value=0, max_value=6 * 365)
event_kinds = st.sampled_from([status.SUSPENDED, status.REINSTATED, status.WITHDRAWN])


@st.composite
def credentials(draw):
    issued = draw(credential_days)
    validity = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=4 * 365)))
    events = draw(st.lists(st.tuples(credential_days, event_kinds), max_size=3))
    scheme = draw(st.sampled_from(["vilas", "dk-dvdl"]))
    return issued, validity, events, scheme


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(held=st.lists(credentials(), max_size=4))
def test_the_indexed_status_is_the_best_of_the_credentials_on_every_date(held):
    start = SPREAD[0]
    site = make_site()
    for issued, validity, events, scheme in held:
        issued_on = start + timedelta(days=issued)
        credential = make_credential(
            site=site,
            scheme=scheme,
            issued_on=issued_on,
            valid_until=None if validity is None else issued_on + timedelta(days=validity),
        )
        CredentialEvent.objects.bulk_create(
            CredentialEvent(credential=credential, kind=kind, effective_on=start + timedelta(d))
            for d, kind in events
        )
    refresh_site_index(site_ids=[site.pk])  # bulk_create sends no signal

    assert [indexed_status(site, on) for on in SPREAD] == [site.status_on(on) for on in SPREAD]
    site.organisation.delete()


def test_two_credentials_give_the_best_status_of_the_two_on_each_day():
    site = make_site()
    make_credential(site=site, issued_on=date(2024, 1, 1), valid_until=date(2025, 1, 31))
    later = make_credential(site=site, issued_on=date(2025, 3, 1), valid_until=None)
    CredentialEvent.objects.create(
        credential=later, kind="withdrawn", effective_on=date(2026, 1, 1)
    )

    expected = {
        date(2023, 12, 31): status.NOT_YET_VALID,
        date(2024, 6, 1): status.VALID,
        date(2025, 1, 1): status.EXPIRING,
        date(2025, 2, 15): status.EXPIRED,
        date(2025, 3, 1): status.VALID,
        date(2026, 1, 1): status.EXPIRED,  # better than withdrawn
    }
    assert {on: indexed_status(site, on) for on in expected} == expected
    assert {on: site.status_on(on) for on in expected} == expected


def test_a_site_in_another_province_is_indexed_there():
    site = make_site(province=province("79"), location=Point(106.7, 10.78, srid=4326))

    assert (row(site).province_code, row(site).province) == ("79", "Hồ Chí Minh")
