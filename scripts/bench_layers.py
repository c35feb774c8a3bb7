"""The layers API under load, for `make bench` (scripts/bench.py), in the bench database after
the import: the registry grown to `target` sites inside PostgreSQL, the index refreshed, the
application served by gunicorn as in production, and a fixed mix of requests timed one after
the other from one client. Every timed request is new to the response cache (layers.caching),
so each figure is the cold path, except the cases that repeat a request on purpose. Side by side
on the same city viewports: the bare SQL of the list, the HTTP response, and a plain drf-gis
GeoFeatureModelSerializer over the same rows."""

import gzip
import http.client
import json
import math
import os
import random
import socket
import statistics
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

from django.contrib.gis.geos import Polygon
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from psycopg.errors import QueryCanceled
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from geodata.models import ServiceKind, Site
from layers import selectors
from layers.filters import SiteFilter
from layers.indexing import bump_registry_version, refresh_site_index

ROOT = Path(__file__).resolve().parent.parent
TARGET_SITES = 100_000
REQUESTS = 200
SEED = 4
WARM_UP = 10  # requests per case before timing: both workers connected, code and pages warm
CITY_LIMIT = 2000
TARGETS_MS = {"city": 50, "nearest": 15, "search": 40, "country": 60}  # p95, issue 4
MAP_PROPERTIES = "name,organisation,kinds,status"  # what the map's markers and list show

# Dense districts of Hà Nội and TP Hồ Chí Minh (their centre, lon, lat), and other cities.
DISTRICTS = [
    (105.852, 21.029),  # Hoàn Kiếm
    (105.819, 21.034),  # Ba Đình
    (105.827, 21.013),  # Đống Đa
    (105.790, 21.033),  # Cầu Giấy
    (105.857, 21.006),  # Hai Bà Trưng
    (105.806, 20.994),  # Thanh Xuân
    (105.851, 20.975),  # Hoàng Mai
    (105.776, 20.972),  # Hà Đông
    (106.700, 10.776),  # Quận 1
    (106.684, 10.784),  # Quận 3
    (106.664, 10.756),  # Quận 5
    (106.667, 10.773),  # Quận 10
    (106.652, 10.801),  # Tân Bình
    (106.709, 10.811),  # Bình Thạnh
    (106.665, 10.838),  # Gò Vấp
    (106.760, 10.850),  # Thủ Đức
]
CITIES = [
    (108.212, 16.054),  # Đà Nẵng
    (106.683, 20.845),  # Hải Phòng
    (105.784, 10.034),  # Cần Thơ
    (107.590, 16.463),  # Huế
    (105.681, 18.674),  # Vinh
    (106.655, 10.981),  # Thủ Dầu Một
]
# What people type: with and without diacritics, standards, places, credential numbers.
SEARCHES = [
    "kiem dinh dong ho nuoc",
    "kiểm định đồng hồ nước",
    "cân",
    "kiem dinh can",
    "TCVN 6165",
    "QCVN 4:2009/BKHCN",
    "Cau Giay",
    "Cầu Giấy",
    "hiệu chuẩn áp suất",
    "hieu chuan nhiet do",
    "thu nghiem vat lieu xay dung",
    "thử nghiệm môi trường",
    "VILAS 216",
    "taximet",
    "huyết áp",
    "chứng nhận ISO 9001",
    "giam dinh",
    "Quatest",
    "Thủ Đức",
    "Hai Phong",
    "trung tam do luong",
    "phòng thí nghiệm hóa",
]
# Organisation names as typed, one letter wrong ("dinh" for "định", "Tân" for "Tâm"...).
TYPOS = [
    "kiem dihn An Phat",
    "Cong ty Kiem dnh Bao Minh",
    "Trung tam Thu nhiem Dai Viet",
    "hieu chuan Gai Phat",
    "chung nhan Tan Duc",
    "Giam dinh Vinh Tinhh",
]


def _unique(draw, n: int) -> list:
    """n distinct values of draw(): a response cache never answers a timed request."""
    values = {}
    for _ in range(100 * n):
        values[draw()] = None
        if len(values) == n:
            return list(values)
    raise SystemExit(f"Fewer than {n} distinct inputs: ask for fewer requests per case.")


def _bbox(west, south, east, north, digits=4) -> str:
    return ",".join(f"{value:.{digits}f}" for value in (west, south, east, north))


class Inputs:
    """The requests of each case, drawn with a fixed seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)  # noqa: S311 (benchmark inputs, not secrets)

    def city_bbox(self) -> tuple:
        """A 0.15° x 0.12° window (about 16 x 13 km) around a dense district."""
        lon, lat = self.rng.choice(DISTRICTS)
        lon, lat = lon + self.rng.uniform(-0.01, 0.01), lat + self.rng.uniform(-0.01, 0.01)
        return tuple(round(v, 4) for v in (lon - 0.075, lat - 0.06, lon + 0.075, lat + 0.06))

    def city_point(self) -> str:
        lon, lat = self.rng.choice(DISTRICTS + CITIES)
        return (
            f"{lon + self.rng.uniform(-0.05, 0.05):.5f},{lat + self.rng.uniform(-0.05, 0.05):.5f}"
        )

    def country_bbox(self) -> str:
        # A country view as a map sends it: Viet Nam, give or take a few pixels.
        d = [self.rng.uniform(-0.05, 0.05) for _ in range(4)]
        return _bbox(102 + d[0], 8 + d[1], 110 + d[2], 23.5 + d[3], 3)

    def region_bbox(self) -> str:
        lon, lat = self.rng.choice(DISTRICTS + CITIES)
        lon, lat = lon + self.rng.uniform(-0.5, 0.5), lat + self.rng.uniform(-0.5, 0.5)
        return _bbox(lon - 1.5, lat - 1.5, lon + 1.5, lat + 1.5, 3)

    def facets(self) -> dict:
        statuses = ["valid", "valid,expiring", "expiring", "expired,withdrawn"]
        return {"kind": self.rng.choice(ServiceKind.values), "status": self.rng.choice(statuses)}

    def search(self) -> str:
        """What the search box sends as one types: a query, or its first letters."""
        query = self.rng.choice(SEARCHES + TYPOS)
        return query[: self.rng.randint(min(3, len(query)), len(query))].strip()


def _query(parameters: dict) -> str:
    return urlencode(parameters, safe=",:")


def _paths(inputs: Inputs, n: int) -> dict[str, list[str]]:
    """The paths of each case but the city viewport: n distinct requests each."""

    def clusters(zoom, bbox, filtered):
        def draw():
            query = {"zoom": zoom, "bbox": bbox()}
            return _query(query | (inputs.facets() if filtered else {}))

        return [f"/api/v1/clusters/?{query}" for query in _unique(draw, n)]

    searches = _unique(inputs.search, n)
    return {
        "nearest": [
            f"/api/v1/sites/?{_query({'near': point, 'limit': 10})}"
            for point in _unique(inputs.city_point, n)
        ],
        "search": [f"/api/v1/search/?{_query({'q': q})}" for q in searches],
        "country": clusters(5, inputs.country_bbox, False),
        "country filtered": clusters(5, inputs.country_bbox, True),
        "region": clusters(8, inputs.region_bbox, False),
        "region filtered": clusters(8, inputs.region_bbox, True),
    }


def _city_path(bbox: tuple, properties: str = "") -> str:
    query = {"bbox": _bbox(*bbox), "limit": CITY_LIMIT}
    return f"/api/v1/sites/?{_query(query | ({'properties': properties} if properties else {}))}"


# Growing the registry -------------------------------------------------------------------------

# Copies of the first sites by id (then of all, again, while short): copy k of site i has the
# id i + k * max(id), and its point moved by up to 0.003° (about 300 m), the same for each id.
_COPIES_SQL = """
CREATE TEMP TABLE bench_copies ON COMMIT DROP AS
SELECT s.id AS old_id, top.id * c.k + s.id AS new_id
FROM (SELECT max(id) AS id FROM geodata_site) top,
     generate_series(1, %(rounds)s) c(k),
     (SELECT id, row_number() OVER (ORDER BY id) AS n FROM geodata_site) s
WHERE (c.k - 1) * %(count)s + s.n <= %(missing)s
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
"""
_SEQUENCE_SQL = """
SELECT setval(pg_get_serial_sequence('geodata_site', 'id'), (SELECT max(id) FROM geodata_site))
"""


@transaction.atomic
def grow_registry(target: int) -> int:
    """Copies of existing sites, with their credentials, until the registry holds `target`
    sites; the number of copies."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM geodata_site")
        count = cursor.fetchone()[0]
        missing = max(0, target - count)
        if missing:
            rounds = math.ceil(missing / count)
            params = {"rounds": rounds, "count": count, "missing": missing}
            for sql in (_COPIES_SQL, _COPY_SITES_SQL, _COPY_LINKS_SQL, _SEQUENCE_SQL):
                cursor.execute(sql, params)
    return missing


def _value(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


# Serving --------------------------------------------------------------------------------------


def _database_url() -> str:
    """The URL of the database Django uses now (the bench database, once created)."""
    db = connection.settings_dict
    credentials = quote(db["USER"], safe="") + (
        f":{quote(db['PASSWORD'], safe='')}" * bool(db["PASSWORD"])
    )
    return f"postgis://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Client:
    """One keep-alive HTTP connection, reopened when the server closes it (gunicorn's sync
    workers close it after every response); asks for gzip, as browsers do."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.base_url = f"http://127.0.0.1:{port}"

    def get(self, path: str, headers: dict | None = None) -> tuple[float, int, dict, bytes]:
        """Seconds from sending the request to the last byte of the body, status, headers,
        body (decompressed)."""
        start = time.perf_counter()
        self.connection.request("GET", path, headers={"Accept-Encoding": "gzip"} | (headers or {}))
        response = self.connection.getresponse()
        body = response.read()
        seconds = time.perf_counter() - start
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return seconds, response.status, dict(response.getheaders()), body


@contextmanager
def served():
    """gunicorn serving the current database as scripts/run does (2 sync workers), on a free
    loopback port; a Client to it."""
    port = _free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "map_portal.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 (our own command line)
            command,
            cwd=ROOT,
            env=os.environ | {"DATABASE_URL": _database_url()},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield _answering(server, port, log)
        finally:
            server.terminate()
            server.wait(timeout=60)


def _answering(server, port: int, log) -> Client:
    for _ in range(300):
        if server.poll() is not None:
            break
        try:
            _, status, _, _ = Client(port).get("/api/v1/vocabularies/")
        except OSError:
            time.sleep(0.1)
            continue
        if status == 200:
            return Client(port)
        break
    log.seek(0)
    raise SystemExit("gunicorn did not answer:\n" + log.read().decode(errors="replace")[-3000:])


# Timing ---------------------------------------------------------------------------------------


def _summary(seconds: list[float], target_ms: int | None = None) -> dict:
    cuts = statistics.quantiles([s * 1000 for s in seconds], n=100, method="inclusive")
    figures = {
        "requests": len(seconds),
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
        "requests_per_s": round(len(seconds) / sum(seconds), 1),
    }
    if target_ms:
        figures |= {"target_p95_ms": target_ms, "met": figures["p95_ms"] < target_ms}
    return figures


def _fetch(client: Client, path: str, headers=None, expect=200) -> tuple[float, dict, bytes]:
    seconds, status, response_headers, body = client.get(path, headers)
    if status != expect:
        raise SystemExit(f"GET {path}: {status}, expected {expect}\n{body[:500].decode()}")
    return seconds, response_headers, body


def _case(client: Client, name: str, paths: list[str], target_ms=None, headers=None) -> dict:
    seconds = [_fetch(client, path, headers)[0] for path in paths]
    return {"case": name, "example": paths[0], **_summary(seconds, target_ms)}


class PlainSiteSerializer(GeoFeatureModelSerializer):
    """The list's properties the way drf-gis would serve them without layers.SiteIndex."""

    organisation = serializers.CharField(source="organisation.name_vi")
    province = serializers.CharField(source="province.name")
    commune = serializers.CharField(source="commune.name", default=None)
    website = serializers.CharField(source="organisation.website")
    status = serializers.CharField(allow_null=True)

    class Meta:
        model = Site
        geo_field = "location"
        fields = [
            "id", "name", "organisation", "kinds", "address", "province", "commune", "phone",
            "email", "website", "opening_hours", "status",
        ]  # fmt: skip


def drf_gis_page(bbox: tuple, on) -> bytes:
    """The published sites in bbox, by id, at most CITY_LIMIT, as drf-gis GeoJSON. The units'
    boundaries are deferred: loading them would handicap drf-gis for nothing."""
    window = Polygon.from_bbox(bbox)
    window.srid = 4326
    sites = (
        Site.objects.published()
        .with_status(on)
        .filter(location__bboverlaps=window)
        .select_related("organisation", "province", "commune")
        .defer("province__boundary", "commune__boundary")
        .order_by("id")[:CITY_LIMIT]
    )
    return JSONRenderer().render(PlainSiteSerializer(sites, many=True).data)


def _timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def city_side_by_side(client: Client, bboxes: list[tuple]) -> tuple[dict, dict]:
    """For each viewport in turn: the HTTP response, the bare SQL of the list (site_features,
    execute and fetch, in this process), and drf-gis over the same rows (queryset, serializer,
    JSON). The city case, and the side-by-side figures."""
    today = timezone.localdate()
    http, sql, drf, features, sizes = [], [], [], [], []
    for bbox in bboxes:
        seconds, headers, body = _fetch(client, _city_path(bbox))
        http.append(seconds)
        returned = json.loads(body)["numberReturned"]
        features.append(returned)
        sizes.append(int(headers.get("Content-Length", 0)))
        seconds, page = _timed(
            lambda b=bbox: selectors.site_features(SiteFilter(bbox=b, on=today), CITY_LIMIT)
        )
        sql.append(seconds)
        seconds, rendered = _timed(lambda b=bbox: drf_gis_page(b, today))
        drf.append(seconds)
        if not len(page.features) == len(json.loads(rendered)["features"]) == returned:
            raise SystemExit(f"bbox {bbox}: the three ways disagree on the number of sites.")
    case = {
        "case": "city viewport",
        "example": _city_path(bboxes[0]),
        **_summary(http, TARGETS_MS["city"]),
        "mean_features": round(statistics.mean(features)),
        "mean_gzip_kb": round(statistics.mean(sizes) / 1024),
    }
    side = {
        "viewports": len(bboxes),
        "mean_features": case["mean_features"],
        "bare_sql": _summary(sql),
        "response": _summary(http),
        "drf_gis": _summary(drf),
    }
    ratios = [
        ("response / bare SQL", "response", "bare_sql", "at most 2", lambda r: r <= 2),
        ("drf-gis / response", "drf_gis", "response", "at least 10", lambda r: r >= 10),
    ]
    side["ratios"] = {
        name: {
            "p50": round(side[over]["p50_ms"] / side[under]["p50_ms"], 2),
            "p95": round(side[over]["p95_ms"] / side[under]["p95_ms"], 2),
            "target": target,
            "met": met(side[over]["p50_ms"] / side[under]["p50_ms"]),
        }
        for name, over, under, target, met in ratios
    }
    return case, side


def _first_after_an_edit(client: Client, paths: list[str]) -> dict:
    """The country cells are counted once per registry version: each request here follows a
    change of version, so it counts them afresh."""
    seconds = []
    for path in paths:
        bump_registry_version()
        seconds.append(_fetch(client, path)[0])
    case = "clusters, country view, first request after an edit"
    return {"case": case, "example": paths[0], **_summary(seconds)}


def _repeated(client: Client, path: str, n: int) -> list[dict]:
    """The same request again: the stored body (a 200 from the cache), then with the ETag in
    If-None-Match (a 304)."""
    _, headers, _ = _fetch(client, path)
    stored = [_fetch(client, path)[0] for _ in range(n)]
    tag = {"If-None-Match": headers["ETag"]}
    not_modified = [_fetch(client, path, tag, expect=304)[0] for _ in range(n)]
    return [
        {"case": "city viewport, repeated: stored body", "example": path, **_summary(stored)},
        {
            "case": "city viewport, repeated: If-None-Match, 304",
            "example": path,
            **_summary(not_modified),
        },
    ]


def _search_status(client: Client) -> int:
    return client.get("/api/v1/search/?q=can")[1]


def measure_api(client: Client, n: int, seed: int) -> dict:
    warm = Inputs(seed + 1)
    for path in [_city_path(warm.city_bbox()) for _ in range(WARM_UP)] + [
        path for paths in _paths(warm, WARM_UP).values() for path in paths
    ]:
        client.get(path)
    inputs = Inputs(seed)
    bboxes = _unique(inputs.city_bbox, 3 * n)
    paths = _paths(inputs, n)
    city, side = city_side_by_side(client, bboxes[:n])
    plain = [_city_path(bbox) for bbox in bboxes[n : 2 * n]]
    for_the_map = [_city_path(bbox, MAP_PROPERTIES) for bbox in bboxes[2 * n :]]
    cases = [
        city,
        _case(
            client,
            f"city viewport, as the map asks (properties={MAP_PROPERTIES})",
            for_the_map,
            TARGETS_MS["city"],
        ),
        _case(
            client, "city viewport, without gzip", plain, headers={"Accept-Encoding": "identity"}
        ),
        *_repeated(client, _city_path(bboxes[0]), n),
        _case(client, "nearest 10", paths["nearest"], TARGETS_MS["nearest"]),
    ]
    if (status := _search_status(client)) == 200:
        cases.append(_case(client, "search", paths["search"], TARGETS_MS["search"]))
    else:
        cases.append({"case": "search", "example": paths["search"][0], "missing": status})
    cases += [
        _case(client, "clusters, country view (zoom 5)", paths["country"], TARGETS_MS["country"]),
        _case(
            client,
            "clusters, country view, kind and status",
            paths["country filtered"],
            TARGETS_MS["country"],
        ),
        _first_after_an_edit(client, paths["country"][: n // 10]),
        _case(client, "clusters, region view (zoom 8, 3° x 3°)", paths["region"]),
        _case(client, "clusters, region view, kind and status", paths["region filtered"]),
    ]
    return {"cases": cases, "side_by_side": side}


def refresh_all(name: str) -> dict:
    """The whole index refreshed: with the statement timeout of the application's connections,
    and without one if that cuts it."""
    figures = {}
    try:
        seconds, changed = _timed(refresh_site_index)
    except (OperationalError, QueryCanceled) as error:  # COPY raises psycopg's own error
        if QueryCanceled not in (type(error), type(error.__cause__)):
            raise
        timeout = _value("SHOW statement_timeout")
        figures[f"{name}, as configured"] = f"cut by the statement timeout ({timeout})"
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
            seconds, changed = _timed(refresh_site_index)
            cursor.execute("RESET statement_timeout")
        name += " without a statement timeout"
    figures[f"{name} (s)"] = round(seconds, 1)
    figures[f"{name}: rows written"] = changed
    return figures


def measure_layers(
    target: int = TARGET_SITES, requests: int = REQUESTS, seed: int = SEED, while_served=None
) -> dict:
    """The registry grown to `target` sites, indexed, then served and measured; then, if given,
    while_served(the server's base URL) measures more against the same server."""
    figures = {}
    seconds, copies = _timed(lambda: grow_registry(target))
    figures[
        f"registry grown to {target} sites in SQL: copies of sites with their credentials (s)"
    ] = round(seconds, 1)
    figures["sites copied"] = copies
    figures |= refresh_all(f"refresh_site_index() of all {target} sites")
    seconds, _ = _timed(lambda: connection.cursor().execute("ANALYZE"))
    figures["ANALYZE after it (s)"] = round(seconds, 1)
    figures["published sites in the index"] = _value(
        "SELECT count(*) FROM layers_siteindex WHERE published"
    )
    figures["load average (1 min) before serving"] = round(os.getloadavg()[0], 2)
    with served() as client:
        api = measure_api(client, requests, seed)
        figures["load average (1 min) after the requests"] = round(os.getloadavg()[0], 2)
        if while_served:
            while_served(client.base_url)
    return {"sites": target, "figures": figures, **api}


# The report -----------------------------------------------------------------------------------


def _ms(figures: dict) -> str:
    return " | ".join(str(figures[cut]) for cut in ("p50_ms", "p95_ms", "p99_ms", "requests_per_s"))


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def _target(case: dict) -> str:
    if "target_p95_ms" not in case:
        return ""
    return f"p95 < {case['target_p95_ms']} ms: {verdict(case['met'])}"


def markdown(layers: dict, command: str) -> str:
    """The sections of docs/PERFORMANCE.md on the layers API."""
    sites, side = layers["sites"], layers["side_by_side"]
    growth = "\n".join(f"| {name} | {value} |" for name, value in layers["figures"].items())
    endpoints = "\n".join(
        f"| {case['case']} | `{case['example']}` | "
        + (
            f"not measured: HTTP {case['missing']} | | | | |"
            if "missing" in case
            else f"{_ms(case)} | {_target(case)} |"
        )
        for case in layers["cases"]
    )
    city = next(case for case in layers["cases"] if case["case"] == "city viewport")
    rows = [
        (
            "bare SQL: layers.selectors.site_features, execute and fetch, in-process",
            side["bare_sql"],
        ),
        ("the HTTP response of /api/v1/sites/ (gunicorn, gzip)", side["response"]),
        (
            "drf-gis GeoFeatureModelSerializer: queryset, serializer.data, JSON, in-process",
            side["drf_gis"],
        ),
    ]
    compared = "\n".join(f"| {name} | {_ms(figures)} |" for name, figures in rows)
    ratios = "\n".join(
        f"| {name} | {r['p50']} | {r['p95']} | {r['target']}: {verdict(r['met'])} |"
        for name, r in side["ratios"].items()
    )
    return f"""
## The layers API with {sites:,} sites

Measured by `{command}` (scripts/bench_layers.py), after the figures above, in the same bench
database: the registry grown to {sites:,} sites inside PostgreSQL (copies of the sites with their
credential links, each point moved by up to 0.003°, about 300 m), the whole index refreshed, then
the application served by gunicorn as `scripts/run` does (2 sync workers, DEBUG off) on a
loopback port, and driven by one client, one request after another, over http.client (gunicorn's
sync workers close the connection after each response, so each request opens a new loopback
connection, as a browser's first request does). Each case is {city["requests"]} distinct
requests drawn with a fixed seed after {WARM_UP} warm-up requests, so the response cache
(layers.caching) never answers: these are cold-path times, from sending the request to the last
byte of the body, gzipped as a browser asks. Only the "repeated" cases send one request again on
purpose. Up to zoom 10, clusters read the country's cells, counted once per registry version,
filter set and day and kept in the cache (layers.clusters): panning costs no count, and "first
request after an edit" shows the count made afresh each time. The machine has
{os.cpu_count()} cores shared with other work (the load average is below): the p99 column is
the noisiest.

| measure | figure |
| --- | --- |
{growth}

City viewports are 0.15° x 0.12° windows (about 16 x 13 km) around dense districts of Hà Nội
and TP Hồ Chí Minh, `limit={CITY_LIMIT}`: {city["mean_features"]} sites on average per
response, {city["mean_gzip_kb"]} kB gzipped. Nearest-10 points are drawn around the districts and
six other cities; searches from {len(SEARCHES) + len(TYPOS)} realistic queries (with and without
diacritics, standards, places, organisation names with a typo) and their first letters as
typed; clusters
for a country view (Viet Nam's bbox, give or take 0.05°) and a 3° x 3° region view, without and
with a random kind and status filter.

| endpoint | example | p50 (ms) | p95 (ms) | p99 (ms) | req/s (one client) | target (issue 4) |
| --- | --- | --- | --- | --- | --- | --- |
{endpoints}

### A list response, its bare SQL and drf-gis side by side

Measured by `{command}`: the same {side["viewports"]} city viewports ({side["mean_features"]}
sites each on average), each in turn three ways in the same run; the three agree on the number
of sites for every viewport. drf-gis serialises `Site.objects.published().with_status(today)`
in the bbox, by id, with `select_related("organisation", "province", "commune")` (the units'
boundaries deferred) and the list's properties (name, organisation, kinds, address, province,
commune, phone, email, website, opening hours, status).

| way | p50 (ms) | p95 (ms) | p99 (ms) | per second |
| --- | --- | --- | --- | --- |
{compared}

| ratio | p50 | p95 | target (issue 4), at the median |
| --- | --- | --- | --- |
{ratios}

The drf-gis time is taken in-process (no HTTP, no gzip), the response's over HTTP with gzip, so
"drf-gis / response" understates the gap; against the response without gzip (the table above)
it is the drf-gis median over that case's median.
"""
