"""geodata.addresses: addresses as written (mostly pre-2025) to the current commune and province.

Expected codes were looked up by hand in geodata/reference_data (gazetteer/vn_gazetteer.csv,
mapping/commune_old_to_new.csv, mapping/province_63_to_34.csv)."""

import csv
import time

import pytest
from django.utils import translation

from geodata.addresses import AddressMatch, AddressNormaliser
from geodata.reference import REFERENCE_DIR, read_successions, read_units

NGHIA_DO = ("00008", "00103", "00160")  # legacy Phường Nghĩa Đô (00157) was split among these


def exact(province: str, commune: str) -> tuple:
    return ("exact", province, commune, ())


def ambiguous(province: str, *candidates: str) -> tuple:
    return ("ambiguous", province, None, candidates)


def province_only(province: str) -> tuple:
    return ("province_only", province, None, ())


NOT_FOUND = ("not_found", None, None, ())

# Every address of orgs/real_orgs.csv (address_vi, accredited_location_vi).
REAL_ORG_ADDRESSES = {
    # quatest1-elec: legacy Phường Nghĩa Đô is partial to Ngọc Hà, Tây Hồ and Nghĩa Đô
    "Số 8, đường Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Tp. Hà Nội": ambiguous(
        "01", *NGHIA_DO
    ),
    # quatest2-*: a district but no ward
    "Số 97 Lý Thái Tổ, quận Thanh Khê, thành phố Đà Nẵng": province_only("48"),
    "Số 02 Ngô Quyền, quận Sơn Trà, thành phố Đà Nẵng": province_only("48"),
    # Phường Tân An 24124 -> Phường Tân An 24163
    "Khối 8, phường Tân An, thành phố Buôn Ma Thuột, tỉnh Đắk Lắk": exact("66", "24163"),
    # quatest3-vias: Nguyễn Thái Bình 26746 -> Sài Gòn 26740 or Bến Thành 26743
    "Số 49 Pasteur, Phường Nguyễn Thái Bình, Quận 1, Thành phố Hồ Chí Minh": ambiguous(
        "79", "26740", "26743"
    ),
    # Quận 2 was merged into Thủ Đức in 2021 and no ward is written
    "Lô C5, Đường K1, Khu Công nghiệp Cát Lái 2, Quận 2, TP. Hồ Chí Minh "
    "(accredited location 2)": province_only("79"),
    "Số 11 Phố Hoàng Sâm, Phường Nghĩa Đô, Quận Cầu Giấy, Thành phố Hà Nội": ambiguous(
        "01", *NGHIA_DO
    ),
    # viettin: Tân Định 26734 -> 26737; Bình Trị Đông B 27451 -> An Lạc 27460
    "42 Trần Quang Khải, phường Tân Định, Quận 1, Thành phố Hồ Chí Minh": exact("79", "26737"),
    "39A, Đường số 4, phường Bình Trị Đông B, quận Bình Tân, Thành phố Hồ Chí Minh": exact(
        "79", "27460"
    ),
    # eurofins: Tân Phú of Thủ Đức 26836 -> Tăng Nhơn Phú 26842; Phước Thới 31162 -> 31162
    "Lô E2b-3, đường D6, khu công nghệ cao, phường Tân Phú, TP. Thủ Đức, TP. Hồ Chí Minh": exact(
        "79", "26842"
    ),
    "Phòng 319, Vườn ươm Công nghệ Công Nghiệp Việt Nam - Hàn Quốc, KCN Trà Nóc 2, "
    "Phường Phước Thới, Quận Ô Môn, TP. Cần Thơ": exact("92", "31162"),
    "Số 176 Phùng Khoang, Quận Nam Từ Liêm, Hà Nội": province_only("01"),
    # iqc: Xã Tân Triều 00643 was split four ways
    "Lô 6, BT4, Khu đô thị mới Cầu Bươu, xã Tân Triều, huyện Thanh Trì, Tp Hà Nội": ambiguous(
        "01", "00316", "00364", "00643", "09556"
    ),
    "Lô 7, BT4, Khu đô thị mới Cầu Bươu, xã Tân Triều, huyện Thanh Trì, Tp Hà Nội": ambiguous(
        "01", "00316", "00364", "00643", "09556"
    ),
    # cpc-etc: Hòa Thọ Tây 20311 -> Cẩm Lệ 20260
    "Số 1068, đường Tôn Đản, phường Hòa Thọ Tây, quận Cẩm Lệ, Tp. Đà Nẵng": exact("48", "20260"),
    # sujcom: Thổ Quan 00205 -> Văn Miếu - Quốc Tử Giám 00226
    "159 Khâm Thiên, phường Thổ Quan, quận Đống Đa, thành phố Hà Nội": exact("01", "00226"),
    # saoviet: An Phú of Thủ Đức 27091 -> An Khánh 27094 or Bình Trưng 27097
    "69 Nguyễn Quý Đức, Khu đô thị An Phú - An Khánh, phường An Phú, thành phố Thủ Đức, "
    "Thành phố Hồ Chí Minh": ambiguous("79", "27094", "27097"),
    # saomai: Tân Thới Nhất 26791 -> Đông Hưng Thuận 26791; the second address, Tây Thạnh
    # 27013 -> 27013, is the one read from the end
    "H13 đường C4, khu phố 4, phường Tân Thới Nhất, quận 12, thành phố Hồ Chí Minh": exact(
        "79", "26791"
    ),
    "H13 đường C4, KP4, P. Tân Thới Nhất, Q.12; and 33 Chế Lan Viên, P. Tây Thạnh, Q. Tân Phú, "
    "TP.HCM": exact("79", "27013"),
    "Số 65 Phạm Thận Duật, Cầu Giấy, Hà Nội": province_only("01"),
    "Cơ sở 1: 48 phố Hai Bà Trưng, quận Hoàn Kiếm, thành phố Hà Nội": province_only("01"),
    # nidqc: Xã Tam Hiệp 00655 of Thanh Trì -> Hoàng Liệt 00337 or Đại Thanh 00664
    "Cơ sở 2: Tam Hiệp, Thanh Trì, Hà Nội": ambiguous("01", "00337", "00664"),
}

OTHER_ADDRESSES = {
    # missing diacritics, upper case, abbreviations, extra spaces
    "phuong Nghia Do, quan Cau Giay, Ha Noi": ambiguous("01", *NGHIA_DO),
    "P. Nghĩa Đô, Q. Cầu Giấy, TP. Hà Nội": ambiguous("01", *NGHIA_DO),
    "PHƯỜNG TÂN ĐỊNH, QUẬN 1, TP. HỒ CHÍ MINH": exact("79", "26737"),
    "p.tan dinh, q.1, tphcm": exact("79", "26737"),
    "  phường   Thổ Quan ,quận  Đống Đa,   Hà Nội  ": exact("01", "00226"),
    "159 Khâm Thiên, P.Thổ Quan, Q.Đống Đa, T.P Hà Nội, Việt Nam": exact("01", "00226"),
    # numeric wards: Phường 12 of Quận 10 (27172) -> Hòa Hưng 27163
    "Phường 12, Quận 10, TP. HCM": exact("79", "27163"),
    "P.12, Q.10, Tp.HCM": exact("79", "27163"),
    "P12, Q10, Sài Gòn": exact("79", "27163"),
    # " - " separators and a province name with a hyphen: Phường 1 of Vũng Tàu -> 26506
    "Phường 1 - TP Vũng Tàu - Bà Rịa - Vũng Tàu": exact("79", "26506"),
    "phường 1, thành phố Vũng Tàu, BR-VT": exact("79", "26506"),
    "Số 1 - phường Tân An - TP Buôn Ma Thuột - Đăk Lăk": exact("66", "24163"),
    "phường Tân An, thành phố Buôn Ma Thuột, Đắc Lắc": exact("66", "24163"),
    # TX. and TT./H.: Sa Pả 03002 -> Sa Pa 03006; Cát Bà 11914 -> Đặc khu Cát Hải 11914
    "Phường Sa Pả, TX. Sa Pa, Lào Cai": exact("15", "03006"),
    "TT. Cát Bà, H. Cát Hải, TP. Hải Phòng": exact("31", "11914"),
    # current form: commune and province, no district
    "Phường Ba Đình, Thành phố Hà Nội": exact("01", "00004"),
    "phường Tân An, tỉnh Đắk Lắk": exact("66", "24163"),
    "Đặc khu Côn Đảo, TP. Hồ Chí Minh": exact("79", "26732"),
    # island districts became special zones; "Phú Quí" in the gazetteer, "Phú Quý" written
    "huyện Côn Đảo, tỉnh Bà Rịa - Vũng Tàu": exact("79", "26732"),
    "huyện Phú Quý, tỉnh Bình Thuận": exact("68", "23272"),
    # a district abolished before 2025 is passed over: Cát Lái 27109 (Thủ Đức) -> 27112
    "phường Cát Lái, Quận 2, TP.HCM": exact("79", "27112"),
    # Quảng Ninh's districts have no gazetteer row: Bãi Cháy 06673 -> 06673
    "phường Bãi Cháy, TP. Hạ Long, tỉnh Quảng Ninh": exact("22", "06673"),
    # names that differ only by diacritics: Nga Thanh 16123 -> 16093, Nga Thành 16141 -> 16138
    "Xã Nga Thanh, huyện Nga Sơn, tỉnh Thanh Hóa": exact("38", "16093"),
    "Xã Nga Thành, huyện Nga Sơn, tỉnh Thanh Hóa": exact("38", "16138"),
    "xa Nga Thanh, huyen Nga Son, Thanh Hoa": ambiguous("38", "16093", "16138"),
    "xã Thạnh An, TP. Hồ Chí Minh": exact("79", "27676"),
    "xa Thanh An, TP HCM": ambiguous("79", "25807", "27676"),
    # the written type decides: legacy Xã Tân Định (Bình Dương) vs current Phường Tân Định
    "xã Tân Định, TP. Hồ Chí Minh": exact("79", "25906"),
    "phường Tân Định, TP. Hồ Chí Minh": exact("79", "26737"),
    # province only
    "xã Không Tồn Tại, tỉnh Quảng Nam": province_only("48"),
    "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội, Việt Nam": province_only("01"),
    "Kiên Giang": province_only("91"),
    "Hải Dương": province_only("31"),
    "HN": province_only("01"),
    "TT Huế": province_only("46"),
    "Thừa Thiên Huế": province_only("46"),
    "Hoà Bình": province_only("25"),
    # nothing
    "": NOT_FOUND,
    " , ; ": NOT_FOUND,
    "asdf qwer": NOT_FOUND,
    "221B Baker Street, London": NOT_FOUND,
}


@pytest.fixture(scope="module")
def normaliser() -> AddressNormaliser:
    return AddressNormaliser.from_reference_files()


def outcome(match: AddressMatch) -> tuple:
    return (match.status, match.province_code, match.commune_code, match.candidates)


@pytest.mark.parametrize(("address", "expected"), REAL_ORG_ADDRESSES.items())
def test_real_organisation_addresses_map_to_their_current_commune(normaliser, address, expected):
    assert outcome(normaliser.normalise(address)) == expected


@pytest.mark.parametrize(("address", "expected"), OTHER_ADDRESSES.items())
def test_addresses_as_people_write_them_map_to_their_current_commune(normaliser, address, expected):
    assert outcome(normaliser.normalise(address)) == expected


def test_every_real_organisation_address_is_in_the_table():
    with (REFERENCE_DIR / "orgs" / "real_orgs.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    written = {row[c] for row in rows for c in ("address_vi", "accredited_location_vi")}
    assert written - {""} <= REAL_ORG_ADDRESSES.keys()


@pytest.mark.parametrize(
    ("address", "legacy_codes"),
    [
        ("P. Nghĩa Đô, Q. Cầu Giấy, TP. Hà Nội", ("01", "005", "00157")),
        ("Khối 8, phường Tân An, thành phố Buôn Ma Thuột, tỉnh Đắk Lắk", ("66", "643", "24124")),
        ("Phường 12, Quận 10, TP. HCM", ("79", "771", "27172")),
        ("phường Cát Lái, Quận 2, TP.HCM", ("79", "769", "27109")),
        ("phường Bãi Cháy, TP. Hạ Long, tỉnh Quảng Ninh", ("22", "193", "06673")),
        ("huyện Côn Đảo, tỉnh Bà Rịa - Vũng Tàu", ("77", "755", None)),
        ("Số 65 Phạm Thận Duật, Cầu Giấy, Hà Nội", ("01", "005", None)),
        ("xã Không Tồn Tại, tỉnh Quảng Nam", ("49", None, None)),
    ],
)
def test_a_legacy_address_reports_the_legacy_units_it_names(normaliser, address, legacy_codes):
    match = normaliser.normalise(address)
    assert match.form == "legacy"
    assert (
        match.legacy_province_code,
        match.legacy_district_code,
        match.legacy_commune_code,
    ) == legacy_codes


def test_a_current_form_address_reports_no_legacy_units(normaliser):
    match = normaliser.normalise("Phường Ba Đình, Thành phố Hà Nội")
    assert match.form == "current"
    assert (match.legacy_province_code, match.legacy_district_code) == (None, None)
    assert match.legacy_commune_code is None


def test_a_province_written_alike_before_and_after_tells_no_form(normaliser):
    assert normaliser.normalise("Hà Nội").form is None
    assert normaliser.normalise("Hải Dương").form == "legacy"
    assert normaliser.normalise("garbage").form is None


@pytest.mark.parametrize(
    ("address", "point", "commune"),
    [
        # the organisations' geocoded points (approx_lon/lat of real_orgs.csv)
        (
            "Số 8, đường Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Tp. Hà Nội",
            (105.816, 21.0381),
            "00008",
        ),
        (
            "Số 49 Pasteur, Phường Nguyễn Thái Bình, Quận 1, Thành phố Hồ Chí Minh",
            (106.704, 10.7805),
            "26740",
        ),
        ("xã Tân Triều, huyện Thanh Trì, Tp Hà Nội", (105.825, 20.9769), "00316"),
        ("phường An Phú, thành phố Thủ Đức, Thành phố Hồ Chí Minh", (106.767, 10.795), "27097"),
        # a point near the current Nghĩa Đô ward (105.794, 21.0451)
        ("phường Nghĩa Đô, quận Cầu Giấy, Hà Nội", (105.79, 21.04), "00160"),
        # two current communes of the same folded name
        ("xa Thanh An, TP HCM", (106.97, 10.55), "27676"),
    ],
)
def test_a_point_resolves_an_ambiguous_address_to_the_nearest_candidate(
    normaliser, address, point, commune
):
    match = normaliser.normalise(address, point=point)
    assert (match.status, match.commune_code, match.candidates) == ("exact", commune, ())


def test_the_locator_decides_among_the_candidates():
    calls = []

    def locate(lon, lat):
        calls.append((lon, lat))
        return "00103"

    normaliser = AddressNormaliser.from_reference_files(locate_commune=locate)
    match = normaliser.normalise("phường Nghĩa Đô, quận Cầu Giấy, Hà Nội", point=(105.816, 21.04))
    assert (match.status, match.commune_code) == ("exact", "00103")
    assert calls == [(105.816, 21.04)]


def test_a_locator_answer_outside_the_candidates_falls_back_to_the_nearest_point():
    normaliser = AddressNormaliser(read_units(), read_successions(), lambda lon, lat: "00004")
    match = normaliser.normalise("phường Nghĩa Đô, quận Cầu Giấy, Hà Nội", point=(105.79, 21.04))
    assert (match.status, match.commune_code) == ("exact", "00160")


def test_the_locator_is_not_asked_when_the_address_is_unambiguous():
    def locate(lon, lat):
        raise AssertionError("not needed")

    normaliser = AddressNormaliser.from_reference_files(locate_commune=locate)
    match = normaliser.normalise("phường Thổ Quan, quận Đống Đa, Hà Nội", point=(0.0, 0.0))
    assert match.commune_code == "00226"


def test_the_default_normaliser_is_built_once():
    assert AddressNormaliser.from_reference_files() is AddressNormaliser.from_reference_files()


def test_every_legacy_commune_written_in_full_maps_to_its_successors(normaliser):
    successors: dict[str, set[str]] = {}
    for succession in read_successions():
        successors.setdefault(succession.old_code, set()).add(succession.new_code)
    units = {(u.current, u.level, u.code): u for u in read_units()}
    for unit in units.values():
        district = units.get((False, "district", unit.parent_code))
        if unit.level != "commune" or unit.current or district is None:
            continue
        province = units[False, "province", unit.province_code]
        match = normaliser.normalise(f"{unit.full_name}, {district.full_name}, {province.name}")
        found = {match.commune_code} if match.status == "exact" else set(match.candidates)
        assert found == successors[unit.code], unit


def test_every_current_commune_written_with_its_province_is_found(normaliser):
    units = read_units()
    provinces = {u.code: u for u in units if u.level == "province" and u.current}
    for unit in units:
        if unit.level == "commune" and unit.current:
            address = f"{unit.full_name}, {provinces[unit.province_code].full_name}"
            match = normaliser.normalise(address)
            assert (match.status, match.commune_code, match.form) == ("exact", unit.code, "current")


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("phường Thổ Quan, quận Đống Đa, Hà Nội", ["Thổ Quan", "Văn Miếu - Quốc Tử Giám"]),
        ("phường Nghĩa Đô, quận Cầu Giấy, Hà Nội", ["split", "Ngọc Hà", "Tây Hồ"]),
        ("xa Thanh An, TP HCM", ["Several", "Xã Thanh An", "Xã Thạnh An"]),
        ("xã Không Tồn Tại, tỉnh Quảng Nam", ["Không Tồn Tại", "Thành phố Đà Nẵng"]),
        ("Hà Nội", ["no commune", "Thành phố Hà Nội"]),
        ("asdf qwer", ["No province", "asdf qwer"]),
        ("", ["empty"]),
    ],
)
def test_the_message_says_what_was_found_or_why_not(normaliser, address, words):
    with translation.override("en"):
        message = str(normaliser.normalise(address).message)
    assert all(word in message for word in words), message


def test_normalising_an_address_takes_microseconds(normaliser):
    addresses = list(REAL_ORG_ADDRESSES) + list(OTHER_ADDRESSES)
    start = time.perf_counter()
    for _ in range(20):
        for address in addresses:
            normaliser.normalise(address)
    per_address = (time.perf_counter() - start) / (20 * len(addresses))
    assert per_address < 0.001  # about 20 µs on a laptop; generous for slow CI machines
