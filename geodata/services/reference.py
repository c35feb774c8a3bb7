"""Loading the reference data: administrative units, their successions, the vocabularies and
the starting text of the guides; idempotent, in one transaction."""

import json
from collections import Counter
from datetime import date

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.db import transaction

from geodata import reference
from geodata.models import (
    AdministrativeUnit,
    Authority,
    Field,
    Guide,
    InstrumentType,
    Scheme,
    UnitSuccession,
)
from geodata.services.statistics import refresh_planner_statistics
from geodata.signals import registry_changed

BOUNDARY_FILES = {
    # (level, current): file under reference_data/boundaries; communes are optional
    ("province", True): "vn_provinces_34_from_geoboundaries.geojson",
    ("province", False): "vn_provinces_63_legacy_geoboundaries.geojson",
    ("commune", True): "vn_communes_3321_lamngockhuong.geojson",
}
VOCABULARIES = reference.REFERENCE_DIR / "vocabularies" / "registry_vocabularies.json"
GUIDES = reference.REFERENCE_DIR / "guides" / "guides.json"
UNIT_FIELDS = ["name", "full_name", "unit_type", "parent", "boundary", "point", "point_method"]


@transaction.atomic
def load_reference_data() -> Counter:
    """Loads the administrative units (current and legacy, with boundaries where the files have
    them), their successions, the registry's vocabularies and the guides that do not exist yet.
    Running it again changes nothing but what the files changed (never a guide)."""
    counts = Counter()
    ids = {}
    # Parents before children, so each level can point at the one above it.
    for level, current in [
        ("province", True),
        ("province", False),
        ("district", False),
        ("commune", True),
        ("commune", False),
    ]:
        records = [u for u in reference.read_units() if (u.level, u.current) == (level, current)]
        ids.update(_upsert_units(level, current, records, ids))
        counts[f"{level}s ({'current' if current else 'legacy'})"] = len(records)
    counts["successions"] = _upsert_successions(ids)
    counts.update(_upsert_vocabularies())
    counts["guides created"] = _create_missing_guides()
    refresh_planner_statistics(AdministrativeUnit, UnitSuccession)
    registry_changed.send(__name__, organisation_ids=None)  # place names of the sites
    return counts


def _upsert_units(level, current, records, ids):
    boundaries = _read_boundaries(level, current)
    parent_level = {"commune": "province" if current else "district", "district": "province"}
    units = [
        AdministrativeUnit(
            level=level,
            current=current,
            code=r.code,
            name=r.name,
            full_name=r.full_name,
            unit_type=r.unit_type,
            parent_id=ids.get((parent_level.get(level), current, r.parent_code)),
            boundary=boundaries.get(r.code),
            point=Point(r.lon, r.lat, srid=4326) if r.lon is not None else None,
            point_method=r.point_method[:200],
        )
        for r in records
    ]
    AdministrativeUnit.objects.bulk_create(
        units,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["level", "current", "code"],
        update_fields=UNIT_FIELDS,
    )
    return {
        (level, current, code): pk
        for code, pk in AdministrativeUnit.objects.filter(level=level, current=current).values_list(
            "code", "pk"
        )
    }


def _read_boundaries(level, current) -> dict[str, MultiPolygon]:
    name = BOUNDARY_FILES.get((level, current))
    path = reference.REFERENCE_DIR / "boundaries" / name if name else None
    if path is None or not path.exists():
        return {}
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["code"]: _multipolygon(f["geometry"]) for f in features}


def _multipolygon(geometry) -> MultiPolygon:
    shape = GEOSGeometry(json.dumps(geometry), srid=4326)
    return shape if isinstance(shape, MultiPolygon) else MultiPolygon(shape, srid=4326)


def _upsert_successions(ids) -> int:
    successions = [
        UnitSuccession(
            legacy_id=ids[(s.level, False, s.old_code)],
            current_id=ids[(s.level, True, s.new_code)],
            relation=s.relation,
        )
        for s in reference.read_successions()
    ]
    UnitSuccession.objects.bulk_create(
        successions,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["legacy", "current"],
        update_fields=["relation"],
    )
    return len(successions)


def _upsert_vocabularies() -> Counter:
    data = json.loads(VOCABULARIES.read_text(encoding="utf-8"))
    vocabularies = [(Scheme, "schemes"), (Field, "fields"), (InstrumentType, "instrument_types")]
    for model, key in vocabularies:
        for entry in data[key]:
            model.objects.update_or_create(code=entry["code"], defaults=entry)
    for entry in data["authorities"]:
        _upsert_authority(dict(entry))
    for province in AdministrativeUnit.objects.filter(level="province", current=True):
        _upsert_authority(
            {
                "code": f"so-khcn-{province.code}",
                "name_vi": f"Sở Khoa học và Công nghệ {province.name}",
                "name_en": f"Department of Science and Technology of {province.name}",
                "short_name": f"Sở KH&CN {province.name}",
                "kind": Authority.Kind.PROVINCIAL_DEPARTMENT,
                "province": province,
            }
        )
    return Counter({key: len(data[key]) for key in ["schemes", "fields", "instrument_types"]})


def _upsert_authority(entry):
    successor = entry.pop("superseded_by", None)
    if successor:
        entry["superseded_by"] = Authority.objects.get(code=successor)
    if "active_until" in entry:
        entry["active_until"] = date.fromisoformat(entry["active_until"])
    Authority.objects.update_or_create(code=entry["code"], defaults=entry)


def _create_missing_guides() -> int:
    """The guides of guides.json whose subject has none yet, published. A guide that exists is
    the officials' text: it is left as it is."""
    instruments = InstrumentType.objects.in_bulk(field_name="code")
    created = 0
    for entry in json.loads(GUIDES.read_text(encoding="utf-8"))["guides"]:
        texts = {
            name: _paragraphs(value)
            for name, value in entry.items()
            if name not in ("kind", "instrument")
        }
        if "instrument" not in entry:
            subject = {"kind": entry["kind"]}
        elif entry["instrument"] in instruments:
            subject = {"instrument": instruments[entry["instrument"]]}
        else:  # an instrument type that officials renamed or removed
            continue
        _guide, new = Guide.objects.get_or_create(**subject, defaults={**texts, "published": True})
        created += new
    return created


def _paragraphs(text: str | list[str]) -> str:
    """A text of guides.json: a string, or a list of paragraphs."""
    return "\n\n".join(text) if isinstance(text, list) else text
