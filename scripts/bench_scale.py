"""The registry grown to national scale inside PostgreSQL, for `make bench` (scripts/bench.py).

A copy of a site has the same organisation, credentials and commune as its source and a point
moved by up to 0.003° (about 300 m), so its published row (layers_siteindex) is the source's
but for the id, the point and the content hash: the rows are copied in SQL too, and only the
hash, the md5 of the row as layers.indexing computes it, is made in Python, from the source's
row with the copy's id and point spliced in (a string join and an md5 per copy). The hash
follows the order in which the indexer reads a site's credential links (their physical order),
so a copy's links are written in its source's order. A sample of copies refreshed by
layers.indexing afterwards must rewrite nothing, and their rows and search entries written
afresh must equal the copied ones column by column."""

import hashlib
import time
from dataclasses import dataclass

from django.db import connection, transaction

from layers import clusters
from layers.indexing import _COLUMNS, _SITES_SQL, _credentials, _index_row, refresh_site_index

VERIFIED_COPIES = 1000
LOCATION = _COLUMNS.index("location")

# Copies of the original sites: copy k of site i has the id i + k * (their largest id) and its
# point moved by up to 0.003°, the same for each id. Positions (k - 1) * count + n (n the site's
# rank by id) after `already` are made, up to `missing` of them.
_COPIES_SQL = """
CREATE TEMP TABLE bench_copies ON COMMIT DROP AS
SELECT s.id AS old_id, %(top)s * c.k + s.id AS new_id
FROM generate_series(1, %(rounds)s) c(k),
     (SELECT id, row_number() OVER (ORDER BY id) AS n FROM geodata_site WHERE id <= %(top)s) s
WHERE (c.k - 1) * %(count)s + s.n > %(already)s
  AND (c.k - 1) * %(count)s + s.n <= %(already)s + %(missing)s
"""
_SITE_COLUMNS = """name, kinds, address, legacy_province_name, legacy_district_name,
    legacy_commune_name, location_method, location_accuracy_m, phone, email, opening_hours,
    published, commune_id, organisation_id, province_id"""
_COPY_SITES_SQL = f"""
INSERT INTO geodata_site (id, created_at, updated_at, location, {_SITE_COLUMNS})
SELECT c.new_id, now(), now(),
       ST_Translate(s.location, (mod(c.new_id * 7919, 6001) - 3000) / 1e6,
                    (mod(c.new_id * 104729, 5003) - 2501) / 1e6),
       {_SITE_COLUMNS}
FROM bench_copies c JOIN geodata_site s ON s.id = c.old_id
"""  # noqa: S608 (constant column names)
_COPY_LINKS_SQL = """
INSERT INTO geodata_credential_sites (credential_id, site_id)
SELECT l.credential_id, c.new_id
FROM bench_copies c JOIN geodata_credential_sites l ON l.site_id = c.old_id
ORDER BY c.new_id, l.ctid
"""
_POINTS_SQL = """
SELECT c.new_id, c.old_id, ST_X(s.location), ST_Y(s.location)
FROM bench_copies c JOIN geodata_site s ON s.id = c.new_id
"""
_INDEX_COLUMNS = [name for name in _COLUMNS if name not in ("site_id", "location", "content_hash")]
_COPY_INDEX_SQL = f"""
INSERT INTO layers_siteindex (site_id, location, content_hash, updated_at,
    {", ".join(_INDEX_COLUMNS)})
SELECT c.new_id, s.location, h.content_hash, now(), {", ".join(f"i.{n}" for n in _INDEX_COLUMNS)}
FROM bench_copies c
JOIN layers_siteindex i ON i.site_id = c.old_id
JOIN geodata_site s ON s.id = c.new_id
JOIN bench_hashes h ON h.site_id = c.new_id
"""  # noqa: S608 (constant column names)
# The indexes of a table but those of its constraints (its primary key, unique constraints).
_INDEX_DEFINITIONS_SQL = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
WHERE i.indrelid = %s::regclass
  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""
_ENTRY_COLUMNS = "label, label_en, context, name_key, key, fuzzy_key, weight, sites, extent"
_COPY_ENTRIES_SQL = f"""
INSERT INTO layers_searchentry (kind, ref, point, {_ENTRY_COLUMNS})
SELECT 'site', c.new_id::text, s.location, {", ".join(f"e.{n}" for n in _ENTRY_COLUMNS.split(", "))}
FROM bench_copies c
JOIN layers_searchentry e ON e.kind = 'site' AND e.ref = c.old_id::text
JOIN geodata_site s ON s.id = c.new_id
"""  # noqa: S608 (constant column names)
_REGISTRY_ENTRIES_SQL = """
SELECT layers_refresh_registry_entries(
    ARRAY[]::bigint[],
    ARRAY(SELECT DISTINCT organisation_id FROM layers_siteindex),
    ARRAY(SELECT DISTINCT unnest(standards) FROM layers_siteindex))
"""
_SEQUENCE_SQL = """
SELECT setval(pg_get_serial_sequence('geodata_site', 'id'), (SELECT max(id) FROM geodata_site))
"""
_SAMPLE_SQL = """
SELECT site_id FROM layers_siteindex WHERE site_id > %(top)s
ORDER BY md5(site_id::text) LIMIT %(n)s
"""
# The sample's rows as stored, but what the refresh sets itself.
_SNAPSHOT_SQL = f"""
CREATE TEMP TABLE bench_snapshot ON COMMIT DROP AS
SELECT site_id, location, {", ".join(_INDEX_COLUMNS)} FROM layers_siteindex
WHERE site_id = ANY(%(ids)s)
"""  # noqa: S608 (constant column names)
_DIFFERENCES_SQL = f"""
SELECT count(*) FROM (
    (SELECT * FROM bench_snapshot EXCEPT
     SELECT site_id, location, {", ".join(_INDEX_COLUMNS)} FROM layers_siteindex
     WHERE site_id = ANY(%(ids)s))
    UNION ALL
    (SELECT site_id, location, {", ".join(_INDEX_COLUMNS)} FROM layers_siteindex
     WHERE site_id = ANY(%(ids)s) EXCEPT SELECT * FROM bench_snapshot)) d
"""  # noqa: S608 (constant column names)


_ENTRIES_SNAPSHOT_SQL = """
CREATE TEMP TABLE bench_entries ON COMMIT DROP AS
SELECT * FROM layers_searchentry WHERE kind = 'site' AND ref = ANY(%(ids)s::text[])
"""
_ENTRY_DIFFERENCES_SQL = """
SELECT count(*) FROM (
    (SELECT * FROM bench_entries EXCEPT
     SELECT * FROM layers_searchentry WHERE kind = 'site' AND ref = ANY(%(ids)s::text[]))
    UNION ALL
    (SELECT * FROM layers_searchentry WHERE kind = 'site' AND ref = ANY(%(ids)s::text[])
     EXCEPT SELECT * FROM bench_entries)) d
"""


@dataclass
class Registry:
    """The sites a run starts from (the demo set and the import): the sources of every copy."""

    top: int = 0  # their largest id
    count: int = 0

    def originals(self):
        if not self.top:
            self.top = _value("SELECT coalesce(max(id), 0) FROM geodata_site")
            self.count = _value("SELECT count(*) FROM geodata_site")
        return self.top, self.count


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _value(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


class _Clock:
    def __init__(self):
        self.figures = {}

    def time(self, name: str, function):
        start = time.perf_counter()
        result = function()
        self.figures[f"{name} (s)"] = round(time.perf_counter() - start, 1)
        return result


def _source_rows(cursor, ids: list[int]) -> dict[int, tuple[str, str]]:
    """The reprs of each source's index row before and after its point, as
    layers.indexing._index_row computes the row (without its hash)."""
    cursor.execute(_SITES_SQL.format(where="WHERE s.id = ANY(%s)"), [ids])
    sites = cursor.fetchall()
    credentials = _credentials(cursor, ids)
    parts = {}
    for site in sites:
        row = _index_row(site, credentials)[:-1]
        between = ", ".join(map(repr, row[1:LOCATION]))
        after = ", ".join(map(repr, row[LOCATION + 1 :]))
        parts[site[0]] = (between, after)
    return parts


def _hashes(cursor) -> int:
    """bench_hashes: the content hash of each copy's index row; the number of copies."""
    cursor.execute("SELECT DISTINCT old_id FROM bench_copies")
    parts = _source_rows(cursor, [row[0] for row in cursor.fetchall()])
    cursor.execute(_POINTS_SQL)
    points = cursor.fetchall()
    cursor.execute(
        "CREATE TEMP TABLE bench_hashes (site_id bigint PRIMARY KEY, content_hash varchar(32))"
        " ON COMMIT DROP"
    )
    with cursor.cursor.copy("COPY bench_hashes (site_id, content_hash) FROM STDIN") as copy:
        for new_id, old_id, lon, lat in points:
            between, after = parts[old_id]
            point = repr(f"SRID=4326;POINT({lon!r} {lat!r})")
            text = f"[{new_id!r}, {between}, {point}, {after}]"
            copy.write_row((new_id, hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()))
    cursor.execute("ANALYZE bench_hashes")
    return len(points)


def grow(registry: Registry, target: int) -> dict:
    """Copies of the original sites, with their credential links and their published rows,
    until the registry holds `target` sites; then the copies checked, VACUUM and ANALYZE, and
    the cluster cells rebuilt. The time of each step."""
    top, count = registry.originals()
    clock = _Clock()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")
        # Foreign keys checked at each statement's end: an index cannot be made on a table
        # with checks still pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        now = _value("SELECT count(*) FROM geodata_site")
        missing = max(0, target - now)
        clock.figures["sites copied"] = missing
        if not missing:
            return clock.figures
        params = {
            "top": top,
            "count": count,
            "already": now - count,
            "missing": missing,
            "rounds": (now - count + missing) // count + 1,
        }
        clock.time("copies listed", lambda: cursor.execute(_COPIES_SQL, params))
        cursor.execute("ANALYZE bench_copies")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        _bulk(cursor, clock, "geodata_site", "sites", _COPY_SITES_SQL)
        clock.time("credential links copied", lambda: cursor.execute(_COPY_LINKS_SQL))
        clock.time("content hashes of the copies' index rows, in Python", lambda: _hashes(cursor))
        _copy_published_rows(cursor, clock)
        cursor.execute(_SEQUENCE_SQL)
        cursor.execute(
            "INSERT INTO layers_registryversion (id, number, changed_at)"
            " VALUES (1, 1, clock_timestamp()) ON CONFLICT (id) DO UPDATE"
            " SET number = layers_registryversion.number + 1, changed_at = clock_timestamp()"
        )
    clock.figures |= verify(top)
    # What autovacuum does to a table read more than written: its pages marked all-visible, so
    # that a box of sites is answered from the index alone (site_index_published_ids).
    clock.time("VACUUM layers_siteindex", lambda: _execute("VACUUM layers_siteindex"))
    clock.time("ANALYZE", lambda: _execute("ANALYZE"))
    clock.time("layers.clusters.rebuild_cells()", clusters.rebuild_cells)
    clock.figures["sites in the registry"] = _value("SELECT count(*) FROM geodata_site")
    clock.figures["published rows in layers_siteindex"] = _value(
        "SELECT count(*) FROM layers_siteindex WHERE published"
    )
    clock.figures["database size (GB)"] = round(
        _value("SELECT pg_database_size(current_database())") / 1e9, 2
    )
    return clock.figures


def _bulk(cursor, clock: _Clock, table: str, name: str, sql: str, kept_trigger="") -> None:
    """An INSERT … SELECT into a table as a bulk load is done: its triggers disabled (but
    `kept_trigger`) and its secondary indexes dropped, then made again. (The sites' only
    triggers record their history, which a copy does not need: the copies have none.)"""
    cursor.execute(_INDEX_DEFINITIONS_SQL, [table])
    indexes = cursor.fetchall()
    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    if kept_trigger:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {kept_trigger}")
    cursor.execute(f"DROP INDEX {', '.join(name for name, _ in indexes)}")
    clock.time(f"{name} copied (INSERT … SELECT into {table})", lambda: cursor.execute(sql))
    clock.time(
        f"the {len(indexes)} secondary indexes of {table} made again",
        lambda: [cursor.execute(definition) for _, definition in indexes],
    )
    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def _copy_published_rows(cursor, clock: _Clock) -> None:
    """The copies' index rows and search entries, bulk loaded. The work of the index's triggers
    is then done once for all the rows: the search entries of the copies are their sources'
    with the copy's id and point (the words of an entry come from the index row's name,
    organisation and places, the same, so the search words' trigger would add none); the
    organisations' and standards' entries (their counts and extents) are made again by the
    trigger's own functions; the cluster cells are rebuilt after ANALYZE. The trigger that
    writes each row's Feature (layers migration 0006) runs for each copy."""
    _bulk(cursor, clock, "layers_siteindex", "index rows", _COPY_INDEX_SQL, "layers_site_feature")
    _bulk(cursor, clock, "layers_searchentry", "search entries of the sites", _COPY_ENTRIES_SQL)
    clock.time(
        "search entries of the organisations and standards made again",
        lambda: cursor.execute(_REGISTRY_ENTRIES_SQL),
    )


class _RolledBack(Exception):
    pass


def verify(top: int) -> dict:
    """A sample of copies refreshed by layers.indexing: the rows it would write. Then, in a
    transaction rolled back, their hashes blanked so that the refresh writes them all afresh,
    and the rows written compared with the copied ones, column by column."""
    ids = [row for (row,) in _rows(_SAMPLE_SQL, {"top": top, "n": VERIFIED_COPIES})]
    start = time.perf_counter()
    written = refresh_site_index(site_ids=ids)
    figures = {
        f"refresh_site_index of {len(ids)} random copies (s)": round(
            time.perf_counter() - start, 1
        ),
        f"refresh_site_index of {len(ids)} random copies: rows rewritten (0: hashes equal)": (
            written
        ),
    }
    differences = entry_differences = None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_SNAPSHOT_SQL, {"ids": ids})
            cursor.execute(
                "UPDATE layers_siteindex SET content_hash = '' WHERE site_id = ANY(%s)", [ids]
            )
            rewritten = refresh_site_index(site_ids=ids)
            cursor.execute(_DIFFERENCES_SQL, {"ids": ids})
            differences = cursor.fetchone()[0]
            cursor.execute(_ENTRIES_SNAPSHOT_SQL, {"ids": ids})
            cursor.execute("SELECT layers_refresh_site_entries(%s)", [ids])
            cursor.execute(_ENTRY_DIFFERENCES_SQL, {"ids": ids})
            entry_differences = cursor.fetchone()[0]
            raise _RolledBack
    except _RolledBack:
        pass
    figures[
        f"the same {len(ids)} rows written afresh ({rewritten}) vs copied: rows that differ"
    ] = differences
    figures[
        "their search entries made afresh (layers_refresh_site_entries) vs copied: that differ"
    ] = entry_differences
    if written or differences or entry_differences:
        raise SystemExit(f"Copied index rows differ from the indexer's: {figures}")
    return figures


def _rows(sql: str, params=None) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
