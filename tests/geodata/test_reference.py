"""geodata.reference: the committed reference files read into plain records (no database)."""

import unicodedata
from collections import Counter, defaultdict

import pytest

from geodata.reference import (
    REFERENCE_DIR,
    SuccessionRecord,
    UnitRecord,
    read_successions,
    read_units,
)


@pytest.fixture(scope="module")
def units() -> dict[tuple[bool, str, str], UnitRecord]:
    return {(unit.current, unit.level, unit.code): unit for unit in read_units()}


@pytest.fixture(scope="module")
def successors() -> dict[tuple[str, str], list[SuccessionRecord]]:
    by_old = defaultdict(list)
    for succession in read_successions():
        by_old[succession.level, succession.old_code].append(succession)
    return by_old


def test_the_reference_directory_is_inside_the_project():
    assert (REFERENCE_DIR / "gazetteer" / "vn_gazetteer.csv").is_file()


def test_every_gazetteer_row_becomes_one_unit():
    records = read_units()
    assert len(records) == 14_157
    assert len({(unit.current, unit.level, unit.code) for unit in records}) == 14_157


def test_units_are_counted_as_before_and_after_1_july_2025():
    counts = Counter((unit.level, unit.current) for unit in read_units())
    assert counts == {
        ("province", True): 34,
        ("province", False): 63,
        ("district", False): 692,
        ("commune", True): 3_321,
        ("commune", False): 10_047,
    }


def test_current_communes_are_wards_communes_and_special_zones():
    types = Counter(
        unit.unit_type for unit in read_units() if unit.current and unit.level == "commune"
    )
    assert types == {"Xã": 2_621, "Phường": 687, "Đặc khu": 13}


def test_legacy_and_current_codes_overlap_but_each_record_keeps_its_era(units):
    assert units[False, "commune", "00004"].name == "Trúc Bạch"
    assert units[True, "commune", "00004"].name == "Ba Đình"


def test_a_legacy_ward_hangs_under_its_district_and_the_district_under_its_province(units):
    ward = units[False, "commune", "00157"]
    assert (ward.full_name, ward.unit_type, ward.parent_code, ward.province_code) == (
        "Phường Nghĩa Đô",
        "Phường",
        "005",
        "01",
    )
    district = units[False, "district", ward.parent_code]
    assert (district.full_name, district.parent_code) == ("Quận Cầu Giấy", "01")


def test_every_current_commune_has_a_current_province_as_parent(units):
    communes = [unit for unit in units.values() if unit.current and unit.level == "commune"]
    assert all(unit.parent_code == unit.province_code for unit in communes)
    assert all((True, "province", unit.parent_code) in units for unit in communes)


def test_every_legacy_district_has_a_legacy_province_as_parent(units):
    districts = [unit for unit in units.values() if unit.level == "district"]
    assert all(not unit.current for unit in districts)
    assert all((False, "province", unit.parent_code) in units for unit in districts)


def test_every_legacy_commune_names_a_legacy_district_code_in_its_province(units):
    communes = [unit for unit in units.values() if not unit.current and unit.level == "commune"]
    assert all(len(unit.parent_code) == 3 for unit in communes)
    assert all((False, "province", unit.province_code) in units for unit in communes)


def test_provinces_have_no_parent(units):
    provinces = [unit for unit in units.values() if unit.level == "province"]
    assert all(unit.parent_code is None for unit in provinces)


def test_names_are_stored_in_nfc_even_where_the_file_is_decomposed(units):
    assert all(unicodedata.is_normalized("NFC", unit.name) for unit in units.values())
    assert units[True, "commune", "19742"].full_name == "Đặc khu Cồn Cỏ"


def test_a_district_without_a_type_column_takes_it_from_its_full_name(units):
    assert units[False, "district", "221"].unit_type == "Huyện"
    assert all(unit.unit_type for unit in units.values())


def test_units_carry_their_point_and_how_it_was_obtained(units):
    ward = units[True, "commune", "00160"]
    assert (ward.lon, ward.lat) == (105.794, 21.0451)
    assert ward.point_method == "sapnhap.bando.com.vn point"
    assert all(isinstance(unit.lon, float) for unit in units.values())


def test_successions_are_the_63_provinces_and_every_commune_mapping_row():
    counts = Counter(succession.level for succession in read_successions())
    # 10,604 mapping rows less the 5 island districts that had no communes.
    assert counts == {"province": 63, "commune": 10_599}


def test_every_legacy_province_has_exactly_one_current_successor(units, successors):
    for unit in units.values():
        if unit.level == "province" and not unit.current:
            (succession,) = successors["province", unit.code]
            assert (True, "province", succession.new_code) in units
    assert successors["province", "02"][0].new_code == "08"  # Hà Giang is now Tuyên Quang


def test_a_province_name_means_the_same_current_province_before_and_after(units, successors):
    current = {
        unit.name: unit.code for unit in units.values() if unit.level == "province" and unit.current
    }
    for unit in units.values():
        if unit.level == "province" and not unit.current and unit.name in current:
            assert successors["province", unit.code][0].new_code == current[unit.name]


def test_every_legacy_commune_has_current_successors(units, successors):
    for unit in units.values():
        if unit.level == "commune" and not unit.current:
            new_codes = [succession.new_code for succession in successors["commune", unit.code]]
            assert new_codes
            assert all((True, "commune", code) in units for code in new_codes)


def test_a_split_legacy_ward_lists_every_successor_as_partial(successors):
    nghia_do = successors["commune", "00157"]
    assert {(s.new_code, s.relation) for s in nghia_do} == {
        ("00008", "partial"),
        ("00103", "partial"),
        ("00160", "partial"),
    }
    assert [(s.new_code, s.relation) for s in successors["commune", "00205"]] == [("00226", "full")]


def test_the_readers_parse_the_files_once():
    assert read_units() is read_units()
    assert read_successions() is read_successions()
