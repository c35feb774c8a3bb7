"""Mapbox Vector Tiles of the published layers, made by PostGIS: /tiles/{layer}/{z}/{x}/{y}.mvt.

`sites` takes the filters of /api/v1/sites/: up to COUNTRY_CELLS_UP_TO_ZOOM, and where a tile
holds more than MAX_POINTS sites, its features are the cluster cells (layers.clusters), else one
point per site. `provinces` and `communes` are the current units, clipped and snapped to the
tile's grid by ST_AsMVTGeom on each request (fast enough on a quiet machine: the slowest commune
tile of the country took about 20 ms, most under 8); communes only from
catalogue.COMMUNES_MIN_ZOOM, an empty tile (204) below. The layer inside a tile is named as in
the URL. A tile without features is a 204 No Content."""

import math
from dataclasses import replace

from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from geodata.models import ServiceKind
from layers import catalogue, clusters, schemas
from layers.api import PublishedView, read
from layers.filters import STATUS_SQL, SiteFilter, SiteFilterParameters
from map_portal.routers import read_connection

MVT = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22
EXTENT = 4096  # the tile's grid: positions are rounded to 1/4096 of its side
BUFFER = 64  # grid units around the tile, so that symbols and strokes are not cut at its edges
LAYERS = ("sites", "provinces", "communes")
MERCATOR_LIMIT = 85.0511287798  # the latitude of the web map's edges
# More sites than this in a tile are shown as cells even zoomed in: a tile of tens of thousands
# of points takes seconds to make and megabytes to send, and the map could not draw them apart.
MAX_POINTS = 2000

_ENVELOPE_SQL = "ST_TileEnvelope(%(z)s, %(x)s, %(y)s"
# The tile with its buffer, in degrees, for the spatial indexes of the 4326 columns.
_AREA_SQL = f"ST_Transform({_ENVELOPE_SQL}, margin => {BUFFER / EXTENT}), 4326)"
_GEOM_SQL = (
    f"ST_AsMVTGeom(ST_Transform({{geometry}}, 3857), {_ENVELOPE_SQL}), {EXTENT}, {BUFFER}, true)"
)
_TILE_SQL = (
    f"SELECT ST_AsMVT(m, %(layer)s, {EXTENT}, 'geom') FROM ({{rows}}) m WHERE m.geom IS NOT NULL"
)

_SITES_SQL = _TILE_SQL.format(
    rows=f"""SELECT s.site_id AS id, s.name, s.organisation, array_to_string(s.kinds, ',') AS kinds,
                    ({STATUS_SQL}) AS status, {_GEOM_SQL.format(geometry="s.location")} AS geom
             FROM layers_siteindex s WHERE {{where}}"""
)
_CROWDED_SQL = (
    "SELECT count(*) FROM (SELECT 1 FROM layers_siteindex s WHERE {where} LIMIT %(limit)s) c"
)
_KIND_COUNTS = ", ".join(
    f"(f->'properties'->'kinds'->>'{kind}')::integer AS {kind}" for kind in ServiceKind.values
)
# The cells come as the GeoJSON Features of layers.clusters, in one json parameter.
_CLUSTERS_SQL = _TILE_SQL.format(
    rows=f"""SELECT (f->'properties'->>'count')::integer AS count,
                    (f->'properties'->>'site_id')::integer AS site_id, {_KIND_COUNTS},
                    {_GEOM_SQL.format(geometry="ST_GeomFromGeoJSON(f->'geometry')")} AS geom
             FROM json_array_elements(%(features)s::json) f"""
)
_UNITS_SQL = _TILE_SQL.format(
    rows=f"""SELECT u.code, u.name, u.full_name, p.code AS province_code,
                    {_GEOM_SQL.format(geometry="u.boundary")} AS geom
             FROM geodata_administrativeunit u
             LEFT JOIN geodata_administrativeunit p ON p.id = u.parent_id
             WHERE u.level = %(level)s AND u.current AND u.boundary && {_AREA_SQL}"""
)


def _tile_sql(sql: str, params: dict) -> bytes:
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return bytes(cursor.fetchone()[0] or b"")


def tile_bbox(z: int, x: int, y: int, margin: float = 0) -> tuple[float, float, float, float]:
    """west, south, east, north in degrees of tile x, y at zoom z, widened by `margin` tiles."""
    n = 2**z

    def lon(tx):
        return max(-180.0, min(180.0, tx / n * 360 - 180))

    def lat(ty):
        degrees = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / n))))
        return max(-MERCATOR_LIMIT, min(MERCATOR_LIMIT, degrees))

    return lon(x - margin), lat(y + 1 + margin), lon(x + 1 + margin), lat(y - margin)


def sites_tile(site_filter: SiteFilter, z: int, x: int, y: int) -> bytes:
    """Cluster cells up to COUNTRY_CELLS_UP_TO_ZOOM and where a tile holds more than
    MAX_POINTS sites, one point per site otherwise."""
    in_tile = replace(site_filter, bbox=tile_bbox(z, x, y, margin=BUFFER / EXTENT))
    tile = {"layer": "sites", "z": z, "x": x, "y": y}
    where, params = in_tile.where()
    if z > clusters.COUNTRY_CELLS_UP_TO_ZOOM and not _crowded(where, params):
        return _tile_sql(_SITES_SQL.format(where=where), {**params, **tile})
    features = clusters.site_clusters(in_tile, z)
    if not features:
        return b""
    return _tile_sql(_CLUSTERS_SQL, {**tile, "features": f"[{','.join(features)}]"})


def _crowded(where: str, params: dict) -> bool:
    """Whether more than MAX_POINTS sites match: the index stops at the first MAX_POINTS + 1."""
    with read_connection().cursor() as cursor:
        cursor.execute(_CROWDED_SQL.format(where=where), {**params, "limit": MAX_POINTS + 1})
        return cursor.fetchone()[0] > MAX_POINTS


def units_tile(layer: str, z: int, x: int, y: int) -> bytes:
    """The current provinces or communes (not below the communes' minimum zoom)."""
    if layer == "communes" and z < catalogue.COMMUNES_MIN_ZOOM:
        return b""
    level = layer.removesuffix("s")
    return _tile_sql(_UNITS_SQL, {"layer": layer, "level": level, "z": z, "x": x, "y": y})


class TileParameters(SiteFilterParameters):
    """The filters of /api/v1/sites/ but the place: the tile is the place."""

    bbox = near = radius_km = None


class Tile(PublishedView):
    """One vector tile; 204 if it has no feature, 404 if no such tile or layer."""

    def perform_content_negotiation(self, request, force=False):
        # A map asks for the tile's own type, which no renderer offers: errors still go as JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        parameters=[
            TileParameters,
            OpenApiParameter("layer", str, OpenApiParameter.PATH, enum=LAYERS),
            *(OpenApiParameter(name, int, OpenApiParameter.PATH) for name in ("z", "x", "y")),
        ],
        responses={
            (200, MVT): OpenApiResponse({"type": "string", "format": "binary"}),
            204: OpenApiResponse(description=_("No feature in this tile")),
            400: OpenApiResponse(schemas.ERRORS),
            404: OpenApiResponse(schemas.NOT_FOUND),
        },
        operation_id="tile",
        summary="A Mapbox Vector Tile of sites, provinces or communes",
    )
    def get(self, request, layer: str, z: str, x: str, y: str):
        z, x, y = _tile_numbers(layer, z, x, y)
        parameters = read(TileParameters, request)  # bad filters are a 400 on every layer
        if layer == "sites":
            body = sites_tile(parameters.site_filter(), z, x, y)
        else:
            body = units_tile(layer, z, x, y)
        if not body:
            return HttpResponse(status=204)
        return HttpResponse(body, content_type=MVT)


def _tile_numbers(layer: str, *numbers: str) -> tuple[int, int, int]:
    if layer not in LAYERS:
        known = ", ".join(LAYERS)
        raise Http404(_("No such layer: the tiles are of %(layers)s.") % {"layers": known})
    if not all(n.isdecimal() for n in numbers):
        raise Http404(_("No such tile: zoom, column and row are whole numbers."))
    z, x, y = (int(n) for n in numbers)
    if z > MAX_ZOOM or max(x, y) >= 2**z:
        raise Http404(
            _("No such tile: zoom goes up to %(max)s, column and row from 0 to 2^zoom - 1.")
            % {"max": MAX_ZOOM}
        )
    return z, x, y
