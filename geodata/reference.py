"""The committed reference files (geodata/reference_data) read into records: no models, no DB."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geodata.text import nfc

REFERENCE_DIR = Path(__file__).resolve().parent / "reference_data"
GAZETTEER = REFERENCE_DIR / "gazetteer" / "vn_gazetteer.csv"
PROVINCE_MAPPING = REFERENCE_DIR / "mapping" / "province_63_to_34.csv"
COMMUNE_MAPPING = REFERENCE_DIR / "mapping" / "commune_old_to_new.csv"


@dataclass(frozen=True)
class UnitRecord:
    level: str  # "province" | "district" | "commune"
    current: bool  # True: in force since 2025-07-01; False: legacy
    code: str
    name: str  # "Nghĩa Đô" (NFC)
    full_name: str  # "Phường Nghĩa Đô"
    unit_type: str  # "Phường", "Xã", "Tỉnh", "Quận", ... ("" when unknown)
    # current commune -> current province; legacy commune -> legacy district;
    # legacy district -> legacy province; provinces -> None
    parent_code: str | None
    province_code: str  # province of the same era
    lon: float | None
    lat: float | None
    point_method: str  # the gazetteer's coord_method


@dataclass(frozen=True)
class SuccessionRecord:
    level: str  # "province" | "commune"
    old_code: str  # legacy unit code
    new_code: str  # current unit code
    relation: str  # "full" | "partial" (a partial old unit was split among several new ones)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def _float(text: str) -> float | None:
    return float(text) if text else None


def _unit_type(row: dict[str, str]) -> str:
    """The type column, else the prefix of the full name (11 legacy districts have no type)."""
    name, full_name = nfc(row["name"]), nfc(row["full_name"])
    if row["type"] or not full_name.endswith(name):
        return nfc(row["type"])
    return full_name.removesuffix(name).strip()


def _parent_code(row: dict[str, str], current: bool) -> str | None:
    if row["level"] == "province":
        return None
    if row["level"] == "commune" and not current:
        return row["district_code"]
    return row["province_code"]


def _unit(row: dict[str, str]) -> UnitRecord:
    current = row["status"] == "current"
    return UnitRecord(
        level=row["level"],
        current=current,
        code=row["code"],
        name=nfc(row["name"]),
        full_name=nfc(row["full_name"]),
        unit_type=_unit_type(row),
        parent_code=_parent_code(row, current),
        province_code=row["province_code"],
        lon=_float(row["lon"]),
        lat=_float(row["lat"]),
        point_method=row["coord_method"],
    )


@cache
def read_units() -> list[UnitRecord]:
    """Every gazetteer row: 34 + 63 provinces, 692 legacy districts, 3,321 + 10,047 communes."""
    return [_unit(row) for row in _rows(GAZETTEER)]


@cache
def read_successions() -> list[SuccessionRecord]:
    """The 63 legacy provinces and the legacy communes with their current successors.

    The five commune-less island districts of commune_old_to_new.csv (Bạch Long Vĩ, Cồn Cỏ,
    Hoàng Sa, Lý Sơn, Côn Đảo) have no old commune code and are left out."""
    provinces = [
        SuccessionRecord("province", row["old_province_code"], row["new_province_code"], "full")
        for row in _rows(PROVINCE_MAPPING)
    ]
    communes = [
        SuccessionRecord(
            "commune", row["old_commune_code"], row["new_commune_code"], row["relation"]
        )
        for row in _rows(COMMUNE_MAPPING)
        if row["old_commune_code"]
    ]
    return provinces + communes
