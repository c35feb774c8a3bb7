from django.db.models import Count

from geodata.models import AdministrativeUnit, Authority, Scheme, UnitSuccession
from geodata.services import load_reference_data


def unit_counts():
    rows = AdministrativeUnit.objects.values("level", "current").annotate(n=Count("id"))
    return {(row["level"], row["current"]): row["n"] for row in rows}


def test_reference_data_has_every_unit_before_and_after_july_2025(db):
    assert unit_counts() == {
        ("province", True): 34,
        ("province", False): 63,
        ("district", False): 692,
        ("commune", True): 3321,
        ("commune", False): 10047,
    }
    bounded = AdministrativeUnit.objects.filter(boundary__isnull=False)
    assert bounded.filter(level="province", current=True).count() == 34
    assert bounded.filter(level="province", current=False).count() == 63


def test_loading_reference_data_twice_creates_no_duplicates(db):
    before = (
        unit_counts(),
        UnitSuccession.objects.count(),
        Authority.objects.count(),
        Scheme.objects.count(),
    )
    load_reference_data()
    after = (
        unit_counts(),
        UnitSuccession.objects.count(),
        Authority.objects.count(),
        Scheme.objects.count(),
    )
    assert after == before


def test_every_legacy_province_became_exactly_one_current_province(db):
    legacy = AdministrativeUnit.objects.filter(level="province", current=False)
    assert all(unit.successors.count() == 1 for unit in legacy)
    ha_giang = legacy.get(name="Hà Giang")
    assert ha_giang.successors.get().name == "Tuyên Quang"


def test_every_current_commune_belongs_to_a_current_province(db):
    communes = AdministrativeUnit.objects.filter(level="commune", current=True)
    assert not communes.filter(parent__isnull=True).exists()
    assert not communes.exclude(parent__level="province", parent__current=True).exists()


def test_each_current_province_has_its_department_of_science_and_technology(db):
    departments = Authority.objects.filter(kind="provincial_department")
    assert departments.count() == 34
    assert departments.get(province__name="Huế").name_vi == "Sở Khoa học và Công nghệ Huế"


def test_the_former_directorate_is_kept_as_superseded_by_the_national_commission(db):
    directorate = Authority.objects.get(code="tcdlcl")
    assert directorate.superseded_by.code == "ubtcdlcl"
    assert directorate.active_until.isoformat() == "2025-02-28"
