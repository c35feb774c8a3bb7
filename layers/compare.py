"""Sites side by side: their properties, and their scopes aligned line by line, so that a
business sees at a glance which of them can test what, to which method, under which credential."""

from geopy.distance import geodesic

from geodata.models import Credential, ScopeItem
from geodata.text import words
from layers.filters import SiteFilter
from layers.selectors import site_properties

MAX_SITES = 4


def compare_sites(site_ids: list[int], site_filter: SiteFilter) -> dict | None:
    """The sites (None when one of them is not published) and their aligned scope lines."""
    features = [site_properties(site_id, site_filter) for site_id in site_ids]
    if None in features:
        return None
    if site_filter.near:
        for feature in features:
            lon, lat = feature["geometry"]["coordinates"]
            near_lon, near_lat = site_filter.near
            distance = geodesic((lat, lon), (near_lat, near_lon)).meters
            feature["properties"]["distance_m"] = round(distance)
    return {"sites": features, "scope": _aligned_scope(site_ids, site_filter.on)}


def _aligned_scope(site_ids: list[int], on) -> list[dict]:
    statuses = dict(
        Credential.objects.filter(sites__in=site_ids)
        .with_status(on)
        .values_list("pk", "status")
        .distinct()
    )
    items = ScopeItem.objects.filter(credential__sites__in=site_ids).values(
        "credential_id", "credential__number", "credential__sites", "product", "test", "method",
        "method_reference", "range", "field__code", "field__name_vi", "field__name_en",
        "instrument_type__code", "instrument_type__name_vi", "instrument_type__name_en",
    )  # fmt: skip
    rows = {}
    for item in items.order_by("pk"):
        key = (
            item["field__code"],
            item["instrument_type__code"],
            item["method_reference"],
            words(item["product"]),
            words(item["test"]),
        )
        row = rows.setdefault(key, _row(item, site_ids))
        row["sites"][str(item["credential__sites"])].append(
            {
                "credential_id": item["credential_id"],
                "credential_number": item["credential__number"],
                "status": statuses.get(item["credential_id"]),
                "method": item["method"],
                "range": item["range"],
            }
        )
    for row in rows.values():
        row["coverage"] = sum(1 for held in row["sites"].values() if held)
    return sorted(rows.values(), key=lambda r: (-r["coverage"], r["field"] or "", r["product"]))


def _row(item: dict, site_ids: list[int]) -> dict:
    return {
        "field": item["field__code"],
        "field_name_vi": item["field__name_vi"] or "",
        "field_name_en": item["field__name_en"] or "",
        "instrument": item["instrument_type__code"],
        "instrument_name_vi": item["instrument_type__name_vi"] or "",
        "instrument_name_en": item["instrument_type__name_en"] or "",
        "product": item["product"],
        "test": item["test"],
        "method_reference": item["method_reference"],
        "sites": {str(site_id): [] for site_id in site_ids},
    }
