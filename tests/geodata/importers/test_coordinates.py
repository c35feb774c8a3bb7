import csv

import pytest
from django.utils import translation
from django.utils.functional import Promise
from hypothesis import given
from hypothesis import strategies as st
from pyproj import CRS, Geod, Transformer
from pyproj.transformer import TransformerGroup

from geodata.importers.coordinates import (
    CENTRAL_MERIDIANS,
    MESSAGES,
    METRES_PER_DEGREE,
    CoordinateError,
    Degrees,
    Vn2000Zone,
    central_meridians,
    parse_degrees,
    parse_pair,
    parse_zone,
    vn2000_to_wgs84,
)
from geodata.reference import PROVINCE_MAPPING

SECOND_M = METRES_PER_DEGREE / 3600  # 30.92 m
MINUTE_M = METRES_PER_DEGREE / 60  # 1,855.33 m
HANOI_LAT = 21 + 1 / 60 + 51 / 3600  # 21°01'51"
HANOI_LON = 105 + 50 / 60 + 30 / 3600  # 105°50'30"
WGS84 = Geod(ellps="WGS84")
# Quyết định 05/2007/QĐ-BTNMT, rotations in PROJ's position vector convention.
VN2000_TM3_105 = (
    "+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,"
    "0.252906278 +units=m +no_defs"
)
UTM_48N = Vn2000Zone(105.0, 0.9996, "VN-2000 / UTM 48N (EPSG:3405)")
UTM_49N = Vn2000Zone(111.0, 0.9996, "VN-2000 / UTM 49N (EPSG:3406)")


def _metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    return WGS84.inv(*a, *b)[2]


# --- parse_degrees --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("21.0285", 21.0285),
        ("21,0285", 21.0285),
        (" 105.8542 ", 105.8542),
        ("21.0285°", 21.0285),
        ("-8.5000", -8.5),
        ("+105.8542", 105.8542),
    ],
)
def test_decimal_degrees_are_read_with_a_decimal_point_or_comma(written, value):
    assert parse_degrees(written) == Degrees(value, 11.132, None)


def test_decimal_degrees_with_a_hemisphere_letter_know_their_axis():
    assert parse_degrees("21,0285 N") == Degrees(21.0285, 11.132, "lat")
    assert parse_degrees("E105.8542") == Degrees(105.8542, 11.132, "lon")


@pytest.mark.parametrize(
    ("cell", "resolution_m"),
    [
        (21, 111_320.0),
        (21.5, 11_132.0),
        (21.0285, 11.132),
        (21.02851, 1.1132),
        (21.123456789, 1.0),
        (1e-05, 1.1132),
    ],
)
def test_excel_numbers_are_as_precise_as_their_decimals_but_never_finer_than_a_metre(
    cell, resolution_m
):
    assert parse_degrees(cell) == Degrees(cell, resolution_m, None)


def test_text_with_one_decimal_is_precise_to_eleven_kilometres():
    assert parse_degrees("-8.5") == Degrees(-8.5, 11_132.0, None)


@pytest.mark.parametrize(
    "written",
    [
        "21°01'51\"N",
        "21°01′51″N",
        "21º01’51”N",
        "21°01'51''N",
        "N 21°01'51\"",
        "21 01 51 N",
        "21d01m51sN",
        "21°01'51\"B",
    ],
)
def test_degrees_minutes_seconds_with_hemisphere_are_read(written):
    assert parse_degrees(written) == Degrees(HANOI_LAT, SECOND_M, "lat")


@pytest.mark.parametrize("written", ["105d50m30sE", "105°50'30\"Đ", "105° 50' 30\" E"])
def test_an_east_hemisphere_makes_a_longitude(written):
    assert parse_degrees(written) == Degrees(HANOI_LON, SECOND_M, "lon")


def test_tenths_of_a_second_are_precise_to_three_metres():
    assert parse_degrees("21° 01' 51.2\" N") == Degrees(
        21 + 1 / 60 + 51.2 / 3600, SECOND_M / 10, "lat"
    )


def test_degrees_and_decimal_minutes_are_read():
    assert parse_degrees("21°01.85'N") == Degrees(21 + 1.85 / 60, MINUTE_M / 100, "lat")


def test_whole_minutes_are_precise_to_about_two_kilometres():
    degrees = parse_degrees("21°01'N")
    assert degrees == Degrees(21 + 1 / 60, MINUTE_M, "lat")
    assert round(degrees.resolution_m) == 1855


def test_degrees_minutes_seconds_without_hemisphere_have_no_axis():
    assert parse_degrees("-21 01 51") == Degrees(-HANOI_LAT, SECOND_M, None)


@pytest.mark.parametrize(
    ("written", "value", "axis"),
    [
        ("8°30'S", -8.5, "lat"),
        ("8.5 S", -8.5, "lat"),
        ("105°50'30\"W", -HANOI_LON, "lon"),
        ("W 105.5", -105.5, "lon"),
    ],
)
def test_south_and_west_are_negative(written, value, axis):
    degrees = parse_degrees(written)
    assert (degrees.value, degrees.axis) == (value, axis)


@pytest.mark.parametrize(
    ("value", "code", "written"),
    [
        ("", "empty_coordinate", ""),
        ("   ", "empty_coordinate", "   "),
        ("abc", "unreadable_angle", "abc"),
        (" 21.02.85 ", "unreadable_angle", "21.02.85"),
        ("21.5°30'", "unreadable_angle", "21.5°30'"),
        ("-21°01'S", "unreadable_angle", "-21°01'S"),
        ("N 21 E", "unreadable_angle", "N 21 E"),
        ("21 s", "unreadable_angle", "21 s"),
        (None, "unreadable_angle", "None"),
        (True, "unreadable_angle", "True"),
        (float("nan"), "unreadable_angle", "nan"),
        ("21°60'N", "minutes_out_of_range", "21°60'N"),
        ("21°01'60\"N", "minutes_out_of_range", "21°01'60\"N"),
        ("181", "angle_out_of_range", "181"),
        ("-180.5", "angle_out_of_range", "-180.5"),
        (200, "angle_out_of_range", "200"),
        ("95°N", "angle_out_of_range", "95°N"),
    ],
)
def test_what_is_not_an_angle_is_refused_with_a_code_and_the_value(value, code, written):
    with pytest.raises(CoordinateError) as caught:
        parse_degrees(value)
    assert (caught.value.code, caught.value.params) == (code, {"value": written})


def test_the_error_message_names_the_value_and_says_how_to_write_a_coordinate():
    with pytest.raises(CoordinateError) as caught:
        parse_degrees("21 độ")
    assert isinstance(caught.value.message, Promise)
    with translation.override("en"):
        assert str(caught.value) == (
            "“21 độ” is not a coordinate: write decimal degrees (21.0285) or degrees, minutes "
            "and seconds (21°01'51\"N)."
        )


def test_every_message_of_the_catalogue_is_a_sentence_that_takes_its_parameters():
    params = {"value": "x", "a": 1.0, "b": 2.0}
    with translation.override("en"):
        for code in MESSAGES:
            assert str(CoordinateError(code, **params).message).endswith(".")


@given(st.floats(min_value=-180, max_value=180))
def test_a_formatted_angle_is_read_back_within_its_resolution(angle):
    tenths_of_second = round(abs(angle) * 36_000)
    degrees, tenths = divmod(tenths_of_second, 36_000)
    minutes, tenths = divmod(tenths, 600)
    hemisphere = "W" if angle < 0 else "E"
    written = f"{degrees}°{minutes:02d}'{tenths / 10:04.1f}\"{hemisphere}"
    read = parse_degrees(written)
    assert read.axis == "lon"
    assert abs(read.value - angle) <= read.resolution_m / METRES_PER_DEGREE


# --- parse_pair -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "21.0285, 105.8542",
        "21.0285,105.8542",
        "21,0285; 105,8542",
        "21,0285, 105,8542",
        "21.0285 105.8542",
        "21.0285 , 105.8542",
        "21.0285 / 105.8542",
        "(21.0285, 105.8542)",
        "[21.0285; 105.8542]",
    ],
)
def test_a_cell_of_two_decimal_numbers_gives_both_in_the_written_order(written):
    assert parse_pair(written) == (Degrees(21.0285, 11.132, None), Degrees(105.8542, 11.132, None))


def test_the_pair_is_not_reordered():
    first, second = parse_pair("105.8542, 21.0285")
    assert (first.value, second.value) == (105.8542, 21.0285)


@pytest.mark.parametrize(
    "written",
    [
        "21°01'51\"N 105°50'30\"E",
        "21° 01' 51\" N, 105° 50' 30\" E",
        "21 01 51 N 105 50 30 E",
        "21°01'51\"B; 105°50'30\"Đ",
    ],
)
def test_a_cell_of_two_dms_angles_gives_both_with_their_axes(written):
    assert parse_pair(written) == (
        Degrees(HANOI_LAT, SECOND_M, "lat"),
        Degrees(HANOI_LON, SECOND_M, "lon"),
    )


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("", "empty_coordinate"),
        ("21,0285", "ambiguous_pair"),
        ("21,105", "ambiguous_pair"),
        ("21 01 51 N", "ambiguous_pair"),
        ("21.0285", "ambiguous_pair"),
        ("21.0285, 105.8542, 3", "ambiguous_pair"),
        ("Hà Nội", "ambiguous_pair"),
    ],
)
def test_a_cell_that_is_not_exactly_one_pair_is_refused(written, code):
    with pytest.raises(CoordinateError) as caught:
        parse_pair(written)
    assert (caught.value.code, caught.value.params) == (code, {"value": written})


# --- parse_zone -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "zone"),
    [
        ("EPSG:3405", UTM_48N),
        ("3405", UTM_48N),
        ("48", UTM_48N),
        ("48N", UTM_48N),
        ("UTM 48N", UTM_48N),
        ("zone 48N", UTM_48N),
        ("VN-2000 / UTM zone 48N", UTM_48N),
        ("3406", UTM_49N),
        ("EPSG 3406", UTM_49N),
        ("49", UTM_49N),
        ("VN-2000 UTM 49N", UTM_49N),
    ],
)
def test_utm_zones_are_read_from_their_number_or_epsg_code(written, zone):
    assert parse_zone(written) == zone


@pytest.mark.parametrize(
    "written",
    [
        "105°30'",
        "105 30",
        "105.5",
        "105,5",
        "KTT 105°30'",
        "Kinh tuyến trục 105°30'",
        "VN-2000 TM-3 105°30'",
    ],
)
def test_a_bare_central_meridian_is_a_provincial_tm3_zone(written):
    assert parse_zone(written) == Vn2000Zone(105.5, 0.9999, "VN-2000 TM-3 105°30'")


def test_a_tm3_meridian_in_decimal_degrees_is_labelled_in_degrees_and_minutes():
    assert parse_zone("TM3 105.75") == Vn2000Zone(105.75, 0.9999, "VN-2000 TM-3 105°45'")
    assert parse_zone("105") == Vn2000Zone(105.0, 0.9999, "VN-2000 TM-3 105°00'")


@pytest.mark.parametrize(
    ("written", "zone"),
    [
        ("EPSG:5899", Vn2000Zone(107.75, 0.9999, "VN-2000 TM-3 107°45' (EPSG:5899)")),
        ("epsg:9210", Vn2000Zone(105.75, 0.9999, "VN-2000 TM-3 105°45' (EPSG:9210)")),
        ("5897", Vn2000Zone(105.0, 0.9999, "VN-2000 TM-3 105°00' (EPSG:5897)")),
    ],
)
def test_the_epsg_codes_of_vn2000_tm3_zones_are_read_from_the_epsg_database(written, zone):
    assert parse_zone(written) == zone


@pytest.mark.parametrize(
    "written",
    ["", "47N", "50", "EPSG:4326", "EPSG:32648", "99999", "101°30'", "120", "Hà Nội"],
)
def test_what_is_not_a_vn2000_zone_is_refused(written):
    with pytest.raises(CoordinateError) as caught:
        parse_zone(written)
    assert (caught.value.code, caught.value.params) == ("unknown_zone", {"value": written})


# --- central_meridians ----------------------------------------------------------------------


def _rows(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_a_legacy_province_has_its_one_central_meridian():
    assert central_meridians("01", current=False) == (105.0,)
    assert central_meridians("02", current=False) == (105.5,)
    assert central_meridians("77", current=False) == (107.75,)


def test_a_current_province_has_the_distinct_meridians_of_its_predecessors_sorted():
    assert central_meridians("08", current=True) == (105.5, 106.0)  # Hà Giang + Tuyên Quang
    assert central_meridians("25", current=True) == (104.75, 105.0, 106.0)  # + Vĩnh Phúc, Hòa Bình
    assert central_meridians("66", current=True) == (108.5,)  # Phú Yên and Đắk Lắk: both 108°30'
    assert central_meridians("01", current=True) == (105.0,)


def test_an_unknown_province_code_has_no_central_meridian():
    assert central_meridians("99", current=True) == ()
    assert central_meridians("99", current=False) == ()


def test_the_meridian_table_covers_every_legacy_province_under_its_mapping_name():
    mapping = {
        row["old_province_code"]: row["old_province_name"] for row in _rows(PROVINCE_MAPPING)
    }
    table = {row["province_code"]: row["province_name"] for row in _rows(CENTRAL_MERIDIANS)}
    assert len(_rows(CENTRAL_MERIDIANS)) == 63
    assert table == mapping


def test_every_meridian_of_the_table_is_a_quarter_degree_within_viet_nam():
    meridians = {float(row["central_meridian"]) for row in _rows(CENTRAL_MERIDIANS)}
    assert min(meridians) == 103.0
    assert max(meridians) == 108.5
    assert all((meridian * 4).is_integer() for meridian in meridians)


def test_every_current_province_has_at_least_one_meridian():
    current_codes = {row["new_province_code"] for row in _rows(PROVINCE_MAPPING)}
    assert len(current_codes) == 34
    assert all(central_meridians(code, current=True) for code in current_codes)


# --- vn2000_to_wgs84 ------------------------------------------------------------------------

HO_GUOM = (105.8522, 21.0288)  # lon, lat


def test_a_vn2000_point_comes_back_to_wgs84_whichever_order_x_and_y_are_given():
    easting, northing = Transformer.from_crs(
        "EPSG:4326", CRS(VN2000_TM3_105), always_xy=True
    ).transform(*HO_GUOM)
    zone = parse_zone("105°00'")
    for a, b in ((northing, easting), (easting, northing)):
        lon, lat = vn2000_to_wgs84(a, b, zone)
        assert lon == pytest.approx(HO_GUOM[0], abs=1e-7)
        assert lat == pytest.approx(HO_GUOM[1], abs=1e-7)


@pytest.mark.parametrize(
    ("zone", "epsg", "points"),
    [
        (UTM_48N, "EPSG:3405", [(588_000, 2_326_000), (300_000, 1_000_000), (450_000, 1_200_000)]),
        (UTM_49N, "EPSG:3406", [(200_000, 1_780_000), (250_000, 1_350_000)]),
    ],
)
def test_utm_zones_agree_with_the_epsg_definitions_of_pyproj(zone, epsg, points):
    default = Transformer.from_crs(epsg, "EPSG:4326", always_xy=True)
    (national,) = [
        transformer
        for transformer in TransformerGroup(epsg, "EPSG:4326", always_xy=True).transformers
        if "VN-2000 to WGS 84 (2)" in transformer.description
    ]
    for easting, northing in points:
        ours = vn2000_to_wgs84(northing, easting, zone)
        assert _metres_between(ours, default.transform(easting, northing)) < 5
        assert _metres_between(ours, national.transform(easting, northing)) < 0.01


def test_a_published_pair_of_vn2000_and_wgs84_coordinates_is_reproduced():
    """Point LS1 of Lý Sơn port (Thông tư 37/2019/TT-BGTVT): VN-2000 15°22'32.7"N 109°06'00.5"E,
    WGS 84 15°22'29"N 109°06'07"E, in Quảng Ngãi, whose central meridian is 108°00'."""
    vn2000_lon, vn2000_lat = parse_degrees("109°06'00.5\"E"), parse_degrees("15°22'32.7\"N")
    (meridian,) = central_meridians("51", current=False)
    easting, northing = Transformer.from_crs(
        "+proj=longlat +ellps=WGS84",
        f"+proj=tmerc +lon_0={meridian} +k=0.9999 +x_0=500000 +ellps=WGS84",
        always_xy=True,
    ).transform(vn2000_lon.value, vn2000_lat.value)
    lon, lat = vn2000_to_wgs84(northing, easting, parse_zone(str(meridian)))
    assert lon == pytest.approx(parse_degrees("109°06'07\"E").value, abs=0.05 / 3600)
    assert lat == pytest.approx(parse_degrees("15°22'29\"N").value, abs=0.05 / 3600)


def test_the_vn2000_datum_shift_is_a_couple_of_hundred_metres():
    plain_tmerc = Transformer.from_crs(
        "+proj=tmerc +lon_0=105 +k=0.9999 +x_0=500000 +ellps=WGS84", "EPSG:4326", always_xy=True
    )
    shift = _metres_between(
        vn2000_to_wgs84(2_326_000, 588_000, parse_zone("105")),
        plain_tmerc.transform(588_000, 2_326_000),
    )
    assert 150 < shift < 300


def test_the_southern_tip_of_ca_mau_below_a_million_metres_north_is_read():
    lon, lat = vn2000_to_wgs84(951_000, 530_000, parse_zone("104°30'"))
    assert (round(lon, 2), round(lat, 2)) == (104.77, 8.6)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (21.0285, 105.8542),
        (2_326_000, 2_100_000),
        (2_326_000, 1_200_000),
        (950_000, 980_000),
        (3_000_000, 500_000),
        (2_326_000, -5_000),
    ],
)
def test_numbers_that_are_not_one_vn2000_northing_and_one_easting_are_refused(a, b):
    with pytest.raises(CoordinateError) as caught:
        vn2000_to_wgs84(a, b, UTM_48N)
    assert (caught.value.code, caught.value.params) == ("not_vn2000", {"a": a, "b": b})
