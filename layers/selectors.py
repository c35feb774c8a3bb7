"""Reads that the published layers share: one SQL query each."""

from django.db import connection

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
