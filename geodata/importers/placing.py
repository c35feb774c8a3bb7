"""Where each row's site is: its point (as written, swapped back, converted from VN-2000,
geocoded, or the point of its commune or province), its current province and commune, and how
sure we are."""

from dataclasses import dataclass

import shapely
from django.utils.translation import gettext_lazy as _

from geodata.addresses import AddressMatch, AddressNormaliser
from geodata.geography import Geography, point_accuracy_m
from geodata.importers.coordinates import (
    CoordinateError,
    central_meridians,
    parse_zone,
    vn2000_to_wgs84,
)
from geodata.importers.geocoding import Geocoder
from geodata.importers.report import WARNING, Issue, Problem
from geodata.importers.rows import RowRecord
from geodata.models import OUTSIDE_VIET_NAM, LocationMethod

MESSAGES = {
    "outside_viet_nam": OUTSIDE_VIET_NAM,
    "swapped": _(
        "Longitude and latitude were swapped (%(lon).5f, %(lat).5f is outside Viet Nam); "
        "they have been exchanged."
    ),
    "zone_needed": _(
        "VN-2000 coordinates need their zone: add a column “Kinh tuyến trục” (for example "
        "105°30') or an address that names the province."
    ),
    "zone_ambiguous": _(
        "The VN-2000 coordinates fall in %(province)s under several central meridians "
        "(%(meridians)s): add a column “Kinh tuyến trục”."
    ),
    "zone_not_found": _(
        "Under none of the central meridians of %(province)s (%(meridians)s) do the VN-2000 "
        "coordinates fall in it: check them, or add a column “Kinh tuyến trục”."
    ),
    "point_in_other_province": _(
        "The point falls in %(point_province)s, but the address is in %(province)s: check the "
        "coordinates or the address."
    ),
    "point_not_in_candidates": _(
        "The commune of the address is now one of %(candidates)s, but the point falls in none "
        "of them: check the point or the address."
    ),
    "no_province": _(
        "Neither the address nor the coordinates place the site in a province of Viet Nam."
    ),
    "outside_import_province": _(
        "The site is in %(province)s, but this import is for %(import_province)s only."
    ),
    "approximate": _(
        "No coordinates: the site is placed at the point of %(unit)s (within about %(metres)s m)."
    ),
}
VN2000_ACCURACY_M = 1  # survey coordinates


class PlaceProblem(Problem):
    messages = MESSAGES


@dataclass(frozen=True)
class Point:
    lon: float
    lat: float
    method: str
    accuracy_m: int


class Placer:
    """Places rows, one after the other, with the units read once (Geography)."""

    def __init__(
        self,
        geography: Geography,
        normaliser: AddressNormaliser,
        geocoder: Geocoder | None = None,
        province_code: str | None = None,
    ):
        self.geography, self.normaliser, self.geocoder = geography, normaliser, geocoder
        self.import_province = province_code
        self._unit_points: dict[tuple, tuple[Point, str]] = {}

    def place(self, record: RowRecord):
        match = self._match(record)
        point = self._written_point(record, match)
        province = (
            (match and match.province_code) or self._province_at(point) or self.import_province
        )
        if province is None:
            record.problem(PlaceProblem("no_province"), record.coordinate_column)
            return
        point = point or self._geocoded(record, province)
        self._check_province(record, province, point, match)
        commune = self._commune(match, province, point)
        self._warn_about_address(record, match, commune, point)
        point = point or self._unit_point(record, commune, province)
        names = self.normaliser.legacy_names(match) if match else ("", "", "")
        record.site |= {
            "province": province,
            "commune": commune,
            "legacy_commune_name": names[0],
            "legacy_district_name": names[1],
            "legacy_province_name": names[2],
        }
        record.point = point
        record.result.location = {"method": point.method, "accuracy_m": point.accuracy_m}

    # The address

    def _match(self, record: RowRecord) -> AddressMatch | None:
        """The best reading among the written address and the address with the unit columns."""
        matches = [self.normaliser.normalise(address) for address in record.addresses]
        rank = {"exact": 0, "ambiguous": 1, "province_only": 2, "not_found": 3}
        return min(matches, key=lambda m: rank[m.status], default=None)

    def _warn_about_address(self, record: RowRecord, match, commune: str | None, point):
        """What the normaliser could not settle, unless the point settled it."""
        if not match or match.status == "exact" or (commune and match.status != "not_found"):
            return
        if (
            match.status == "ambiguous"
            and point
            and self._province_at(point) == match.province_code
        ):
            names = ", ".join(self.geography.communes[code].full_name for code in match.candidates)
            problem = PlaceProblem("point_not_in_candidates", candidates=names)
            record.problem(problem, record.coordinate_column, WARNING)
            return
        issue = Issue(WARNING, f"address_{match.status}", match.message, record.address_column)
        record.result.issues.append(issue)

    # The point as written

    def _written_point(self, record: RowRecord, match) -> Point | None:
        try:
            if record.degrees:
                return self._degrees(record)
            if record.vn2000:
                return self._vn2000(record, match)
        except (PlaceProblem, CoordinateError) as problem:
            record.problem(problem, record.coordinate_column)
        return None

    def _degrees(self, record: RowRecord) -> Point:
        lon, lat = record.degrees
        accuracy = max(1, round(max(lon.resolution_m, lat.resolution_m)))
        if self.geography.in_viet_nam(lon.value, lat.value):
            return Point(lon.value, lat.value, LocationMethod.SUPPLIED, accuracy)
        if self.geography.in_viet_nam(lat.value, lon.value):
            if record.degrees_stated:
                swapped = PlaceProblem("swapped", lon=lon.value, lat=lat.value)
                record.problem(swapped, record.coordinate_column, WARNING)
            return Point(lat.value, lon.value, LocationMethod.SUPPLIED, accuracy)
        raise PlaceProblem("outside_viet_nam", lon=lon.value, lat=lat.value)

    def _vn2000(self, record: RowRecord, match) -> Point:
        a, b, zone = record.vn2000
        zones = [zone] if zone else self._zones(match)
        points = [(zone, *vn2000_to_wgs84(a, b, zone)) for zone in zones]
        inside = [(z, lon, lat) for z, lon, lat in points if self.geography.in_viet_nam(lon, lat)]
        if not inside:
            raise PlaceProblem("outside_viet_nam", lon=points[0][1], lat=points[0][2])
        if len(inside) > 1 and match:
            inside = [p for p in inside if self._province_at_xy(p[1], p[2]) == match.province_code]
            if len(inside) != 1:
                meridians = ", ".join(z.label for z, _lon, _lat in points)
                province = self.geography.provinces[match.province_code].full_name
                code = "zone_ambiguous" if inside else "zone_not_found"
                raise PlaceProblem(code, province=province, meridians=meridians)
        _zone, lon, lat = inside[0]
        return Point(lon, lat, LocationMethod.SUPPLIED, VN2000_ACCURACY_M)

    def _zones(self, match):
        if match is None or match.province_code is None:
            raise PlaceProblem("zone_needed")
        if match.legacy_province_code:
            meridians = central_meridians(match.legacy_province_code, current=False)
        else:
            meridians = central_meridians(match.province_code, current=True)
        return [parse_zone(f"{meridian:.2f}") for meridian in meridians]

    # Province and commune

    def _province_at(self, point: Point | None) -> str | None:
        return self._province_at_xy(point.lon, point.lat) if point else None

    def _province_at_xy(self, lon: float, lat: float) -> str | None:
        province = self.geography.province_at(lon, lat)
        return province.code if province else None

    def _check_province(self, record, province: str, point: Point | None, match):
        names = self.geography.provinces
        located = self._province_at(point)
        if match and match.province_code and located and located != province:
            problem = PlaceProblem(
                "point_in_other_province",
                point_province=names[located].full_name,
                province=names[province].full_name,
            )
            record.problem(problem, record.coordinate_column, WARNING)
        if self.import_province and province != self.import_province:
            problem = PlaceProblem(
                "outside_import_province",
                province=names[province].full_name,
                import_province=names[self.import_province].full_name,
            )
            record.problem(problem, record.address_column)

    def _commune(self, match, province: str, point: Point | None) -> str | None:
        if match and match.status == "exact":
            return match.commune_code
        if point is None:
            return None
        commune = self.geography.commune_at(point.lon, point.lat, province)
        if (
            commune
            and match
            and match.status == "ambiguous"
            and commune.code not in match.candidates
        ):
            return None
        return commune.code if commune else None

    # Points when none is written

    def _geocoded(self, record: RowRecord, province: str) -> Point | None:
        if self.geocoder is None or not record.addresses:
            return None
        found = self.geocoder.geocode(record.addresses[-1])
        if found is None or not self.geography.in_viet_nam(found.lon, found.lat):
            return None
        located = self._province_at_xy(found.lon, found.lat)
        if located and located != province:
            return None  # the geocoder found a namesake elsewhere
        return Point(found.lon, found.lat, LocationMethod.GEOCODED, found.accuracy_m)

    def _unit_point(self, record: RowRecord, commune_code: str | None, province_code: str) -> Point:
        key = (commune_code, province_code)
        if key not in self._unit_points:  # thousands of rows share a few hundred units
            self._unit_points[key] = self._point_of_unit(commune_code, province_code)
        point, unit = self._unit_points[key]
        approximate = PlaceProblem("approximate", unit=unit, metres=point.accuracy_m)
        record.problem(approximate, record.address_column, WARNING)
        return point

    def _point_of_unit(self, commune_code: str | None, province_code: str) -> tuple[Point, str]:
        """The commune's point inside it, else the province's, and the unit's name."""
        commune = self.geography.communes.get(commune_code) if commune_code else None
        if commune and (inner := self.geography.inner_point(commune)):
            accuracy = point_accuracy_m(commune.shape, 100) if commune.shape else 3000
            return Point(*inner, LocationMethod.COMMUNE_POINT, accuracy), commune.full_name
        province = self.geography.provinces[province_code]
        lon, lat = province.lon, province.lat
        if lon is None or not shapely.contains_xy(province.shape, lon, lat):
            inner = province.shape.point_on_surface()
            lon, lat = inner.x, inner.y
        accuracy = point_accuracy_m(province.shape, 1000)
        return Point(lon, lat, LocationMethod.PROVINCE_POINT, accuracy), province.full_name
