"""Legacy-address normaliser: an address as written (usually pre-2025: commune, district, province)
to the commune and province in force since 1 July 2025."""

import copy
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from geodata.reference import SuccessionRecord, UnitRecord, read_successions, read_units
from geodata.text import fold, nfc

Locator = Callable[[float, float], str | None]

COMMUNE_TYPES = frozenset({"Phường", "Xã", "Thị trấn", "Đặc khu"})
DISTRICT_TYPES = frozenset({"Quận", "Huyện", "Thị xã", "Thành phố"})
PROVINCE_TYPES = frozenset({"Tỉnh", "Thành phố"})

# Unit prefixes as written, matched on folded text; the longer forms come first.
_PREFIXES = tuple(
    (unit_type, re.compile(rf"^(?:{pattern})(?:\.\s*|\s+|(?=\d))(?=\S)"))
    for unit_type, pattern in (
        ("Thành phố", r"thanh pho|t\.?\s?p"),
        ("Thị xã", r"thi xa|t\.?\s?x"),
        ("Thị trấn", r"thi tran|t\.?\s?t"),
        ("Đặc khu", r"dac khu"),
        ("Phường", r"phuong|p"),
        ("Xã", r"xa|x"),
        ("Quận", r"quan|q"),
        ("Huyện", r"huyen|h"),
        ("Tỉnh", r"tinh|t"),
    )
)
_Y_AS_I = re.compile(r"\b(qu|[bdhklmnstv])y\b")  # "Quý" and "Quí", "Kỳ" and "Kì" are one name
_IGNORED = re.compile(r"[\s\-–.'’‘`]+")  # not significant inside a name
_COUNTRY = frozenset({"vietnam", "vn"})
# Matching keys (see _key) of other ways to write a province.
_PROVINCE_ALIASES = {
    "hcm": "Hồ Chí Minh",
    "tphcm": "Hồ Chí Minh",
    "saigon": "Hồ Chí Minh",
    "hn": "Hà Nội",
    "tphn": "Hà Nội",
    "thuathienhue": "Huế",
    "tthue": "Huế",
    "brvt": "Bà Rịa - Vũng Tàu",
    "daclac": "Đắk Lắk",
    "daclak": "Đắk Lắk",
    "dacnong": "Đắk Nông",
}

_EMPTY = _("The address is empty.")
_NO_PROVINCE = _("No province or city of Viet Nam was recognised in “{address}”.")
_NO_COMMUNE = _("The address names no commune or ward; only the province is known: {province}.")
_UNKNOWN_COMMUNE = _(
    "No commune or ward “{name}” was found in {place}; only the province is known: {province}."
)
_NOW = _("{old} (before 1 July 2025) is now {new}, {province}.")
_FOUND = _("{new}, {province}.")
_SPLIT = _(
    "{old} (before 1 July 2025) was split among {candidates}; "
    "a point or the new commune name is needed."
)
_SEVERAL = _("Several communes or wards of {province} are named “{name}”: {candidates}.")
_BY_POINT = _(
    "{old} matches several current communes ({candidates}); "
    "the given point places it in {new}, {province}."
)


@dataclass(frozen=True)
class AddressMatch:
    status: str  # "exact" | "ambiguous" | "province_only" | "not_found"
    province_code: str | None  # current province
    commune_code: str | None  # current commune; None unless exact
    candidates: tuple[str, ...]  # current commune codes when ambiguous (sorted)
    form: str | None  # "legacy" (names a district or a legacy-only unit) | "current" | None
    legacy_province_code: str | None
    legacy_district_code: str | None
    legacy_commune_code: str | None
    message: str  # translatable (lazy), says what was found or why not


@dataclass(frozen=True)
class _Province:
    current: str  # current province code
    legacy: str | None  # the legacy province of that name
    current_name: bool  # the name is that of a current province


@dataclass(frozen=True)
class _Reading:
    unit_type: str | None  # the type its prefix says, None when read without prefix
    key: str
    written: str  # the name as written, NFC
    accented: bool  # the part is written with diacritics, so "Sa Pa" is not "Sa Pả"


@dataclass(frozen=True)
class _Written:
    """What an address names, read from its end."""

    province: _Province
    districts: list[UnitRecord]  # the legacy districts of that name (several: "Kỳ Anh")
    district: bool  # a district is written, known or not
    commune: str | None  # the part that should name the commune

    @property
    def district_unit(self) -> UnitRecord | None:
        return self.districts[0] if len(self.districts) == 1 else None

    @property
    def district_code(self) -> str | None:
        return self.district_unit.code if self.district_unit else None


def _key(text: str) -> str:
    """Matching key: folded, y as i, without spaces, hyphens, dots or apostrophes; numbers
    unpadded."""
    key = _IGNORED.sub("", _Y_AS_I.sub(r"\1i", fold(text)))
    return (key.lstrip("0") or "0") if key.isdigit() else key


def _plain(text: str) -> str:
    """Like _key but keeping diacritics, to tell "Hoằng Phú" from "Hoằng Phụ"."""
    return _IGNORED.sub("", nfc(text).lower())


@lru_cache(maxsize=4096)  # parts repeat: province and district names above all
def _readings(part: str) -> tuple[_Reading, ...]:
    """The part read with its unit prefix stripped (when it has one), then read whole."""
    written = nfc(part)
    readings = []
    folded = fold(written)
    accented = folded != written.lower()
    for unit_type, prefix in _PREFIXES:
        if match := prefix.match(folded):
            rest = written[match.end() :] if len(folded) == len(written) else folded[match.end() :]
            readings.append(_Reading(unit_type, _key(rest), rest, accented))
            break
    readings.append(_Reading(None, _key(written), written, accented))
    return tuple(readings)


def _split(address: str) -> list[str]:
    """Comma-separated parts (else " - " or ";"), without parentheses, labels ("Cơ sở 2:")
    and a trailing country."""
    text = re.sub(r"\([^)]*\)", " ", nfc(address))
    separator = "," if "," in text else r";|\s[-–]\s"
    parts = [part.rsplit(":", 1)[-1].strip(" .") for part in re.split(separator, text)]
    parts = [part for part in parts if part]
    while parts and _key(parts[-1]) in _COUNTRY:
        parts.pop()
    return parts


def _index(units: Iterable[UnitRecord], scope: Callable[[UnitRecord], str]) -> dict:
    index = defaultdict(list)
    for unit in units:
        index[scope(unit), _key(unit.name)].append(unit)
    return dict(index)


def _same_name(units: list[UnitRecord], reading: _Reading) -> list[UnitRecord]:
    """The units spelt exactly as written, when it is written with diacritics."""
    same = [unit for unit in units if _plain(unit.name) == _plain(reading.written)]
    return (same or units) if reading.accented else units


def _names(units: Iterable[UnitRecord]) -> str:
    return ", ".join(unit.full_name for unit in units)


class AddressNormaliser:
    """Reads an address from its end: province, then (legacy) district, then commune. Built once
    (dict indexes); locate_commune(lon, lat) -> current commune code settles split communes."""

    def __init__(
        self,
        units: Iterable[UnitRecord],
        successions: Iterable[SuccessionRecord],
        locate_commune: Locator | None = None,
    ):
        self._locate = locate_commune
        self._units = {(unit.current, unit.level, unit.code): unit for unit in units}
        by_kind = defaultdict(list)
        for unit in self._units.values():
            by_kind[unit.current, unit.level].append(unit)
        self._districts = _index(by_kind[False, "district"], lambda u: u.province_code)
        self._legacy_by_district = _index(by_kind[False, "commune"], lambda u: u.parent_code)
        self._legacy_by_province = _index(by_kind[False, "commune"], lambda u: u.province_code)
        self._current_communes = _index(by_kind[True, "commune"], lambda u: u.province_code)
        successors, predecessors, province_successor = defaultdict(list), defaultdict(list), {}
        for succession in successions:
            if succession.level == "province":
                province_successor[succession.old_code] = succession.new_code
                predecessors[succession.new_code].append(succession.old_code)
            else:
                successors[succession.old_code].append(succession.new_code)
        self._successors, self._predecessors = dict(successors), dict(predecessors)
        self._provinces = self._province_index(by_kind, province_successor)

    @staticmethod
    def _province_index(by_kind: dict, successor: dict[str, str]) -> dict[str, _Province]:
        current_names = {_key(unit.name) for unit in by_kind[True, "province"]}
        index = {
            _key(unit.name): _Province(
                successor[unit.code], unit.code, _key(unit.name) in current_names
            )
            for unit in by_kind[False, "province"]
        }
        for unit in by_kind[True, "province"]:
            index.setdefault(_key(unit.name), _Province(unit.code, None, True))
        for alias, name in _PROVINCE_ALIASES.items():
            if _key(name) in index:
                index[alias] = index[_key(name)]
        return index

    @classmethod
    def from_reference_files(cls, locate_commune: Locator | None = None) -> "AddressNormaliser":
        default = _default_normaliser()
        if locate_commune is None:
            return default
        normaliser = copy.copy(default)  # shares the read-only indexes
        normaliser._locate = locate_commune
        return normaliser

    def normalise(self, address: str, point: tuple[float, float] | None = None) -> AddressMatch:
        """The current commune and province of an address; point is (lon, lat)."""
        parts = _split(address)
        if not parts:
            return _not_found(_EMPTY)
        province, parts = self._read_province(parts)
        if province is None:
            return _not_found(format_lazy(_NO_PROVINCE, address=nfc(address)))
        written = self._read_districts(province, parts)
        units, legacy = self._read_commune(written)
        if not units:
            units, legacy = self._island(written), True
        if not units:
            return self._province_only(written)
        return self._resolve(written, units, legacy, point)

    def legacy_names(self, match: AddressMatch) -> tuple[str, str, str]:
        """The names of the legacy commune, district and province the address names ("" for
        each it does not)."""
        return tuple(
            self._units[False, level, code].name
            if code and (False, level, code) in self._units
            else ""
            for level, code in (
                ("commune", match.legacy_commune_code),
                ("district", match.legacy_district_code),
                ("province", match.legacy_province_code),
            )
        )

    # Reading the parts, from the end

    def _read_province(self, parts: list[str]) -> tuple[_Province | None, list[str]]:
        for count in (1, 2):  # two: "Bà Rịa - Vũng Tàu" split at " - "
            for reading in _readings(" - ".join(parts[-count:])):
                province = self._provinces.get(reading.key)
                if province and reading.unit_type in (None, *PROVINCE_TYPES):
                    return province, parts[:-count]
        return None, parts

    def _legacy_scopes(self, province: _Province) -> list[str]:
        """The named legacy province first, then the other predecessors of the current one."""
        predecessors = self._predecessors.get(province.current, [])
        others = [code for code in predecessors if code != province.legacy]
        return [province.legacy, *others] if province.legacy else others

    def _read_districts(self, province: _Province, parts: list[str]) -> _Written:
        if not parts:
            return _Written(province, [], False, None)
        scopes = self._legacy_scopes(province)
        districts = self._find(self._districts, scopes, parts[-1], DISTRICT_TYPES)[0]
        if districts or _readings(parts[-1])[0].unit_type in DISTRICT_TYPES:
            # An unknown district ("Quận 2", abolished in 2021) is passed over.
            return _Written(province, districts, True, parts[-2] if len(parts) > 1 else None)
        return _Written(province, [], False, parts[-1])

    def _read_commune(self, written: _Written) -> tuple[list[UnitRecord], bool]:
        """The communes the address names, and whether they are legacy ones."""
        if written.commune is None:
            return [], False
        if written.districts:
            scopes = [district.code for district in written.districts]
            return self._find(self._legacy_by_district, scopes, written.commune)[0], True
        province = written.province
        current, current_typed = self._find(
            self._current_communes, [province.current], written.commune
        )
        scopes = self._legacy_scopes(province)
        legacy, legacy_typed = self._find(self._legacy_by_province, scopes, written.commune)
        if current and not written.district and (current_typed or not legacy_typed):
            return current, False
        return (legacy, True) if legacy else (current, False)

    def _find(self, index: dict, scopes: list[str], part: str, types=COMMUNE_TYPES):
        """Units named by the part in the first scope that has any, preferring the written
        type; and whether the type matched."""
        readings = [r for r in _readings(part) if r.unit_type is None or r.unit_type in types]
        for typed in (True, False):
            for reading in readings:
                for scope in scopes:
                    units = [
                        unit
                        for unit in index.get((scope, reading.key), ())
                        if not typed or reading.unit_type in (None, unit.unit_type)
                    ]
                    if units:
                        return _same_name(units, reading), typed
        return [], False

    def _island(self, written: _Written) -> list[UnitRecord]:
        """A legacy island district that became the special zone (đặc khu) of the same name."""
        province = written.province.current
        return [
            unit
            for district in written.districts
            for unit in self._current_communes.get((province, _key(district.name)), ())
            if unit.unit_type == "Đặc khu"
        ]

    # Building the answer

    def _resolve(self, written, units, legacy, point) -> AddressMatch:
        codes = sorted({code for unit in units for code in self._current_codes(unit)})
        old = units[0] if len(units) == 1 and not units[0].current else written.district_unit
        labels = {
            "old": self._describe(old) if old else units[0].name,
            "province": self._province_name(written),
            "candidates": _names(self._unit(True, "commune", code) for code in codes),
            "name": units[0].name,
        }
        if len(codes) > 1 and point is None:
            split = len(units) == 1 and units[0].level == "commune" and not units[0].current
            message = format_lazy(_SPLIT if split else _SEVERAL, **labels)
            return self._match(written, "ambiguous", None, codes, units, legacy, message)
        code = codes[0] if len(codes) == 1 else self._by_point(codes, point)
        labels["new"] = self._unit(True, "commune", code).full_name
        message = format_lazy(_BY_POINT if len(codes) > 1 else _NOW if legacy else _FOUND, **labels)
        return self._match(written, "exact", code, (), units, legacy, message)

    def _match(self, written, status, code, codes, units, legacy, message) -> AddressMatch:
        commune = units[0] if legacy and len(units) == 1 and not units[0].current else None
        district_code = commune.parent_code if commune else written.district_code
        known = commune or written.district_unit
        province_code = known.province_code if known else written.province.legacy
        return AddressMatch(
            status=status,
            province_code=written.province.current,
            commune_code=code,
            candidates=tuple(codes),
            form="legacy" if legacy else "current",
            legacy_province_code=province_code if legacy else None,
            legacy_district_code=district_code,
            legacy_commune_code=commune.code if commune else None,
            message=message,
        )

    def _province_only(self, written: _Written) -> AddressMatch:
        labels = {"province": self._province_name(written)}
        district = written.district_unit
        if written.commune:
            place = district.full_name if district else labels["province"]
            labels |= {"name": written.commune, "place": place}
        return AddressMatch(
            status="province_only",
            province_code=written.province.current,
            commune_code=None,
            candidates=(),
            form="legacy" if written.district or not written.province.current_name else None,
            legacy_province_code=district.province_code if district else written.province.legacy,
            legacy_district_code=written.district_code,
            legacy_commune_code=None,
            message=format_lazy(_UNKNOWN_COMMUNE if written.commune else _NO_COMMUNE, **labels),
        )

    def _current_codes(self, unit: UnitRecord) -> list[str]:
        if unit.current:
            return [unit.code]
        return self._successors.get(unit.code, [])

    def _by_point(self, codes: list[str], point: tuple[float, float]) -> str:
        """The candidate the locator puts the point in, else the one with the nearest point."""
        lon, lat = point
        if self._locate and (located := self._locate(lon, lat)) in codes:
            return located
        scale = math.cos(math.radians(lat))

        def distance(code: str) -> float:
            unit = self._unit(True, "commune", code)
            if unit.lon is None or unit.lat is None:
                return math.inf
            return ((unit.lon - lon) * scale) ** 2 + (unit.lat - lat) ** 2

        return min(codes, key=distance)

    def _unit(self, current: bool, level: str, code: str) -> UnitRecord:
        return self._units[current, level, code]

    def _province_name(self, written: _Written) -> str:
        return self._unit(True, "province", written.province.current).full_name

    def _describe(self, unit: UnitRecord) -> str:
        """A legacy unit with its parents ("Phường Nghĩa Đô, Quận Cầu Giấy, Hà Nội"); a current
        one by its full name."""
        if unit.current:
            return unit.full_name
        names = [unit.full_name]
        # 15 legacy districts (those of Quảng Ninh among them) have no gazetteer row.
        district = self._units.get((False, "district", unit.parent_code))
        if unit.level == "commune" and district:
            names.append(district.full_name)
        names.append(self._unit(False, "province", unit.province_code).name)
        return ", ".join(names)


def _not_found(message) -> AddressMatch:
    return AddressMatch("not_found", None, None, (), None, None, None, None, message)


@cache
def _default_normaliser() -> AddressNormaliser:
    return AddressNormaliser(read_units(), read_successions())
