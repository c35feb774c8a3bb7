"""Suggestions for the search box (/api/v1/search/): published sites and organisations, places
(current and legacy units), standards held by published sites, measuring-instrument types and
fields, in one query over layers.SearchEntry.

Both sides are compared in the words of geodata.text.words (no diacritics, đ as d). Each group
of entries (sites; organisations; the rest) is searched in up to three ways, each read to a bound
and each tried only when the ways before it found too little: names beginning with the query,
then entries in which every word of the query begins a word, then, to forgive typos, trigrams
(`<%`) for the few places, standards and vocabularies, and for the 100,000 sites and their
organisations each word of the query or one of its nearest words (layers.SearchWord), because
trigrams over so many names cost more than a keystroke may take; their words are looked for
among the first SAMPLE entries before their index is read. Ranking: the name is the query,
then begins with it, then holds every word, then the rest; within each, trigram similarity, then
the entry's weight. A kind takes at most half of the suggestions while others have some."""

import math
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from geodata.text import normalise_standard_reference, words
from layers.filters import MAX_WORDS
from layers.models import REFERENCE_KINDS
from map_portal.routers import read_alias, read_connection

MAX_SUGGESTIONS = 19
DEFAULT_SUGGESTIONS = 10
CANDIDATES = 50  # sites, or organisations, read per way of matching before ranking
SAMPLE = 3000  # sites, or organisations, in which a query's words are looked for first
# The shortest unfinished last word with which the index of words is read: "n" begins the
# words of 400,000 entries at a million sites, whose lists the index would gather first.
INDEXED_PREFIX = 3
NAMES_SHOWN = 3  # an organisation's provinces, the units a former one became

_REFERENCE = f"e.kind IN ({', '.join(map(repr, REFERENCE_KINDS))})"  # as the partial indexes
_BEST_FIRST = "e.weight DESC, e.sites DESC NULLS LAST, e.name_key"
# A standard is also compared with the query read as a reference ("qcvn4:2009" -> "qcvn 4 2009").
_TYPED = "CASE WHEN e.kind = 'standard' THEN %(standard)s ELSE %(phrase)s END"
# The share of a vocabulary entry's words that the query holds: "kiem dinh dong ho nuoc" holds
# 3 of the 4 words of "Đồng hồ nước lạnh".
_NAME_IN_QUERY = """(e.kind IN ('instrument', 'field') AND e.name_key LIKE '%% %%' AND (
    SELECT count(DISTINCT w) FILTER (WHERE w = ANY(%(words)s))::real / count(DISTINCT w)
    FROM unnest(string_to_array(e.name_key, ' ')) w) >= 0.75)"""


def _registry_ways(kind: str) -> str:
    """Sites, or organisations: names beginning with the query (in name order), else entries
    with every word of the query, else with each word or a near one; each read to a bound."""
    return f"""{kind}_named AS (
    SELECT e.id FROM layers_searchentry e
    WHERE e.kind = '{kind}' AND e.name_key LIKE %(prefix)s
    ORDER BY e.name_key USING ~<~ LIMIT %(candidates)s
), {_words_way(kind, "worded", ["named"], "%(all_words)s::tsquery")},
{_words_way(kind, "corrected", ["named", "worded"], "corrected.query", ", corrected")}"""


def _words_way(kind: str, way: str, ways_before: list, query: str, also_from: str = "") -> str:
    """The entries of `kind` whose words match `query` (SQL, reading `also_from`), when the ways
    before found fewer than the limit. Looked for first among the first SAMPLE entries (by ref):
    a common query ("kiem dinh c") finds its candidates there, where the index of the words
    would gather all its matches first (280,000 at a million sites: 80 ms). The index is read
    for rarer queries whose last word has INDEXED_PREFIX letters or more, planned for all their
    rows (MATERIALIZED), then read to the bound: under a LIMIT the planner expects a common
    prefix's many matches and walks another index for them, reading every entry when there
    are none (5 s at a million sites)."""
    found = " UNION ".join(f"SELECT id FROM {kind}_{before}" for before in ways_before)
    return f"""{kind}_{way}_sampled AS (
    SELECT head.id FROM (SELECT e.id, e.words FROM layers_searchentry e WHERE e.kind = '{kind}'
                         ORDER BY e.kind, e.ref LIMIT %(sample)s) head{also_from}
    WHERE (SELECT count(*) FROM ({found}) f) < %(limit)s AND head.words @@ {query}
    LIMIT %(candidates)s
), {kind}_{way}_matching AS MATERIALIZED (
    SELECT e.id FROM layers_searchentry e{also_from}
    WHERE %(last_word_indexed)s AND e.kind = '{kind}' AND e.words @@ {query}
), {kind}_{way} AS (
    SELECT id FROM {kind}_{way}_sampled
    UNION
    (SELECT id FROM {kind}_{way}_matching
     WHERE (SELECT count(*) FROM ({found} UNION SELECT id FROM {kind}_{way}_sampled) f)
           < %(limit)s
     LIMIT %(candidates)s)
)"""


# Places, standards and vocabularies the same way, best first, but the last resort is trigrams.
SQL = f"""
WITH reference_named AS (
    SELECT e.id FROM layers_searchentry e
    WHERE {_REFERENCE} AND (e.name_key LIKE %(prefix)s OR e.name_key LIKE %(standard_prefix)s)
    ORDER BY {_BEST_FIRST} LIMIT %(candidates)s
), reference_worded AS (
    SELECT e.id FROM layers_searchentry e
    WHERE (SELECT count(*) FROM reference_named) < %(limit)s
      AND {_REFERENCE} AND e.words @@ %(all_words)s::tsquery
    ORDER BY {_BEST_FIRST} LIMIT %(candidates)s
), reference_similar AS (
    SELECT e.id FROM layers_searchentry e
    WHERE (SELECT count(*) FROM (SELECT id FROM reference_named
                                 UNION SELECT id FROM reference_worded) f) < %(limit)s
      AND (%(phrase)s <%% e.fuzzy_key OR %(standard)s <%% e.fuzzy_key)
    ORDER BY word_similarity({_TYPED}, e.key) DESC, {_BEST_FIRST} LIMIT %(candidates)s
), named_in_query AS (
    SELECT e.id FROM layers_searchentry e WHERE {_NAME_IN_QUERY}
), corrected AS (  -- each word of the query, or one of the 3 nearest words of sites' entries
    SELECT string_agg(alternatives, ' & ')::tsquery AS query
    FROM unnest(%(words)s::text[]) WITH ORDINALITY AS typed(word, n), LATERAL (
        SELECT format(CASE WHEN n = cardinality(%(words)s::text[]) THEN '(%%L:*' ELSE '(%%L' END,
                      typed.word)
               || coalesce(string_agg(format(' | %%L', near.word), ''), '') || ')'
        FROM (SELECT w.word FROM layers_searchword w WHERE w.word %% typed.word
              ORDER BY similarity(w.word, typed.word) DESC, w.word LIMIT 3) near
    ) AS choice(alternatives)
), {_registry_ways("site")}, {_registry_ways("organisation")}, ranked AS (
    SELECT e.*,
           CASE WHEN e.name_key IN (%(phrase)s, %(standard)s) THEN 0
                WHEN e.name_key LIKE %(prefix)s OR e.name_key LIKE %(standard_prefix)s THEN 1
                WHEN e.words @@ %(all_words)s::tsquery OR {_NAME_IN_QUERY} THEN 2
                ELSE 3 END AS tier,
           word_similarity({_TYPED}, e.key) AS score
    FROM layers_searchentry e
    WHERE e.id IN (
        SELECT id FROM reference_named UNION ALL SELECT id FROM reference_worded
        UNION ALL SELECT id FROM reference_similar UNION ALL SELECT id FROM named_in_query
        UNION ALL SELECT id FROM site_named UNION ALL SELECT id FROM site_worded
        UNION ALL SELECT id FROM site_corrected UNION ALL SELECT id FROM organisation_named
        UNION ALL SELECT id FROM organisation_worded
        UNION ALL SELECT id FROM organisation_corrected)
), chosen AS (
    SELECT *, row_number() OVER (ORDER BY nth > %(per_kind)s, tier, score DESC, weight DESC,
                                          sites DESC NULLS LAST, label, id) AS position
    FROM (SELECT *, row_number() OVER (PARTITION BY kind ORDER BY tier, score DESC,
                                       weight DESC, sites DESC NULLS LAST, label, id) AS nth
          FROM ranked) r
    ORDER BY position LIMIT %(limit)s
)
SELECT c.kind, c.ref, c.label, c.label_en, c.context, c.sites, u.code, u.level, u.current,
       now.codes, now.names, now.level,
       ST_X(coalesce(c.point, now.point)), ST_Y(coalesce(c.point, now.point)),
       ST_XMin(box.extent), ST_YMin(box.extent), ST_XMax(box.extent), ST_YMax(box.extent)
FROM chosen c
LEFT JOIN geodata_administrativeunit u
       ON u.id = CASE WHEN c.kind = 'place' THEN c.ref::bigint END
LEFT JOIN LATERAL (  -- the current units a place is, or became on 1 July 2025
    SELECT array_agg(n.code ORDER BY n.code) AS codes,
           array_agg(n.full_name ORDER BY n.code) AS names, min(n.level) AS level,
           ST_Centroid(ST_Collect(n.point)) AS point,
           ST_Extent(coalesce(n.boundary, n.point))::geometry AS extent
    FROM geodata_administrativeunit n
    WHERE n.id IN (
        SELECT u.id WHERE u.current
        UNION SELECT s.current_id FROM geodata_unitsuccession s WHERE s.legacy_id = u.id
        UNION SELECT s.current_id FROM geodata_unitsuccession s
              JOIN geodata_administrativeunit l ON l.id = s.legacy_id
              WHERE l.parent_id = u.id AND u.level = 'district')
) now ON u.id IS NOT NULL
CROSS JOIN LATERAL (SELECT coalesce(c.extent, now.extent) AS extent) box
ORDER BY c.position
"""


@dataclass(frozen=True)
class _Row:
    kind: str
    ref: str
    label: str
    label_en: str
    context: str
    sites: int | None
    code: str | None
    level: str | None
    current: bool | None
    now_codes: list | None
    now_names: list | None
    now_level: str | None
    lon: float | None
    lat: float | None
    west: float | None
    south: float | None
    east: float | None
    north: float | None


def suggestions(text: str, limit: int = DEFAULT_SUGGESTIONS) -> list[dict]:
    """At most `limit` suggestions for what was typed, best first."""
    if not (params := query_parameters(text, limit)):
        return []
    with (
        transaction.atomic(using=read_alias(), savepoint=False),
        read_connection().cursor() as cursor,
    ):
        # Every way in has an index, but misled by a LIMIT over a rare match the planner would
        # read the whole table instead (for the rest of the transaction: the request's).
        cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
        cursor.execute(SQL, params)
        rows = [_Row(*row) for row in cursor.fetchall()]
    return [_suggestion(row) for row in rows]


def query_parameters(text: str, limit: int) -> dict | None:
    """The parameters of SQL for what was typed; None when it holds no word."""
    typed = words(text).split()[:MAX_WORDS]
    if not typed:
        return None
    phrase = " ".join(typed)
    standard = words(normalise_standard_reference(text)) or phrase
    return {
        "words": typed,
        "phrase": phrase,
        "prefix": f"{phrase}%",
        "standard": standard,
        "standard_prefix": f"{standard}%",
        # the words typed so far, the last one perhaps unfinished
        "all_words": " & ".join([*(f"'{word}'" for word in typed[:-1]), f"'{typed[-1]}':*"]),
        "sample": SAMPLE,
        "last_word_indexed": len(typed[-1]) >= INDEXED_PREFIX,
        "candidates": CANDIDATES,
        "limit": limit,
        "per_kind": math.ceil(limit / 2),
    }


def _suggestion(row: _Row) -> dict:
    suggestion = {"type": row.kind, "label": row.label, "label_en": row.label_en or None}
    suggestion.update(_DETAILS[row.kind](row))
    if row.lon is not None:
        suggestion["point"] = [round(row.lon, 6), round(row.lat, 6)]
    if row.west is not None:
        suggestion["bbox"] = [round(v, 6) for v in (row.west, row.south, row.east, row.north)]
    return suggestion


def _site(row: _Row) -> dict:
    return {"id": int(row.ref), "detail": row.context}


def _organisation(row: _Row) -> dict:
    count = ngettext("%(count)d site", "%(count)d sites", row.sites) % {"count": row.sites}
    provinces = _first_names(row.context.split(", "))
    return {"id": int(row.ref), "detail": f"{count} · {provinces}", "sites": row.sites}


def _place(row: _Row) -> dict:
    place = {"code": row.code, "level": row.level, "current": row.current}
    if row.now_codes:
        place["filter"] = {row.now_level: ",".join(row.now_codes)}
    if row.current:
        place["detail"] = row.context or _("Province")
    else:
        became = (
            _("before 1/7/2025 → now %(now)s") % {"now": _first_names(row.now_names)}
            if row.now_names
            else _("before 1/7/2025")
        )
        place["detail"] = " · ".join(filter(None, [row.context, became]))
    return place


def _first_names(names: list[str]) -> str:
    return ", ".join(names[:NAMES_SHOWN]) + ("…" if len(names) > NAMES_SHOWN else "")


def _standard(row: _Row) -> dict:
    held = ngettext(
        "held by %(count)d published site", "held by %(count)d published sites", row.sites
    ) % {"count": row.sites}
    return {"code": row.ref, "detail": held, "sites": row.sites, "filter": {"standard": row.ref}}


def _instrument(row: _Row) -> dict:
    return {
        "code": row.ref,
        "detail": _("Measuring-instrument type"),
        "filter": {"instrument": row.ref},
    }


def _field(row: _Row) -> dict:
    return {"code": row.ref, "detail": _("Field"), "filter": {"field": row.ref}}


_DETAILS = {
    "site": _site,
    "organisation": _organisation,
    "place": _place,
    "standard": _standard,
    "instrument": _instrument,
    "field": _field,
}
