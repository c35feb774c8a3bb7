"""Coordinates as the registry spreadsheets write them, read into numbers: pure, no database.

Angles come as Excel numbers or text in decimal degrees or degrees, minutes and seconds, alone or
two in one cell (parse_degrees, parse_pair). Plane coordinates come in VN-2000, the national datum:
X northing and Y easting in metres, in a UTM zone or a provincial 3° Transverse Mercator zone whose
central meridian Thông tư 973/2001/TT-TCĐC sets per province (parse_zone, central_meridians,
vn2000_to_wgs84). Whatever cannot be read raises CoordinateError with a stable code.
"""

import csv
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.utils.translation import gettext_lazy as _
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geodata.importers.report import Problem
from geodata.reference import PROVINCE_MAPPING, REFERENCE_DIR

CENTRAL_MERIDIANS = REFERENCE_DIR / "vocabularies" / "vn2000_central_meridians.csv"

MESSAGES = {
    "empty_coordinate": _(
        "The coordinate is empty: write decimal degrees (21.0285) or degrees, minutes and "
        "seconds (21°01'51\"N)."
    ),
    "unreadable_angle": _(
        "“%(value)s” is not a coordinate: write decimal degrees (21.0285) or degrees, minutes "
        "and seconds (21°01'51\"N)."
    ),
    "angle_out_of_range": _(
        "“%(value)s” is out of range: a latitude goes from -90 to 90 degrees and a longitude "
        "from -180 to 180 degrees."
    ),
    "minutes_out_of_range": _(
        "“%(value)s” has minutes or seconds of 60 or more: they must be below 60, as in "
        "21°01'51\"N."
    ),
    "ambiguous_pair": _(
        "“%(value)s” cannot be split into a latitude and a longitude: separate the two numbers "
        "with a semicolon, as in 21.0285; 105.8542."
    ),
    "unknown_zone": _(
        "“%(value)s” is not a VN-2000 zone: write a UTM zone (48N, 49N, EPSG:3405) or the "
        "central meridian of the province (105°30')."
    ),
    "not_vn2000": _(
        "%(a)s and %(b)s are not VN-2000 coordinates in Viet Nam: one number must be the "
        "northing X (900,000 to 2,700,000 metres) and the other the easting Y (less than "
        "1,000,000 metres), so that it is clear which is which."
    ),
}


class CoordinateError(Problem):
    """A coordinate that cannot be read."""

    messages = MESSAGES


# --- angles -------------------------------------------------------------------------------------

METRES_PER_DEGREE = 111_320  # of latitude, and of longitude at the equator
FINEST_RESOLUTION_M = 1.0  # a written coordinate never locates a site better than this

_TYPOGRAPHY = str.maketrans(
    {
        "º": "°",
        "˚": "°",
        "′": "'",
        "’": "'",
        "‘": "'",
        "´": "'",
        "″": '"',
        "“": '"',
        "”": '"',
        "−": "-",
        "Ð": "Đ",
    }
)
_NUMBER = r"\d+(?:[.,]\d+)?"
# Hemisphere letters are upper case so that the lower-case "d", "m", "s" markers stay apart.
_ANGLE = re.compile(
    rf"""(?P<before>[NSEWBĐ])?\s*
    (?P<sign>[-+])?\s*
    (?P<degrees>{_NUMBER})\s*[°d]?
    (?:(?<=[°d\s])\s*(?P<minutes>{_NUMBER})\s*['m]?
       (?:(?<=['m\s])\s*(?P<seconds>{_NUMBER})\s*(?:"|''|s)?)?
    )?
    \s*(?P<after>[NSEWBĐ])?""",
    re.VERBOSE,
)
_AXIS = {"N": "lat", "S": "lat", "B": "lat", "E": "lon", "W": "lon", "Đ": "lon"}
_NEGATIVE_HEMISPHERES = {"S", "W"}


@dataclass(frozen=True)
class Degrees:
    value: float  # signed decimal degrees
    resolution_m: float  # the precision of the written value, in metres on the ground
    axis: str | None  # "lat" or "lon" when the text names a hemisphere


def parse_degrees(value: object) -> Degrees:
    """An angle from an Excel number or text such as "21.0285", "21,0285", "21°01'51\"N",
    "N 21 01 51", "105d50m30sE", "21°01.85'B" (B: Bắc, north; Đ: Đông, east)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CoordinateError("unreadable_angle", value=str(value))
    if isinstance(value, str):
        return _degrees_from_text(value)
    if not math.isfinite(value):
        raise CoordinateError("unreadable_angle", value=str(value))
    exponent = Decimal(repr(value)).as_tuple().exponent
    return _checked(
        Degrees(float(value), _resolution(METRES_PER_DEGREE, -exponent), None), str(value)
    )


def _degrees_from_text(text: str) -> Degrees:
    written = unicodedata.normalize("NFC", text).strip()
    if not written:
        raise CoordinateError("empty_coordinate", value=text)
    match = _ANGLE.fullmatch(written.translate(_TYPOGRAPHY))
    if not match or _is_malformed(match):
        raise CoordinateError("unreadable_angle", value=written)
    components = _components(match)
    numbers = [float(component.replace(",", ".")) for component in components]
    if any(number >= 60 for number in numbers[1:]):
        raise CoordinateError("minutes_out_of_range", value=written)
    hemisphere = match["before"] or match["after"]
    magnitude = sum(number / 60**place for place, number in enumerate(numbers))
    negative = match["sign"] == "-" or hemisphere in _NEGATIVE_HEMISPHERES
    unit_m = METRES_PER_DEGREE / 60 ** (len(components) - 1)
    return _checked(
        Degrees(
            -magnitude if negative else magnitude,
            _resolution(unit_m, _decimals(components[-1])),
            _AXIS.get(hemisphere),
        ),
        written,
    )


def _components(match: re.Match) -> list[str]:
    """The written degrees, then minutes and seconds when present."""
    return [match[name] for name in ("degrees", "minutes", "seconds") if match[name] is not None]


def _is_malformed(match: re.Match) -> bool:
    """Two hemispheres, a sign with a hemisphere, or decimals before the last component."""
    hemispheres = [match["before"], match["after"]]
    if all(hemispheres) or (match["sign"] and any(hemispheres)):
        return True
    return any(_decimals(component) for component in _components(match)[:-1])


def _decimals(number: str) -> int:
    return len(re.split(r"[.,]", number)[1]) if re.search(r"[.,]", number) else 0


def _resolution(unit_m: float, decimals: int) -> float:
    return max(FINEST_RESOLUTION_M, unit_m / 10 ** max(decimals, 0))


def _checked(degrees: Degrees, written: str) -> Degrees:
    limit = 90 if degrees.axis == "lat" else 180
    if abs(degrees.value) > limit:
        raise CoordinateError("angle_out_of_range", value=written)
    return degrees


_SEPARATOR = re.compile(r"\s*[;,/]\s*|\s+")


def parse_pair(text: str) -> tuple[Degrees, Degrees]:
    """The two angles of one cell ("21.0285, 105.8542", "21,0285; 105,8542", "(21.0285 105.8542)",
    "21°01'51\"N 105°50'30\"E") in the written order: the caller tells latitude from longitude.

    Every separator (";", ",", "/", spaces) is tried; exactly one reading must work, and the text
    must not also read as a single angle ("21,0285")."""
    written = unicodedata.normalize("NFC", str(text)).strip().strip("()[]").strip()
    if not written:
        raise CoordinateError("empty_coordinate", value=str(text))
    readings = {
        reading
        for separator in _SEPARATOR.finditer(written)
        if (reading := _pair_split_at(written, separator)) is not None
    }
    if len(readings) != 1 or _reads_as_one_angle(written):
        raise CoordinateError("ambiguous_pair", value=written)
    return readings.pop()


def _pair_split_at(written: str, separator: re.Match) -> tuple[Degrees, Degrees] | None:
    try:
        return (
            parse_degrees(written[: separator.start()]),
            parse_degrees(written[separator.end() :]),
        )
    except CoordinateError:
        return None


def _reads_as_one_angle(written: str) -> bool:
    try:
        parse_degrees(written)
    except CoordinateError:
        return False
    return True


# --- VN-2000 ------------------------------------------------------------------------------------

# The VN-2000 -> WGS 84 parameters of Quyết định 05/2007/QĐ-BTNMT, in PROJ's +towgs84 order. The
# decision gives the rotations in the coordinate frame convention (as EPSG records them, in
# "VN-2000 to WGS 84 (2)"); +towgs84 takes the position vector convention, so their signs are
# flipped here. Kept as given they would move points by 0.5 to 0.8 m.
VN2000_TOWGS84 = (
    "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
)
UTM_SCALE = 0.9996
TM3_SCALE = 0.9999  # the provincial 3° zones
PLAUSIBLE_MERIDIANS = (102.0, 118.0)
# From Mũi Cà Mau (8.6° N, ~950,000 m) to Lũng Cú (23.4° N, ~2,590,000 m), with a margin.
NORTHINGS_M = (900_000, 2_700_000)
EASTINGS_M = (0, 1_000_000)


@dataclass(frozen=True)
class Vn2000Zone:
    central_meridian: float  # degrees east
    scale: float
    label: str


UTM_ZONES = {
    48: Vn2000Zone(105.0, UTM_SCALE, "VN-2000 / UTM 48N (EPSG:3405)"),
    49: Vn2000Zone(111.0, UTM_SCALE, "VN-2000 / UTM 49N (EPSG:3406)"),
}
_UTM_ZONE_OF_EPSG = {3405: 48, 3406: 49}

_DATUM_NAME = re.compile(r"^VN[\s-]*2000\s*/?\s*", re.IGNORECASE)
_EPSG = re.compile(r"(?:EPSG\s*:?\s*)?(?P<code>\d{4,5})", re.IGNORECASE)
_UTM = re.compile(r"(?:UTM\s*)?(?:ZONE\s*)?(?P<zone>\d\d)\s*N?", re.IGNORECASE)
_MERIDIAN_NAME = re.compile(r"^(?:KTT|kinh tuyến trục|TM\s*-?\s*3)\s*:?\s*", re.IGNORECASE)


def parse_zone(text: str) -> Vn2000Zone:
    """A VN-2000 zone as written: "EPSG:3405", "48N", "VN-2000 UTM 49N", an EPSG TM-3 code
    ("EPSG:5899"), or a provincial central meridian ("105°30'", "KTT 105 30", "TM3 105.75")."""
    written = unicodedata.normalize("NFC", str(text)).strip()
    name = _DATUM_NAME.sub("", written)
    if match := _EPSG.fullmatch(name):
        return _epsg_zone(int(match["code"]), written)
    if match := _UTM.fullmatch(name):
        if zone := UTM_ZONES.get(int(match["zone"])):
            return zone
        raise CoordinateError("unknown_zone", value=written)
    return _tm3_zone(_MERIDIAN_NAME.sub("", name), written)


def _epsg_zone(code: int, written: str) -> Vn2000Zone:
    if code in _UTM_ZONE_OF_EPSG:
        return UTM_ZONES[_UTM_ZONE_OF_EPSG[code]]
    try:
        crs = CRS.from_epsg(code)
    except CRSError:
        raise CoordinateError("unknown_zone", value=written) from None
    operation = crs.coordinate_operation
    if not (
        crs.is_projected
        and crs.geodetic_crs.datum.name == "Vietnam 2000"
        and operation.method_name == "Transverse Mercator"
    ):
        raise CoordinateError("unknown_zone", value=written)
    parameters = {parameter.name: parameter.value for parameter in operation.params}
    meridian = parameters["Longitude of natural origin"]
    return Vn2000Zone(
        meridian,
        parameters["Scale factor at natural origin"],
        f"VN-2000 TM-3 {_degrees_minutes(meridian)} (EPSG:{code})",
    )


def _tm3_zone(meridian_text: str, written: str) -> Vn2000Zone:
    try:
        meridian = parse_degrees(meridian_text).value
    except CoordinateError:
        raise CoordinateError("unknown_zone", value=written) from None
    low, high = PLAUSIBLE_MERIDIANS
    if not low <= meridian <= high:
        raise CoordinateError("unknown_zone", value=written)
    return Vn2000Zone(meridian, TM3_SCALE, f"VN-2000 TM-3 {_degrees_minutes(meridian)}")


def _degrees_minutes(meridian: float) -> str:
    """105.5 -> "105°30'"."""
    degrees, fraction = divmod(meridian, 1)
    minutes = f"{fraction * 60:05.2f}".removesuffix(".00")
    return f"{int(degrees)}°{minutes}'"


@cache
def _legacy_meridians() -> dict[str, float]:
    with CENTRAL_MERIDIANS.open(encoding="utf-8", newline="") as file:
        return {
            row["province_code"]: float(row["central_meridian"]) for row in csv.DictReader(file)
        }


@cache
def _legacy_codes_of_current() -> dict[str, tuple[str, ...]]:
    with PROVINCE_MAPPING.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    predecessors: dict[str, list[str]] = {}
    for row in rows:
        predecessors.setdefault(row["new_province_code"], []).append(row["old_province_code"])
    return {code: tuple(old_codes) for code, old_codes in predecessors.items()}


@cache
def central_meridians(province_code: str, current: bool) -> tuple[float, ...]:
    """The TM-3 central meridians in use in a province, sorted: one for a legacy (pre-2025) code,
    those of its legacy predecessors for a current one; empty for an unknown code."""
    legacy_codes = (
        _legacy_codes_of_current().get(province_code, ()) if current else (province_code,)
    )
    meridians = _legacy_meridians()
    return tuple(sorted({meridians[code] for code in legacy_codes if code in meridians}))


def vn2000_to_wgs84(a: float, b: float, zone: Vn2000Zone) -> tuple[float, float]:
    """(lon, lat) in WGS 84 of a VN-2000 X (northing) and Y (easting) given in either order."""
    readings = [
        (northing, easting)
        for northing, easting in ((a, b), (b, a))
        if _within(northing, NORTHINGS_M) and _within(easting, EASTINGS_M)
    ]
    if len(readings) != 1:
        raise CoordinateError("not_vn2000", a=a, b=b)
    northing, easting = readings[0]
    return _transformer(zone.central_meridian, zone.scale).transform(easting, northing)


def _within(metres: float, bounds: tuple[int, int]) -> bool:
    low, high = bounds
    return low < metres < high


@cache
def _transformer(central_meridian: float, scale: float) -> Transformer:
    """The national parameters everywhere, UTM zones included. PROJ's own EPSG:3405 and 3406
    agree to the millimetre ("VN-2000 to WGS 84 (2)") except in the Mekong delta petroleum blocks,
    where they switch to "VN-2000 to WGS 84 (1)", about 0.8 m away."""
    vn2000 = CRS(
        f"+proj=tmerc +lat_0=0 +lon_0={central_meridian} +k={scale} +x_0=500000 +y_0=0 "
        f"+ellps=WGS84 +towgs84={VN2000_TOWGS84} +units=m +no_defs"
    )
    return Transformer.from_crs(vn2000, "EPSG:4326", always_xy=True)
