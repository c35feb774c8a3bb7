"""Reads that the published layers share: one SQL query each."""

from dataclasses import dataclass

from django.db import connection

from layers.filters import NEAR_SQL, STATUS_SQL, SiteFilter

# Simplified to about 100 m: enough for a country or province view, a tenth of the bytes.
_PROVINCES_SQL = """
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'id', u.code,
        'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(u.boundary, 0.001), 5)::json,
        'properties', json_build_object('code', u.code, 'name', u.name, 'full_name', u.full_name)
    ) ORDER BY u.code), '[]'::json)
)::text
FROM geodata_administrativeunit u
WHERE u.level = 'province' AND u.current AND u.boundary IS NOT NULL
"""


def province_boundaries_geojson() -> str:
    with connection.cursor() as cursor:
        cursor.execute(_PROVINCES_SQL)
        return cursor.fetchone()[0]


# The properties of a published site in every list (GeoJSON, OGC API, exports): name, SQL.
SITE_PROPERTIES = [
    ("name", "s.name"),
    ("organisation_id", "s.organisation_id"),
    ("organisation", "s.organisation"),
    ("organisation_short_name", "s.organisation_short_name"),
    ("kinds", "s.kinds"),
    ("address", "s.address"),
    ("province_code", "s.province_code"),
    ("province", "s.province"),
    ("commune_code", "s.commune_code"),
    ("commune", "s.commune"),
    ("phone", "s.phone"),
    ("email", "s.email"),
    ("website", "s.website"),
    ("opening_hours", "s.opening_hours"),
    ("status", STATUS_SQL),
    ("schemes", "s.schemes"),
    ("credential_numbers", "s.credential_numbers"),
    ("fields", "s.fields"),
    ("instruments", "s.instruments"),
    ("location_method", "s.location_method"),
    ("location_accuracy_m", "s.location_accuracy_m"),
    ("updated_at", "s.updated_at"),
]
DISTANCE_SQL = f"round(ST_Distance(s.location::geography, {NEAR_SQL}))::integer"


@dataclass(frozen=True)
class Page:
    features: list[str]  # each a GeoJSON Feature, as text
    more: bool  # whether a next page exists


def _feature_sql(properties) -> str:
    pairs = ", ".join(f"'{name}', {sql}" for name, sql in properties)
    return f"""json_build_object(
        'type', 'Feature', 'id', s.site_id, 'geometry', ST_AsGeoJSON(s.location, 6)::json,
        'properties', json_build_object({pairs}))"""


def site_features(site_filter: SiteFilter, limit: int, offset: int = 0) -> Page:
    """One page of published sites as GeoJSON Features built by PostGIS: by id, or nearest
    first, with `distance_m` (on the ellipsoid), when the filter has a point."""
    where, params = site_filter.where()
    properties, order, distance = list(SITE_PROPERTIES), "s.site_id", "NULL"
    if site_filter.near:
        properties.append(("distance_m", "s.distance_m"))
        order, distance = f"s.location::geography <-> {NEAR_SQL}, s.site_id", DISTANCE_SQL
    # The index orders by distance on the sphere; the page is then sorted on the ellipsoid.
    sql = f"""
        SELECT {_feature_sql(properties)}::text
        FROM (SELECT *, {distance} AS distance_m FROM layers_siteindex s WHERE {where}
              ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) s
        ORDER BY s.distance_m, s.site_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "limit": limit + 1, "offset": offset})
        rows = [row[0] for row in cursor.fetchall()]
    return Page(rows[:limit], len(rows) > limit)


def site_properties(site_id: int, site_filter: SiteFilter) -> dict | None:
    """One published site as a GeoJSON Feature (the list's properties), or None."""
    sql = f"""SELECT {_feature_sql(SITE_PROPERTIES)}
              FROM layers_siteindex s WHERE s.site_id = %(id)s AND s.published"""
    with connection.cursor() as cursor:
        cursor.execute(sql, {"id": site_id, "on": site_filter.on})
        row = cursor.fetchone()
    return row and row[0]


def removed_sites(since) -> list[int]:
    """The sites withdrawn from publication (deleted or unpublished) after `since`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT site_id FROM layers_removedsite WHERE removed_at > %s ORDER BY site_id",
            [since],
        )
        return [row[0] for row in cursor.fetchall()]
