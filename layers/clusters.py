"""Counts of published sites per grid cell, for the country and region views: the map draws a
few dozen numbered circles instead of downloading thousands of points.

Up to STORED_CELLS_UP_TO_ZOOM, the counts are read from layers.ClusterCell: the published sites per
cell, zoom, set of service kinds and status on one day, kept by PostgreSQL triggers on
layers_siteindex in the writer's transaction (so a rolled-back import leaves them as they were)
and rebuilt each day after midnight (`refresh_cluster_cells`), when statuses move with the
date. A cell keeps its whole count, so the numbers do not change as the map moves. Another day
or other filters than bbox, kind and status are counted from SiteIndex, per registry version,
filter set and day, and cached up to the region's zoom; closer in, the sites in view are
counted on each request."""

import hashlib
import math
from contextlib import contextmanager
from dataclasses import replace

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from geodata.models import ServiceKind
from layers.filters import STATUS_SQL, SiteFilter
from layers.indexing import registry_state
from map_portal.routers import read_connection

CELLS_PER_TILE = 4  # a cell is a quarter of a 256-pixel tile: 64 pixels on the screen
COUNTRY_CELLS_UP_TO_ZOOM = 10
# Stored cells go further in than the country view: a vector tile of a dense city district at
# zoom 12 holds tens of thousands of sites at national scale, and counting them takes seconds.
STORED_CELLS_UP_TO_ZOOM = 14
CACHE_SECONDS = 24 * 60 * 60


def cell_degrees(zoom: int) -> float:
    """The side of a cell in degrees at a zoom level of the web map (a tile spans 360 / 2^zoom
    degrees of longitude; near Viet Nam's latitudes a degree cell is close to square on it)."""
    return 360 / 2**zoom / CELLS_PER_TILE


def site_clusters(site_filter: SiteFilter, zoom: int) -> list[str]:
    """One GeoJSON Feature per non-empty cell in view: at the mean position of its sites, with
    their count, their count per service kind, their extent, and the site's id when alone."""
    if zoom <= STORED_CELLS_UP_TO_ZOOM and _reads_cells(site_filter):
        features = _stored_cells(site_filter, zoom)
        if features is not None:
            return features
    if zoom > COUNTRY_CELLS_UP_TO_ZOOM or site_filter.near:
        return [feature for _, _, feature in _cells(site_filter, zoom)]
    cells = _country_cells(replace(site_filter, bbox=None), zoom)
    if not site_filter.bbox:
        return [feature for _, _, feature in cells]
    west, south, east, north = _cell_bounds(site_filter.bbox, zoom)
    return [f for x, y, f in cells if west <= x <= east and south <= y <= north]


def _cell_bounds(bbox, zoom: int) -> list[int]:
    size = cell_degrees(zoom)
    return [math.floor(edge / size) for edge in bbox]


# Scanning SiteIndex ---------------------------------------------------------------------------

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
    with read_connection().cursor() as cursor:
        cursor.execute(_CLUSTERS_SQL.format(where=where), {**params, "cell": cell_degrees(zoom)})
        return cursor.fetchall()


# Reading layers.ClusterCell -------------------------------------------------------------------

_CELL_KIND_COUNTS = ", ".join(
    f"'{kind}', coalesce(sum(n) FILTER (WHERE '{kind}' = ANY(kinds)), 0)"
    for kind in ServiceKind.values
)
# One statement, so that the day and the cells come from one snapshot (a rebuild at midnight
# between two statements would pass tomorrow's cells for today's). NULL: not for that day.
_STORED_CELLS_SQL = f"""
SELECT CASE WHEN day = %(on)s THEN ARRAY(
    SELECT json_build_object(
        'type', 'Feature',
        'geometry', json_build_object('type', 'Point', 'coordinates', json_build_array(
            round((sum(sum_lon) / sum(n))::numeric, 5),
            round((sum(sum_lat) / sum(n))::numeric, 5))),
        'properties', json_build_object(
            'count', sum(n),
            'site_id', CASE WHEN sum(n) = 1 THEN sum(sum_site_id) END,
            'kinds', json_build_object({_CELL_KIND_COUNTS}),
            'bbox', json_build_array(min(west), min(south), max(east), max(north)))
    )::text
    FROM layers_clustercell
    WHERE {{where}}
    GROUP BY x, y
) END
FROM layers_clustercellsday
"""


def _reads_cells(site_filter: SiteFilter) -> bool:
    """Whether the filter is one the stored cells answer: a bbox, kinds and statuses."""
    return replace(site_filter, bbox=None, kinds=[], statuses=[]) == SiteFilter(on=site_filter.on)


def _stored_cells(site_filter: SiteFilter, zoom: int) -> list[str] | None:
    """The features from the stored cells; None when they are not for the day asked."""
    clauses, params = ["zoom = %(zoom)s"], {"zoom": zoom, "on": site_filter.on}
    if site_filter.kinds:
        clauses.append("kinds && %(kinds)s::varchar[]")
        params["kinds"] = site_filter.kinds
    if site_filter.statuses:
        clauses.append("status = ANY(%(statuses)s)")
        params["statuses"] = site_filter.statuses
    if site_filter.bbox:
        clauses.append("x BETWEEN %(west)s AND %(east)s AND y BETWEEN %(south)s AND %(north)s")
        bounds = _cell_bounds(site_filter.bbox, zoom)
        params.update(zip(("west", "south", "east", "north"), bounds, strict=True))
    with read_connection().cursor() as cursor:
        cursor.execute(_STORED_CELLS_SQL.format(where=" AND ".join(clauses)), params)
        row = cursor.fetchone()
    return row[0] if row else None


# Keeping layers.ClusterCell -------------------------------------------------------------------

# What the published rows of a table of SiteIndex rows add to the cells: one row per site, its
# kinds as a sorted set and its status on the cells' day (the rule of layers.filters).
_CONTRIBUTIONS_SQL = """
SELECT s.site_id, ST_X(s.location) AS lon, ST_Y(s.location) AS lat,
       ARRAY(SELECT DISTINCT k FROM unnest(s.kinds) k ORDER BY k)::varchar[] AS kinds,
       {status} AS status
FROM {table} s
WHERE s.published
""".replace("{status}", STATUS_SQL.replace("%(on)s", "(SELECT day FROM layers_clustercellsday)"))
# `changes` holds contributions with a sign (+1 added, -1 removed), computed once per site (OFFSET
# 0 keeps the planner from computing them again for each zoom); grouped per cell key, in key
# order so that concurrent writers lock the cells in the same order (no deadlock).
# Only additions widen the extent; the infinities let a group of removals through the NOT NULL
# check, which PostgreSQL makes before it finds the conflicting cell.
_ADDED_EXTENT = ", ".join(
    f"coalesce({way}(d.{axis}) FILTER (WHERE d.sign > 0), '{bound}')"
    for way, axis, bound in [
        ("min", "lon", "Infinity"), ("min", "lat", "Infinity"),
        ("max", "lon", "-Infinity"), ("max", "lat", "-Infinity"),
    ]
)  # fmt: skip
_GROUPED_SQL = f"""
SELECT z.zoom, floor(d.lon / z.cell)::integer, floor(d.lat / z.cell)::integer, d.kinds, d.status,
       sum(d.sign), sum(d.sign * d.lon), sum(d.sign * d.lat), sum(d.sign * d.site_id),
       {_ADDED_EXTENT}
FROM ({{changes}} OFFSET 0) d CROSS JOIN (VALUES {{zooms}}) z(zoom, cell)
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5
"""
_CELL_COLUMNS = (
    "zoom, x, y, kinds, status, n, sum_lon, sum_lat, sum_site_id, west, south, east, north"
)
_APPLY_SQL = f"""
WITH applied AS (
    INSERT INTO layers_clustercell AS c ({_CELL_COLUMNS})
    {_GROUPED_SQL}
    ON CONFLICT (zoom, x, y, kinds, status) DO UPDATE SET
        n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon,
        sum_lat = c.sum_lat + excluded.sum_lat, sum_site_id = c.sum_site_id + excluded.sum_site_id,
        west = least(c.west, excluded.west), south = least(c.south, excluded.south),
        east = greatest(c.east, excluded.east), north = greatest(c.north, excluded.north)
    RETURNING c.id, c.n
)
SELECT array_agg(id) INTO emptied FROM applied WHERE n = 0;
DELETE FROM layers_clustercell WHERE id = ANY(emptied);
"""


def _cell_sizes(zooms) -> str:
    return ", ".join(f"({zoom}, {cell_degrees(zoom)!r}::float8)" for zoom in zooms)


def _apply(changes: str) -> str:
    zooms = _cell_sizes(range(STORED_CELLS_UP_TO_ZOOM + 1))
    return _APPLY_SQL.replace("{changes}", changes).replace("{zooms}", zooms)


_OLD = _CONTRIBUTIONS_SQL.format(table="old_sites")
_NEW = _CONTRIBUTIONS_SQL.format(table="new_sites")
# An update whose site keeps its place, kinds, status and publication changes no cell.
_UPDATED = f"""
SELECT *, -1 AS sign FROM ({_OLD} EXCEPT {_NEW}) removed
UNION ALL SELECT *, 1 FROM ({_NEW} EXCEPT {_OLD}) added
"""
# One function for the three statements; without JIT, which compiled a bulk change's grouping
# for longer than it ran.
TRIGGERS_SQL = f"""
CREATE OR REPLACE FUNCTION layers_cluster_cells_change() RETURNS trigger
LANGUAGE plpgsql SET jit = off SET work_mem = '64MB' AS $$
DECLARE emptied bigint[];
BEGIN
    IF NOT EXISTS (SELECT FROM layers_clustercellsday)  -- not built: reads count SiteIndex
       OR current_setting('layers.cluster_cells', true) = 'rebuild' THEN  -- rebuilt_after
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        {_apply(f"SELECT *, 1 AS sign FROM ({_NEW}) added")}
    ELSIF TG_OP = 'UPDATE' THEN
        {_apply(_UPDATED)}
    ELSE
        {_apply(f"SELECT *, -1 AS sign FROM ({_OLD}) removed")}
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER layers_cluster_cells_insert AFTER INSERT ON layers_siteindex
REFERENCING NEW TABLE AS new_sites FOR EACH STATEMENT
EXECUTE FUNCTION layers_cluster_cells_change();
CREATE TRIGGER layers_cluster_cells_update AFTER UPDATE ON layers_siteindex
REFERENCING OLD TABLE AS old_sites NEW TABLE AS new_sites FOR EACH STATEMENT
EXECUTE FUNCTION layers_cluster_cells_change();
CREATE TRIGGER layers_cluster_cells_delete AFTER DELETE ON layers_siteindex
REFERENCING OLD TABLE AS old_sites FOR EACH STATEMENT
EXECUTE FUNCTION layers_cluster_cells_change();
"""
DROP_TRIGGERS_SQL = """
DROP TRIGGER layers_cluster_cells_insert ON layers_siteindex;
DROP TRIGGER layers_cluster_cells_update ON layers_siteindex;
DROP TRIGGER layers_cluster_cells_delete ON layers_siteindex;
DROP FUNCTION layers_cluster_cells_change();
"""
_ALL = _CONTRIBUTIONS_SQL.format(table="layers_siteindex")
_REBUILD_SQL = f"""
INSERT INTO layers_clustercell ({_CELL_COLUMNS})
{_GROUPED_SQL.replace("{changes}", f"SELECT *, 1 AS sign FROM ({_ALL}) sites")}
""".replace("{zooms}", _cell_sizes([STORED_CELLS_UP_TO_ZOOM]))
# A cell is four cells of the next zoom (halved sizes: the divisions are exact in floating
# point too), so a rebuild groups the sites once, then the cells: 5 times fewer rows than
# grouping the sites at every zoom.
_ROLL_UP_SQL = f"""
INSERT INTO layers_clustercell ({_CELL_COLUMNS})
SELECT zoom - 1, x >> 1, y >> 1, kinds, status, sum(n), sum(sum_lon), sum(sum_lat),
       sum(sum_site_id), min(west), min(south), max(east), max(north)
FROM layers_clustercell WHERE zoom = %s
GROUP BY 1, 2, 3, 4, 5
"""


@contextmanager
def cells_rebuilt_after():
    """For a change of most of SiteIndex (a bulk load): the triggers stand aside and the cells
    are rebuilt at the end, in the same transaction. At 100,000 sites the triggers added about
    as much as a rebuild to an insert of all of them, and 2.5 times as much to an update."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('layers.cluster_cells', 'rebuild', true)")
        yield
        cursor.execute("SELECT set_config('layers.cluster_cells', '', true)")
        rebuild_cells()


@transaction.atomic
def rebuild_cells(day=None) -> None:
    """Count the cells again from SiteIndex, with the statuses on `day` (default today). Writers
    of SiteIndex wait for the end (their triggers would count against the old cells); readers
    keep reading the old cells until the commit."""
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE layers_siteindex IN SHARE MODE")
        cursor.execute("SET LOCAL jit = off")  # compiling took longer than the rebuild
        cursor.execute("SET LOCAL work_mem = '256MB'")  # a million sites' groups in memory
        cursor.execute("SET LOCAL statement_timeout = 0")  # a million sites: beyond a request's
        cursor.execute("DELETE FROM layers_clustercell")
        cursor.execute("DELETE FROM layers_clustercellsday")
        cursor.execute(
            "INSERT INTO layers_clustercellsday (id, day) VALUES (1, %s)",
            [day or timezone.localdate()],
        )
        cursor.execute(_REBUILD_SQL)
        for zoom in range(STORED_CELLS_UP_TO_ZOOM, 0, -1):
            cursor.execute(_ROLL_UP_SQL, [zoom])
