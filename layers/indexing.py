"""Keeps layers.SiteIndex equal to what the registry says.

A refresh reads the sites' records in five queries, computes each site's row in Python (the
status rule lives once, in geodata.status), copies the rows into a temporary table and merges
them: a row whose content did not change keeps its `updated_at`, and the registry version moves
only when something changed. Model signals (admin edits) and geodata's `registry_changed` (bulk
writers) refresh the organisations or sites touched in the writer's transaction (layers.signals),
so a check that is rolled back leaves the index as it was."""

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.db import connection, connections, transaction

from geodata import status
from geodata.models import Scheme
from geodata.text import normalise_standard_reference, words
from layers import caching
from map_portal.routers import read_connection

_STATUS_COLUMNS = {
    status.VALID: "valid_on",
    status.EXPIRING: "expiring_on",
    status.SUSPENDED: "suspended_on",
    status.EXPIRED: "expired_on",
    status.WITHDRAWN: "withdrawn_on",
    status.NOT_YET_VALID: "not_yet_valid_on",
}
_IN_FORCE = (status.VALID, status.EXPIRING)

_SITES_SQL = """
SELECT s.id, s.published, s.name, o.id, o.name_vi, o.short_name, o.name_en, s.kinds, s.address,
       p.code, p.name, coalesce(c.code, ''), coalesce(c.name, ''),
       ST_X(s.location), ST_Y(s.location), s.location_method, s.location_accuracy_m,
       coalesce(nullif(s.phone, ''), o.phone), coalesce(nullif(s.email, ''), o.email), o.website,
       s.opening_hours, s.legacy_province_name, s.legacy_district_name, s.legacy_commune_name
FROM geodata_site s
JOIN geodata_organisation o ON o.id = s.organisation_id
JOIN geodata_administrativeunit p ON p.id = s.province_id
LEFT JOIN geodata_administrativeunit c ON c.id = s.commune_id
{where}
"""
_LINKS_SQL = "SELECT site_id, credential_id FROM geodata_credential_sites WHERE site_id = ANY(%s)"
_CREDENTIALS_SQL = """
SELECT c.id, sc.code, sc.credential_kind, c.number, c.standard, c.issued_on, c.valid_until
FROM geodata_credential c JOIN geodata_scheme sc ON sc.id = c.scheme_id
WHERE c.id = ANY(%s)
"""
_EVENTS_SQL = """
SELECT credential_id, effective_on, kind FROM geodata_credentialevent
WHERE credential_id = ANY(%s) ORDER BY id
"""
_SCOPE_SQL = """
SELECT i.credential_id, f.code, f.name_vi, f.name_en, t.code, t.name_vi, t.name_en,
       i.method_reference, i.product, i.test
FROM geodata_scopeitem i
LEFT JOIN geodata_field f ON f.id = i.field_id
LEFT JOIN geodata_instrumenttype t ON t.id = i.instrument_type_id
WHERE i.credential_id = ANY(%s)
"""

_COLUMNS = [
    "site_id", "published", "name", "organisation_id", "organisation", "organisation_short_name",
    "kinds", "address", "province_code", "province", "commune_code", "commune", "location",
    "location_method", "location_accuracy_m", "phone", "email", "website", "opening_hours",
    "fields", "instruments", "standards", "schemes", "credential_numbers",
    *_STATUS_COLUMNS.values(), "accredited_on", "search_text", "content_hash",
]  # fmt: skip
_MERGE_SQL = """
WITH removed AS (
    INSERT INTO layers_removedsite (site_id, removed_at)
    SELECT r.site_id, now() FROM site_index_rows r
    JOIN layers_siteindex i ON i.site_id = r.site_id AND i.published AND NOT r.published
    ON CONFLICT (site_id) DO UPDATE SET removed_at = excluded.removed_at
    RETURNING 1
), returned AS (
    DELETE FROM layers_removedsite WHERE site_id IN (
        SELECT site_id FROM site_index_rows WHERE published)
    RETURNING 1
), merged AS (
    INSERT INTO layers_siteindex (site_id, {columns}, updated_at)
    SELECT site_id, {columns}, now() FROM site_index_rows
    ON CONFLICT (site_id) DO UPDATE SET ({columns}, updated_at) = ({excluded}, now())
    WHERE layers_siteindex.content_hash <> excluded.content_hash
    RETURNING 1
)
SELECT (SELECT count(*) FROM merged) + (SELECT count(*) FROM removed)
"""
_DELETE_SQL = """
WITH gone AS (
    DELETE FROM layers_siteindex i
    WHERE {scope} AND NOT EXISTS (SELECT FROM geodata_site s WHERE s.id = i.site_id)
    RETURNING i.site_id, i.published
), removed AS (
    INSERT INTO layers_removedsite (site_id, removed_at)
    SELECT site_id, now() FROM gone WHERE published
    ON CONFLICT (site_id) DO UPDATE SET removed_at = excluded.removed_at
)
SELECT count(*) FROM gone
"""
_BUMP_SQL = """
INSERT INTO layers_registryversion (id, number, changed_at) VALUES (1, 1, clock_timestamp())
ON CONFLICT (id) DO UPDATE
SET number = layers_registryversion.number + 1, changed_at = clock_timestamp()
RETURNING number, changed_at
"""


@dataclass
class _Credential:
    scheme: str
    accreditation: bool
    number: str
    standard: str
    issued_on: object
    valid_until: object
    events: list = field(default_factory=list)
    fields: set = field(default_factory=set)
    instruments: set = field(default_factory=set)
    standards: set = field(default_factory=set)
    words: set = field(default_factory=set)

    def timeline(self):
        return status.credential_timeline(self.issued_on, self.valid_until, self.events)


@transaction.atomic
def refresh_site_index(site_ids=None, organisation_ids=None) -> int:
    """Recompute the index rows of these sites and of every site of these organisations (every
    site when both are None); the number of rows that changed."""
    where, params = _selection(site_ids, organisation_ids)
    with connection.cursor() as cursor:
        cursor.execute(_SITES_SQL.format(where=where), params)
        sites = cursor.fetchall()
        credentials = _credentials(cursor, [row[0] for row in sites])
        rows = [_index_row(site, credentials) for site in sites]
        changed = _merge(cursor, rows) + _delete_missing(cursor, site_ids, organisation_ids)
        if changed:
            _bump(cursor)
    return changed


def bump_registry_version():
    """For a change the site rows do not show: the places and vocabularies themselves."""
    with connection.cursor() as cursor:
        _bump(cursor)


def _bump(cursor):
    """Moves the version; once committed, the front door hears of it (layers.caching)."""
    cursor.execute(_BUMP_SQL)
    state = _state_text(*cursor.fetchone())
    transaction.on_commit(partial(caching.announce_registry_state, state))


def registry_version() -> int:
    with read_connection().cursor() as cursor:
        cursor.execute("SELECT coalesce(max(number), 0) FROM layers_registryversion")
        return cursor.fetchone()[0]


def registry_state(alias=None) -> str:
    """The registry version and the instant it moved: the number alone comes round again when a
    database is recreated or restored (or a test's transaction rolled back), the pair never.
    Read where the request reads, or from the database `alias`."""
    with (connections[alias] if alias else read_connection()).cursor() as cursor:
        cursor.execute("SELECT number, changed_at FROM layers_registryversion")
        row = cursor.fetchone()
    return _state_text(*row) if row else "0"


def _state_text(number, changed_at) -> str:
    return f"{number}@{changed_at.isoformat()}"


def _selection(site_ids, organisation_ids):
    if site_ids is None and organisation_ids is None:
        return "", []
    return "WHERE s.id = ANY(%s) OR s.organisation_id = ANY(%s)", [
        list(site_ids or []),
        list(organisation_ids or []),
    ]


def _credentials(cursor, site_ids) -> dict[int, list[_Credential]]:
    """The credentials covering each site, with their events and scope facets."""
    cursor.execute(_LINKS_SQL, [site_ids])
    links = cursor.fetchall()
    ids = list({credential_id for _, credential_id in links})
    cursor.execute(_CREDENTIALS_SQL, [ids])
    accreditation = Scheme.CredentialKind.ACCREDITATION
    by_id = {
        pk: _Credential(scheme, kind == accreditation, number, standard, issued_on, valid_until)
        for pk, scheme, kind, number, standard, issued_on, valid_until in cursor.fetchall()
    }
    cursor.execute(_EVENTS_SQL, [ids])
    for credential_id, effective_on, kind in cursor.fetchall():
        by_id[credential_id].events.append((effective_on, kind))
    cursor.execute(_SCOPE_SQL, [ids])
    for credential_id, *scope in cursor.fetchall():
        _add_scope(by_id[credential_id], *scope)
    for credential in by_id.values():
        if credential.standard:
            credential.standards |= _standard_forms(credential.standard)
        credential.words.update(words(f"{credential.number} {credential.standard}").split())
    covering = defaultdict(list)
    for site_id, credential_id in links:
        covering[site_id].append(by_id[credential_id])
    return covering


def _add_scope(credential, field_code, field_vi, field_en, instrument, inst_vi, inst_en, *text):
    method_reference, product, test = text
    if field_code:
        credential.fields.add(field_code)
    if instrument:
        credential.instruments.add(instrument)
    if method_reference:
        credential.standards |= _standard_forms(method_reference)
    text = " ".join(filter(None, [field_vi, field_en, inst_vi, inst_en, method_reference, *text]))
    credential.words.update(words(text).split())


# A normalised reference: its number, then an edition year and a (QCVN) issuer, each optional.
_EDITION = re.compile(r"^(?P<number>.*?)(?P<year>:(?:19|20)\d\d)?(?P<issuer>(?<=\d)/[A-ZĐ\-]+)?$")


def _standard_forms(reference: str) -> set[str]:
    """A reference as stored, without its issuer and without its edition, so that "TCVN 6165"
    finds "TCVN 6165:2009" and "QCVN 4:2009" finds "QCVN 4:2009/BKHCN"."""
    number, year, issuer = _EDITION.match(normalise_standard_reference(reference)).groups("")
    return {number + year + issuer, number + year, number}


def _index_row(site, credentials) -> list:
    (site_id, published, name, org_id, org_name, org_short, org_en, kinds, address) = site[:9]
    province_code, province, commune_code, commune, lon, lat = site[9:15]
    method, accuracy, phone, email, website, hours, *legacy = site[15:]
    held = credentials.get(site_id, [])
    days = defaultdict(list)
    for credential in held:
        for start, end, standing in credential.timeline():
            days[_STATUS_COLUMNS[standing]].append((start, end))
            if credential.accreditation and standing in _IN_FORCE:
                days["accredited_on"].append((start, end))
    text = [name, org_name, org_short, org_en, address, province, commune, *legacy]
    row = [
        site_id, published, name, org_id, org_name, org_short, kinds, address,
        province_code, province, commune_code, commune, f"SRID=4326;POINT({lon!r} {lat!r})",
        method, accuracy, phone, email, website, hours,
        sorted(set().union(*(c.fields for c in held))),
        sorted(set().union(*(c.instruments for c in held))),
        sorted(set().union(*(c.standards for c in held))),
        sorted({c.scheme for c in held}),
        sorted({c.number for c in held}),
        *(_multirange(days[column]) for column in _STATUS_COLUMNS.values()),
        _multirange(days["accredited_on"]),
        " " + " ".join(sorted(set(words(" ".join(text)).split()).union(*(c.words for c in held)))),
    ]  # fmt: skip
    row.append(hashlib.md5(repr(row).encode(), usedforsecurity=False).hexdigest())
    return row


def _multirange(ranges) -> str:
    """A datemultirange literal; PostgreSQL merges the overlapping ranges."""
    bounds = (f"{'[' if s else '('}{s or ''},{e or ''})" for s, e in ranges)
    return "{" + ",".join(bounds) + "}"


def _merge(cursor, rows) -> int:
    if not rows:
        return 0
    cursor.execute(
        "CREATE TEMP TABLE site_index_rows (LIKE layers_siteindex) ON COMMIT DROP;"
        "ALTER TABLE site_index_rows ALTER COLUMN updated_at DROP NOT NULL,"
        " ALTER COLUMN feature_start DROP NOT NULL"  # layers_siteindex's trigger writes it
    )
    with cursor.cursor.copy(f"COPY site_index_rows ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    columns = ", ".join(_COLUMNS[1:])
    excluded = ", ".join(f"excluded.{c}" for c in _COLUMNS[1:])
    cursor.execute(_MERGE_SQL.format(columns=columns, excluded=excluded))
    merged = cursor.fetchone()[0]
    cursor.execute("DROP TABLE site_index_rows")
    return merged


def _delete_missing(cursor, site_ids, organisation_ids) -> int:
    if site_ids is None and organisation_ids is None:
        scope, params = "true", []
    else:
        scope = "(i.site_id = ANY(%s) OR i.organisation_id = ANY(%s))"
        params = [list(site_ids or []), list(organisation_ids or [])]
    cursor.execute(_DELETE_SQL.format(scope=scope), params)
    return cursor.fetchone()[0]
