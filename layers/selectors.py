"""Reads that the published layers share: one SQL query each."""

from dataclasses import dataclass, replace

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from psycopg.adapt import Loader

from layers.filters import NEAR_SQL, STATUS_SQL, SiteFilter
from map_portal.routers import read_alias, read_connection, read_from_primary

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
    with read_connection().cursor() as cursor:
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
    features: list[bytes]  # each a GeoJSON Feature, as UTF-8 text
    more: bool  # whether a next page exists


class _Utf8Loader(Loader):
    """Text as the database sends it (UTF-8 bytes): a page of Features goes into the response
    as it comes, without being decoded into Python strings and encoded again (a third of the
    time of a 2,000-site page)."""

    def load(self, data) -> bytes:
        return bytes(data)


def _utf8_texts(cursor, sql: str, params: dict) -> list[bytes]:
    """The first column of each row of `sql`, text as UTF-8 bytes."""
    cursor.cursor.adapters.register_loader("text", _Utf8Loader)
    cursor.execute(sql, params)
    return [row[0] for row in cursor.fetchall()]


def _feature_sql(properties) -> str:
    pairs = ", ".join(f"'{name}', {sql}" for name, sql in properties)
    return f"""json_build_object(
        'type', 'Feature', 'id', s.site_id, 'geometry', ST_AsGeoJSON(s.location, 6)::json,
        'properties', json_build_object({pairs}))"""


def _stored_feature_sql(distance: bool = False) -> str:
    """A site's Feature with every property, as text: the start stored in its row (all but the
    status), closed with its status on the day asked (and its distance)."""
    tail = f"""', "status" : ' || coalesce(to_json({STATUS_SQL})::text, 'null')"""
    if distance:
        tail += """ || ', "distance_m" : ' || coalesce(page.distance_m::text, 'null')"""
    return f"(s.feature_start || {tail} || '}}}}')"


# The spatial index orders by distance on the sphere, which is up to 0.6 % longer or 0.5 %
# shorter than on the ellipsoid: the first n sites on the ellipsoid lie on the sphere within
# this factor (and a metre of rounding) of the distance of the n-th nearest on the sphere.
_NEAREST_BOUND_SQL = f"""
    SELECT coalesce(max(k.sphere_m), 0) * 1.02 + 1
    FROM (SELECT s.location::geography <-> {NEAR_SQL} AS sphere_m FROM layers_siteindex s
          WHERE {{where}} ORDER BY s.location::geography <-> {NEAR_SQL}
          LIMIT %(limit)s + %(offset)s) k"""


def site_features(
    site_filter: SiteFilter, limit: int, offset: int = 0, names: list[str] | None = None
) -> Page:
    """One page of published sites as GeoJSON Features (text), with the properties named (all,
    from the stored Features, by default): by id, or nearest first, with `distance_m` (on the
    ellipsoid), when the filter has a point."""
    where, params = site_filter.where()
    properties = [(n, sql) for n, sql in SITE_PROPERTIES if names is None or n in names]
    distance = "NULL"
    if site_filter.near:
        properties.append(("distance_m", "page.distance_m"))
        # The radius as its box only: the planner misjudges ST_DWithin and would not walk the
        # index. The box holds the circle, and its corners lie beyond the radius.
        box = f"s.location::geography && _ST_Expand({NEAR_SQL}, %(radius_m)s)"
        unbounded = replace(site_filter, near=None).where()[0]
        bound = _NEAREST_BOUND_SQL.format(where=f"{unbounded} AND {box}")
        where += f" AND ST_DWithin(s.location::geography, {NEAR_SQL}, ({bound}), false)"
        distance = DISTANCE_SQL
    if names is None:
        feature = _stored_feature_sql(distance=bool(site_filter.near))
    else:
        feature = f"{_feature_sql(properties)}::text"
    # Pages follow one order, by distance on the ellipsoid (the sites the index finds nearest
    # on the sphere, and those that may come before them) or by id. The page is chosen by id
    # (sorting whole rows of the sites in a city took longer than reading them), then read.
    order = ["distance_m", "site_id"] if site_filter.near else ["site_id"]
    sql = f"""
        SELECT {feature}
        FROM (SELECT s.site_id, {distance} AS distance_m FROM layers_siteindex s WHERE {where}
              ORDER BY {", ".join(order)} LIMIT %(limit)s OFFSET %(offset)s) page
        JOIN layers_siteindex s USING (site_id)
        ORDER BY {", ".join(f"page.{column}" for column in order)}"""
    with read_connection().cursor() as cursor:
        rows = _utf8_texts(cursor, sql, {**params, "limit": limit + 1, "offset": offset})
    return Page(rows[:limit], len(rows) > limit)


def site_properties(site_id: int, site_filter: SiteFilter) -> dict | None:
    """One published site as a GeoJSON Feature (the list's properties), or None."""
    sql = f"""SELECT {_stored_feature_sql()}::json
              FROM layers_siteindex s WHERE s.site_id = %(id)s AND s.published"""
    with read_connection().cursor() as cursor:
        cursor.execute(sql, {"id": site_id, "on": site_filter.on})
        row = cursor.fetchone()
    return row and row[0]


def removed_sites(since) -> list[int]:
    """The sites withdrawn from publication (deleted or unpublished) after `since`."""
    with read_connection().cursor() as cursor:
        cursor.execute(
            "SELECT site_id FROM layers_removedsite WHERE removed_at > %s ORDER BY site_id",
            [since],
        )
        return [row[0] for row in cursor.fetchall()]


# The open-data exports (layers.exports) read the whole filtered set: a server-side cursor
# fetches it in chunks, so memory stays flat however many sites match.
EXPORT_CHUNK_SIZE = 2000
SITE_COLUMNS = ["id", *(name for name, _ in SITE_PROPERTIES), "longitude", "latitude"]

_BOUNDARY_FEATURE_SQL = """
SELECT json_build_object(
    'type', 'Feature', 'id', u.code, 'geometry', ST_AsGeoJSON(u.boundary, 6)::json,
    'properties', json_build_object(
        'code', u.code, 'name', u.name, 'full_name', u.full_name, 'type', u.unit_type,
        'province_code', p.code)
)::text
FROM geodata_administrativeunit u
LEFT JOIN geodata_administrativeunit p ON p.id = u.parent_id
WHERE u.level = %(level)s AND u.current AND u.boundary IS NOT NULL
ORDER BY u.code
"""

# The oldest start of a transaction still open in this database (a writer's rows carry the
# start of its transaction and show only once it commits), less a second for the one starting
# as we look; the current instant when none is open.
_WATERMARK_SQL = """
SELECT least(statement_timestamp(), min(xact_start)) - interval '1 second'
FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend'
  AND pid <> pg_backend_pid()
"""


def _streamed(sql: str, params: dict, chunk_size: int):
    """The rows of `sql` from a server-side cursor, `chunk_size` at a time. Inside a
    transaction the cursor needs no WITH HOLD copy of the whole result, and each FETCH is a
    short statement that the statement timeout does not cut."""
    with transaction.atomic(using=read_alias()), read_connection().chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield from rows


def site_rows(site_filter: SiteFilter, chunk_size: int = EXPORT_CHUNK_SIZE):
    """Every published site that passes the filter, by id, as tuples in SITE_COLUMNS order."""
    where, params = site_filter.where()
    values = ", ".join(sql for _, sql in SITE_PROPERTIES)
    sql = f"""
        SELECT s.site_id, {values},
               round(ST_X(s.location)::numeric, 6)::float8,
               round(ST_Y(s.location)::numeric, 6)::float8
        FROM layers_siteindex s WHERE {where} ORDER BY s.site_id"""
    return _streamed(sql, params, chunk_size)


def site_feature_texts(site_filter: SiteFilter, chunk_size: int = EXPORT_CHUNK_SIZE):
    """Every published site that passes the filter, by id, as GeoJSON Features (text)."""
    where, params = site_filter.where()
    sql = f"""SELECT {_stored_feature_sql()}
              FROM layers_siteindex s WHERE {where} ORDER BY s.site_id"""
    return (row[0] for row in _streamed(sql, params, chunk_size))


def boundary_feature_texts(level: str, chunk_size: int = 200):
    """The current provinces or communes with their full boundaries, as GeoJSON Features."""
    return (row[0] for row in _streamed(_BOUNDARY_FEATURE_SQL, {"level": level}, chunk_size))


def sync_watermark():
    """The instant a client synchronising with `updated_since` asks from next time: read before
    the rows, it misses no change that commits after them. On the primary, and so are the
    rows: a replica sees neither the primary's open transactions nor what it has yet to replay."""
    read_from_primary()
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(_WATERMARK_SQL)
        return cursor.fetchone()[0]


# OGC API Features (layers.ogc): a page of a collection also says how many features match.


def site_count(site_filter: SiteFilter) -> int:
    """How many published sites pass the filter."""
    where, params = site_filter.where()
    with read_connection().cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM layers_siteindex s WHERE {where}", params)
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class UnitFilter:
    """Current administrative units of one level (province, commune): by code, by province,
    by a bbox that their boundary meets."""

    level: str
    codes: tuple = ()
    provinces: tuple = ()
    bbox: tuple | None = None

    def where(self) -> tuple[str, dict]:
        """The WHERE clause over geodata_administrativeunit `u` (and its parent `p`)."""
        clauses = ["u.level = %(level)s", "u.current", "u.boundary IS NOT NULL"]
        params = {"level": self.level}
        if self.codes:
            clauses.append("u.code = ANY(%(codes)s)")
            params["codes"] = list(self.codes)
        if self.provinces:
            clauses.append("p.code = ANY(%(provinces)s)")
            params["provinces"] = list(self.provinces)
        if self.bbox:
            clauses.append(
                "ST_Intersects(u.boundary, ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326))"
            )
            params.update(zip("wsen", self.bbox, strict=True))
        return " AND ".join(clauses), params


# The properties of a unit, named as in the boundary downloads (boundary_feature_texts).
UNIT_PROPERTIES = {
    "province": [
        ("code", "u.code"),
        ("name", "u.name"),
        ("full_name", "u.full_name"),
        ("type", "u.unit_type"),
    ],
}
UNIT_PROPERTIES["commune"] = [*UNIT_PROPERTIES["province"], ("province_code", "p.code")]
_UNITS_FROM = """FROM geodata_administrativeunit u
    LEFT JOIN geodata_administrativeunit p ON p.id = u.parent_id"""


def unit_features(unit_filter: UnitFilter, limit: int, offset: int = 0) -> list[bytes]:
    """One page of units by code, as GeoJSON Features (UTF-8 text) with their full boundary."""
    where, params = unit_filter.where()
    pairs = ", ".join(f"'{name}', {sql}" for name, sql in UNIT_PROPERTIES[unit_filter.level])
    sql = f"""
        SELECT json_build_object(
            'type', 'Feature', 'id', u.code, 'geometry', ST_AsGeoJSON(u.boundary, 6)::json,
            'properties', json_build_object({pairs}))::text
        {_UNITS_FROM} WHERE {where}
        ORDER BY u.code LIMIT %(limit)s OFFSET %(offset)s"""
    with read_connection().cursor() as cursor:
        return _utf8_texts(cursor, sql, {**params, "limit": limit, "offset": offset})


def unit_count(unit_filter: UnitFilter) -> int:
    where, params = unit_filter.where()
    with read_connection().cursor() as cursor:
        cursor.execute(f"SELECT count(*) {_UNITS_FROM} WHERE {where}", params)
        return cursor.fetchone()[0]


def unit_codes(level: str, names: list[str]) -> dict[str, list[str]]:
    """The codes of the current units of a level that bear each name (communes share names)."""
    with read_connection().cursor() as cursor:
        cursor.execute(
            """SELECT u.name, array_agg(u.code ORDER BY u.code) FROM geodata_administrativeunit u
               WHERE u.level = %s AND u.current AND u.name = ANY(%s) GROUP BY u.name""",
            [level, names],
        )
        return dict(cursor.fetchall())


def country_bbox() -> list[float] | None:
    """West, south, east and north of Viet Nam's provinces (islands included), or None."""
    with read_connection().cursor() as cursor:
        cursor.execute(
            """SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
               FROM (SELECT ST_Extent(boundary) AS e FROM geodata_administrativeunit
                     WHERE level = 'province' AND current) extent"""
        )
        bbox = cursor.fetchone()
    return None if bbox[0] is None else [round(value, 6) for value in bbox]
