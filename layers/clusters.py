"""Counts of published sites per grid cell, for the country and region views: the map draws a
few dozen numbered circles instead of downloading thousands of points.

Up to a region's zoom, the cells of the whole country are counted once per registry version,
filter set and day, and kept in the cache: panning then only picks the cells in view (a cell
keeps its whole count, so the numbers do not change as the map moves). Closer in, the sites
in view are counted on each request."""

import hashlib
import math
from dataclasses import replace

from django.core.cache import cache
from django.db import connection

from geodata.models import ServiceKind
from layers.filters import SiteFilter
from layers.indexing import registry_state

CELLS_PER_TILE = 4  # a cell is a quarter of a 256-pixel tile: 64 pixels on the screen
COUNTRY_CELLS_UP_TO_ZOOM = 10
CACHE_SECONDS = 24 * 60 * 60


def cell_degrees(zoom: int) -> float:
    """The side of a cell in degrees at a zoom level of the web map (a tile spans 360 / 2^zoom
    degrees of longitude; near Viet Nam's latitudes a degree cell is close to square on it)."""
    return 360 / 2**zoom / CELLS_PER_TILE


_KIND_COUNTS = ", ".join(
    f"'{kind}', count(*) FILTER (WHERE '{kind}' = ANY(s.kinds))" for kind in ServiceKind.values
)
_CLUSTERS_SQL = f"""
SELECT floor(ST_X(s.location) / %(cell)s)::integer, floor(ST_Y(s.location) / %(cell)s)::integer,
json_build_object(
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
    """One GeoJSON Feature per non-empty cell in view: at the mean position of its sites, with
    their count, their count per service kind, their extent, and the site's id when alone."""
    if zoom > COUNTRY_CELLS_UP_TO_ZOOM or site_filter.near:
        return [feature for _, _, feature in _cells(site_filter, zoom)]
    cells = _country_cells(replace(site_filter, bbox=None), zoom)
    if not site_filter.bbox:
        return [feature for _, _, feature in cells]
    size = cell_degrees(zoom)
    west, south, east, north = (math.floor(edge / size) for edge in site_filter.bbox)
    return [f for x, y, f in cells if west <= x <= east and south <= y <= north]


def _country_cells(site_filter: SiteFilter, zoom: int) -> list[tuple[int, int, str]]:
    asked = f"{registry_state()}|{zoom}|{site_filter!r}"
    key = "layers:cells:" + hashlib.sha256(asked.encode()).hexdigest()
    cells = cache.get(key)
    if cells is None:
        cells = _cells(site_filter, zoom)
        cache.set(key, cells, CACHE_SECONDS)
    return cells


def _cells(site_filter: SiteFilter, zoom: int) -> list[tuple[int, int, str]]:
    where, params = site_filter.where()
    with connection.cursor() as cursor:
        cursor.execute(_CLUSTERS_SQL.format(where=where), {**params, "cell": cell_degrees(zoom)})
        return cursor.fetchall()
