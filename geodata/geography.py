"""The current provinces and communes with their shapes, read once from the database into
prepared shapely geometries: which unit holds a point, a point inside a unit, how large a unit is.
Used where thousands of points are placed at once (the demo set, bulk imports)."""

import math
from dataclasses import dataclass

import shapely
from django.db import connection

from geodata.models import VIET_NAM_SEA_MARGIN_DEGREES


@dataclass(frozen=True)
class LegacyCommune:
    name: str
    full_name: str
    district_name: str
    district_full_name: str
    province_name: str
    province_full_name: str


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    full_name: str
    unit_type: str
    province_code: str
    lon: float | None
    lat: float | None
    shape: object | None  # a prepared shapely geometry
    legacy: tuple[LegacyCommune, ...]


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    full_name: str
    unit_type: str
    shape: object  # a prepared shapely geometry
    lon: float | None = None  # the gazetteer's point
    lat: float | None = None


class Geography:
    """The 34 current provinces (boundaries required), the current communes (boundaries when
    loaded) with their legacy predecessors, and the legacy provinces' boundaries."""

    def __init__(self, provinces, communes, legacy_provinces):
        self.provinces: dict[str, Province] = provinces
        self.communes: dict[str, Commune] = communes
        self.legacy_provinces: dict[str, object] = legacy_provinces
        self.by_province: dict[str, list[Commune]] = {code: [] for code in provinces}
        for commune in communes.values():
            self.by_province.setdefault(commune.province_code, []).append(commune)
        self.has_commune_boundaries = any(c.shape is not None for c in communes.values())
        self._province_at: dict[tuple[float, float], Province | None] = {}

    @classmethod
    def from_database(cls) -> "Geography":
        provinces = {
            code: Province(code, name, full_name, unit_type, _shape(wkb), lon, lat)
            for code, name, full_name, unit_type, wkb, lon, lat in _rows(
                "SELECT code, name, full_name, unit_type, ST_AsBinary(boundary), "
                "ST_X(point), ST_Y(point) "
                "FROM geodata_administrativeunit "
                "WHERE level = 'province' AND current AND boundary IS NOT NULL ORDER BY code"
            )
        }
        if len(provinces) < 34:
            raise RuntimeError(
                "The current provinces with their boundaries are missing: run "
                "`python manage.py load_reference_data` first."
            )
        legacy = {}
        for current_code, row in _rows(
            "SELECT cur.code, old.name, old.full_name, d.name, d.full_name, p.name, p.full_name "
            "FROM geodata_unitsuccession s "
            "JOIN geodata_administrativeunit cur ON cur.id = s.current_id "
            "JOIN geodata_administrativeunit old ON old.id = s.legacy_id "
            "JOIN geodata_administrativeunit d ON d.id = old.parent_id "
            "JOIN geodata_administrativeunit p ON p.id = d.parent_id "
            "WHERE cur.level = 'commune' AND old.level = 'commune' "
            "ORDER BY cur.code, s.relation, old.code",
            split=True,
        ):
            legacy.setdefault(current_code, []).append(LegacyCommune(*row))
        communes = {
            code: Commune(
                code,
                name,
                full_name,
                unit_type,
                province_code,
                lon,
                lat,
                _shape(wkb) if wkb else None,
                tuple(legacy.get(code, ())),
            )
            for code, name, full_name, unit_type, province_code, lon, lat, wkb in _rows(
                "SELECT c.code, c.name, c.full_name, c.unit_type, p.code, "
                "ST_X(c.point), ST_Y(c.point), ST_AsBinary(c.boundary) "
                "FROM geodata_administrativeunit c "
                "JOIN geodata_administrativeunit p ON p.id = c.parent_id "
                "WHERE c.level = 'commune' AND c.current ORDER BY c.code"
            )
        }
        legacy_provinces = {
            code: _shape(wkb)
            for code, wkb in _rows(
                "SELECT code, ST_AsBinary(boundary) FROM geodata_administrativeunit "
                "WHERE level = 'province' AND NOT current AND boundary IS NOT NULL ORDER BY code"
            )
        }
        return cls(provinces, communes, legacy_provinces)

    def province_at(self, lon: float, lat: float) -> Province | None:
        """Asked several times of each point of an import (in Viet Nam? which province?)."""
        if (lon, lat) not in self._province_at:
            self._province_at[lon, lat] = next(
                (p for p in self.provinces.values() if shapely.contains_xy(p.shape, lon, lat)),
                None,
            )
        return self._province_at[lon, lat]

    def in_viet_nam(self, lon: float, lat: float) -> bool:
        """In a province, or offshore within the margin that Site.clean allows."""
        if self.province_at(lon, lat):
            return True
        point = shapely.Point(lon, lat)
        return any(
            shapely.dwithin(province.shape, point, VIET_NAM_SEA_MARGIN_DEGREES)
            for province in self.provinces.values()
        )

    def commune_at(self, lon: float, lat: float, province_code: str) -> Commune | None:
        """The commune whose boundary holds the point, else (no boundaries loaded) the one of the
        province with the nearest point."""
        communes = self.by_province.get(province_code, [])
        if self.has_commune_boundaries:
            return next(
                (
                    c
                    for c in communes
                    if c.shape is not None and shapely.contains_xy(c.shape, lon, lat)
                ),
                None,
            )
        scale = math.cos(math.radians(lat))
        located = [c for c in communes if c.lon is not None]
        return min(
            located,
            key=lambda c: ((c.lon - lon) * scale) ** 2 + (c.lat - lat) ** 2,
            default=None,
        )

    def inner_point(self, commune: Commune) -> tuple[float, float] | None:
        """The commune's own point when it lies inside both its boundary and its province's,
        else a point inside both; None when they do not meet."""
        province = self.provinces[commune.province_code].shape
        if commune.lon is not None:
            x, y = round(commune.lon, 6), round(commune.lat, 6)
            if shapely.contains_xy(province, x, y) and (
                commune.shape is None or shapely.contains_xy(commune.shape, x, y)
            ):
                return x, y
        if commune.shape is None:
            return None
        common = shapely.intersection(commune.shape, province)
        if common.is_empty:
            return None
        point = common.point_on_surface()
        x, y = round(point.x, 6), round(point.y, 6)
        if shapely.contains_xy(province, x, y) and shapely.contains_xy(commune.shape, x, y):
            return x, y
        return None


def _rows(sql, split=False):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    return [(row[0], row[1:]) for row in rows] if split else rows


def _shape(wkb):
    shape = shapely.from_wkb(bytes(wkb))
    shapely.prepare(shape)
    return shape


def point_accuracy_m(shape, step: int) -> int:
    """How far a place in a unit may be from the unit's point: the radius of a circle of the
    unit's area, rounded up to `step` metres."""
    return _round_up(_radius_m(shape), step)


def _radius_m(shape) -> float:
    """The radius of a circle of the same area as the shape (degrees on WGS84)."""
    scale = 111_320**2 * math.cos(math.radians(shape.centroid.y))
    return math.sqrt(shape.area * scale / math.pi)


def _round_up(metres: float, step: int) -> int:
    return int(math.ceil(metres / step) * step)
