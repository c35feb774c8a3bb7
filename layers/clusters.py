"""Counts of published sites per grid cell, for the country and region views: the map draws a
few dozen numbered circles instead of downloading thousands of points."""

from django.db import connection

from geodata.models import ServiceKind
from layers.filters import SiteFilter

CELLS_PER_TILE = 4  # a cell is a quarter of a 256-pixel tile: 64 pixels on the screen


def cell_degrees(zoom: int) -> float:
    """The side of a cell in degrees at a zoom level of the web map (a tile spans 360 / 2^zoom
    degrees of longitude; near Viet Nam's latitudes a degree cell is close to square on it)."""
    return 360 / 2**zoom / CELLS_PER_TILE


_KIND_COUNTS = ", ".join(
    f"'{kind}', count(*) FILTER (WHERE '{kind}' = ANY(s.kinds))" for kind in ServiceKind.values
)
_CLUSTERS_SQL = f"""
SELECT json_build_object(
    'type', 'Feature',
    'geometry', json_build_object('type', 'Point', 'coordinates', json_build_array(
        round(avg(ST_X(s.location))::numeric, 5), round(avg(ST_Y(s.location))::numeric, 5))),
    'properties', json_build_object(
        'count', count(*),
        'site_id', CASE WHEN count(*) = 1 THEN min(s.site_id) END,
        'kinds', json_build_object({_KIND_COUNTS}),
        'bbox', json_build_array(min(ST_X(s.location)), min(ST_Y(s.location)),
                                 max(ST_X(s.location)), max(ST_Y(s.location))))
)::text
FROM layers_siteindex s
WHERE {{where}}
GROUP BY floor(ST_X(s.location) / %(cell)s), floor(ST_Y(s.location) / %(cell)s)
"""


def site_clusters(site_filter: SiteFilter, zoom: int) -> list[str]:
    """One GeoJSON Feature per non-empty cell: at the mean position of its sites, with their
    count, their count per service kind, their extent, and the site's id when alone."""
    where, params = site_filter.where()
    with connection.cursor() as cursor:
        cursor.execute(_CLUSTERS_SQL.format(where=where), {**params, "cell": cell_degrees(zoom)})
        return [row[0] for row in cursor.fetchall()]
