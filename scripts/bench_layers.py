"""The public API under load at national scale, for `make bench` (scripts/bench.py): at each
scale (the registry grown inside PostgreSQL by scripts/bench_scale.py), the application served
by gunicorn as scripts/run serves it, with Redis as its cache, and for each endpoint of issue 9:

- cold: distinct requests, each sent once by one client after the cache was emptied, each
  followed in the same run by the bare SQL it runs (captured in-process, executed and fetched
  again) and, for the lists, by a plain drf-gis GeoFeatureModelSerializer over the same rows;
- warm: a mix of those requests, already answered once so their bodies are stored, driven by
  wrk at a fixed concurrency (scripts/bench_wrk.py);
- for the city viewport, also cold under that concurrency: wrk over more distinct viewports
  than it can request in the time given."""

import gzip
import http.client
import math
import os
import random
import shlex
import socket
import statistics
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import bench_scale
import bench_wrk
import redis
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.test import Client as InProcessClient
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from geodata.models import ServiceKind, Site

ROOT = Path(__file__).resolve().parent.parent
SCALES = (100_000, 1_000_000)
REQUESTS = 100  # cold requests per case and scale
WARM_PATHS = 50  # the warm mix: the first cold requests of the case, cycled
COLD_CITY_PATHS = 30_000  # distinct viewports for the city viewport cold under concurrency
SEED = 4
WARM_UP = 10  # requests per case before timing: every worker connected, code and pages warm
CITY_LIMIT = 500
ISSUE_4_CITY_LIMIT = 2000
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14")
UNTHROTTLED = "1000000/min"  # the bench's one address sends thousands of requests a minute
# Issue 9, at 1,000,000 sites: p95 (ms).
TARGETS_MS = {
    "city": 20,
    "nearest": 12,
    "search": 30,
    "country": 50,
    "tile sites": 30,
    "tile communes": 30,
    "tile provinces": 30,
}
CACHED_TILE_TARGET_MS = 5
CITY_TARGET_RATE = 1500
RESPONSE_OVER_SQL = 1.5  # a list response within 1.5 times its bare SQL
DRF_OVER_RESPONSE = 20  # and at least 20 times faster than plain drf-gis


@dataclass(frozen=True)
class Targets:
    """An issue's p95 targets for some cases, at a scale, and its ratios for the lists."""

    issue: str
    p95_ms: tuple  # (case key, what, target ms)
    lists: tuple  # case keys of the lists
    over_sql: float  # a list response within this many times its bare SQL
    drf_over_response: float  # plain drf-gis at least this many times slower


ISSUE_4 = Targets(
    "Issue 4",
    (
        ("city 2000", f"city viewport, up to {ISSUE_4_CITY_LIMIT:,} sites, GeoJSON (cold)", 50),
        ("nearest", "nearest 10 (cold, with a kind filter)", 15),
        ("search", "search suggestions (cold)", 40),
        ("country all", "country view clusters (cold)", 60),
    ),
    ("city 2000",),
    2,
    10,
)
ISSUE_4_SITES = 100_000
ISSUE_9 = Targets(
    "Issue 9",
    (
        ("city", f"city viewport, up to {CITY_LIMIT} sites, GeoJSON (cold)", TARGETS_MS["city"]),
        ("nearest", "nearest 10 with a kind filter (cold)", TARGETS_MS["nearest"]),
        ("search", "search suggestions (cold)", TARGETS_MS["search"]),
        ("country", "country view clusters with kind and status (cold)", TARGETS_MS["country"]),
        ("tile sites", "a vector tile of sites, uncached", TARGETS_MS["tile sites"]),
    ),
    ("city", "nearest"),
    RESPONSE_OVER_SQL,
    DRF_OVER_RESPONSE,
)

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

    def facets(self) -> dict:
        statuses = ["valid", "valid,expiring", "expiring", "expired,withdrawn"]
        return {"kind": self.rng.choice(ServiceKind.values), "status": self.rng.choice(statuses)}

    def search(self) -> str:
        """What the search box sends as one types: a query, or its first letters."""
        query = self.rng.choice(SEARCHES + TYPOS)
        return query[: self.rng.randint(min(3, len(query)), len(query))].strip()


def _query(parameters: dict) -> str:
    return urlencode(parameters, safe=",:")


def _tile(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


@dataclass
class Case:
    key: str
    name: str
    paths: list[str]
    target_ms: int | None = None
    drf: list = field(default_factory=list)  # per path: a function rendering it with drf-gis


def _city_path(bbox: tuple, limit: int = CITY_LIMIT) -> str:
    return f"/api/v1/sites/?{_query({'bbox': _bbox(*bbox), 'limit': limit})}"


def city_paths(inputs: Inputs, n: int) -> list[str]:
    return [_city_path(bbox) for bbox in _unique(inputs.city_bbox, n)]


def _tiles(inputs: Inputs, layer: str, zoom: int, n: int) -> list[str]:
    def draw():
        lon, lat = inputs.rng.choice(DISTRICTS + CITIES)
        x, y = _tile(lon, lat, zoom)
        spread = max(1, 2 ** (zoom - 9))
        return x + inputs.rng.randint(-spread, spread), y + inputs.rng.randint(-spread, spread)

    return [f"/tiles/{layer}/{zoom}/{x}/{y}.mvt" for x, y in _unique(draw, n)]


def cases(inputs: Inputs, n: int, today) -> list[Case]:
    """The cases of issue 9, n distinct requests each (fewer for the tiles of a zoom level that
    has fewer around the cities)."""
    bboxes = _unique(inputs.city_bbox, n)
    near = [(inputs.city_point(), inputs.rng.choice(ServiceKind.values)) for _ in range(n)]
    near_query = [{"near": point, "kind": kind, "limit": 10} for point, kind in near]

    def clusters(filtered):
        def draw():
            query = {"zoom": 5, "bbox": inputs.country_bbox()}
            return _query(query | (inputs.facets() if filtered else {}))

        return [f"/api/v1/clusters/?{query}" for query in _unique(draw, n)]

    return [
        Case(
            "city",
            f"city viewport, up to {CITY_LIMIT} sites, GeoJSON",
            [_city_path(bbox) for bbox in bboxes],
            TARGETS_MS["city"],
            [lambda b=bbox: drf_gis_page(b, today) for bbox in bboxes],
        ),
        Case(
            "city 2000",
            f"city viewport, up to {ISSUE_4_CITY_LIMIT:,} sites (issue 4), GeoJSON",
            [_city_path(bbox, ISSUE_4_CITY_LIMIT) for bbox in bboxes],
            drf=[lambda b=bbox: drf_gis_page(b, today, ISSUE_4_CITY_LIMIT) for bbox in bboxes],
        ),
        Case(
            "nearest",
            "nearest 10 with a kind filter",
            [f"/api/v1/sites/?{_query(query)}" for query in near_query],
            TARGETS_MS["nearest"],
            [lambda p=point, k=kind: drf_gis_nearest(p, k, today) for point, kind in near],
        ),
        Case(
            "search",
            "search suggestions",
            [f"/api/v1/search/?{_query({'q': q})}" for q in _unique(inputs.search, n)],
            TARGETS_MS["search"],
        ),
        Case("country all", "country view clusters (zoom 5), no filter", clusters(False)),
        Case(
            "country",
            "country view clusters (zoom 5), kind and status",
            clusters(True),
            TARGETS_MS["country"],
        ),
        Case(
            "tile sites",
            "vector tile, sites (zoom 13)",
            _tiles(inputs, "sites", 13, n),
            TARGETS_MS["tile sites"],
        ),
        Case(
            "tile communes",
            "vector tile, commune boundaries (zoom 10)",
            _tiles(inputs, "communes", 10, min(n, 60)),
            TARGETS_MS["tile communes"],
        ),
        Case(
            "tile provinces",
            "vector tile, province boundaries (zoom 7)",
            _tiles(inputs, "provinces", 7, min(n, 12)),
            TARGETS_MS["tile provinces"],
        ),
        Case(
            "detail",
            "site detail",
            [f"/api/v1/sites/{pk}/" for pk in _published_ids(n)],
        ),
    ]


def _published_ids(n: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT site_id FROM layers_siteindex WHERE published"
            " ORDER BY md5(site_id::text) LIMIT %s",
            [n],
        )
        return [pk for (pk,) in cursor.fetchall()]


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


def gunicorn_options() -> list[str]:
    """The options scripts/run gives gunicorn, but where it listens and its access log."""
    text = (ROOT / "scripts" / "run").read_text(encoding="utf-8").replace("\\\n", " ")
    line = next(line for line in text.splitlines() if "bin/gunicorn" in line)
    words = shlex.split(line, comments=True)
    words = words[words.index("map_portal.wsgi") + 1 :]
    options = []
    while words:
        option = words.pop(0)
        value = words.pop(0) if words and not words[0].startswith("--") else None
        if option not in ("--bind", "-b", "--access-logfile"):
            options += [option] + ([value] if value is not None else [])
    return options


def flush_cache() -> None:
    """The bench server's cache (its own Redis database) emptied."""
    redis.Redis.from_url(CACHE_URL).flushdb()


@contextmanager
def served():
    """gunicorn serving the current database as scripts/run does, with Redis (CACHE_URL, a
    database of the bench's own) as its cache and the API's rate limit lifted for the bench's
    one address, on a free loopback port; a Client to it."""
    port = _free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "map_portal.wsgi",
        "--bind", f"127.0.0.1:{port}", *gunicorn_options(),
    ]  # fmt: skip
    environment = {
        "DATABASE_URL": _database_url(),
        "CACHE_URL": CACHE_URL,
        "API_RATE_LIMIT": UNTHROTTLED,
    }
    flush_cache()
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 (our own command line)
            command, cwd=ROOT, env=os.environ | environment, stdout=log, stderr=subprocess.STDOUT
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


def _timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


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


def _plain_sites(on):
    """The published sites with their status on a day, as drf-gis would read them. The units'
    boundaries are deferred: loading them would handicap drf-gis for nothing."""
    return (
        Site.objects.published()
        .with_status(on)
        .select_related("organisation", "province", "commune")
        .defer("province__boundary", "commune__boundary")
    )


def _rendered(sites) -> bytes:
    return JSONRenderer().render(PlainSiteSerializer(sites, many=True).data)


def drf_gis_page(bbox: tuple, on, limit: int = CITY_LIMIT) -> bytes:
    """The published sites in bbox, by id, at most `limit`, as drf-gis GeoJSON."""
    window = Polygon.from_bbox(bbox)
    window.srid = 4326
    sites = _plain_sites(on).filter(location__bboverlaps=window).order_by("id")[:limit]
    return _rendered(sites)


def drf_gis_nearest(point: str, kind: str, on) -> bytes:
    """The 10 published sites of a kind nearest to "lon,lat", as drf-gis GeoJSON."""
    here = Point(*map(float, point.split(",")), srid=4326)
    sites = (
        _plain_sites(on)
        .filter(kinds__contains=[kind])
        .annotate(distance=Distance("location", here))
        .order_by("distance", "id")[:10]
    )
    return _rendered(sites)


_IN_PROCESS = InProcessClient(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip")
_NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def statements(path: str) -> list[str]:
    """The SQL reads that serve `path` with nothing cached, captured in-process."""
    # Django keeps the last 9,000 queries; once that many, a capture would see none.
    connection.queries_log.clear()
    with override_settings(CACHES=_NO_CACHE), CaptureQueriesContext(connection) as captured:
        response = _IN_PROCESS.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    if response.status_code not in OK:
        raise SystemExit(f"GET {path} in-process: {response.status_code}")
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]


def bare_sql(sqls: list[str]) -> float:
    """Seconds to execute and fetch these statements, in this process."""
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in sqls:
            cursor.execute(sql)
            cursor.fetchall()
    return time.perf_counter() - start


OK = (200, 204)  # 204: a tile with nothing in it


def _fetch(client: Client, path: str, headers=None, expect=OK) -> tuple[float, dict, bytes]:
    seconds, status, response_headers, body = client.get(path, headers)
    if status not in expect:
        raise SystemExit(f"GET {path}: {status}, expected {expect}\n{body[:500].decode()}")
    return seconds, response_headers, body


def _ratio(over: dict, under: dict) -> dict:
    return {
        cut: round(over[f"{cut}_ms"] / under[f"{cut}_ms"], 2) if under[f"{cut}_ms"] else None
        for cut in ("p50", "p95")
    }


def cold(client: Client, case: Case) -> dict:
    """Each path once, the cache emptied first; after each response, its SQL reads executed
    again in-process and, for a list, drf-gis over the same rows."""
    flush_cache()
    http, sql, drf, sizes, counts = [], [], [], [], []
    for n, path in enumerate(case.paths):
        seconds, headers, body = _fetch(client, path)
        http.append(seconds)
        sizes.append(int(headers.get("Content-Length", len(body))))
        reads = statements(path)
        counts.append(len(reads))
        sql.append(bare_sql(reads))
        if case.drf:
            drf.append(_timed(case.drf[n])[0])
    figures = {
        "case": case.name,
        "example": case.paths[0],
        "response": _summary(http, case.target_ms),
        "bare_sql": _summary(sql),
        "sql_statements": round(statistics.mean(counts), 1),
        "mean_kb": round(statistics.mean(sizes) / 1024, 1),
    }
    figures["response_over_sql"] = _ratio(figures["response"], figures["bare_sql"])
    if drf:
        figures["drf_gis"] = _summary(drf)
        figures["drf_gis_over_response"] = _ratio(figures["drf_gis"], figures["response"])
    return figures


def _answers(client: Client, path: str) -> int:
    return client.get(path)[1]


def measure_cases(client: Client, n: int, seed: int, wrk_seconds: int) -> list[dict]:
    """Every case cold, then warm under wrk; a case whose endpoint is missing (a 404 from this
    tree) is named with the status it got."""
    today = timezone.localdate()
    for case in cases(Inputs(seed + 1), WARM_UP, today):
        for path in case.paths:
            client.get(path)
    results = []
    for case in cases(Inputs(seed), n, today):
        if (status := _answers(client, case.paths[-1])) not in OK:
            results.append({"case": case.name, "example": case.paths[0], "missing": status})
            continue
        figures = {"key": case.key} | cold(client, case)
        figures["warm"] = bench_wrk.run(client.base_url, case.paths[:WARM_PATHS], wrk_seconds)
        results.append(figures)
    return results


def cold_under_load(client: Client, seed: int, wrk_seconds: int) -> dict:
    """City viewports under wrk's concurrency, none requested twice (unless `wrapped`)."""
    flush_cache()
    paths = city_paths(Inputs(seed + 2), COLD_CITY_PATHS)
    return {"case": f"city viewport, cold, {bench_wrk.CONNECTIONS} connections"} | bench_wrk.run(
        client.base_url, paths, wrk_seconds
    )


def measure_scale(
    registry: bench_scale.Registry,
    sites: int,
    requests: int = REQUESTS,
    wrk_seconds: int = bench_wrk.SECONDS,
    seed: int = SEED,
    while_served=None,
) -> dict:
    """The registry grown to `sites`, then served and measured; then, if given,
    while_served(the server's base URL) measures more against the same server."""
    figures = bench_scale.grow(registry, sites)
    figures["load average (1 min) before serving"] = round(os.getloadavg()[0], 2)
    with served() as client:
        results = measure_cases(client, requests, seed, wrk_seconds)
        under_load = cold_under_load(client, seed, wrk_seconds)
        figures["load average (1 min) after the requests"] = round(os.getloadavg()[0], 2)
        if while_served:
            while_served(client.base_url)
    return {"sites": sites, "generation": figures, "cases": results, "city_cold_wrk": under_load}


def measure(
    scales=SCALES, requests=REQUESTS, wrk_seconds=bench_wrk.SECONDS, while_served=None
) -> dict:
    """Every scale in turn, the largest last; while_served runs against the largest."""
    registry = bench_scale.Registry()
    ordered = sorted(scales)
    return {
        "requests": requests,
        "wrk": bench_wrk.command("http://127.0.0.1:<port>", wrk_seconds),
        "gunicorn": " ".join(["gunicorn", "map_portal.wsgi", *gunicorn_options()]),
        "scales": [
            measure_scale(
                registry,
                sites,
                requests,
                wrk_seconds,
                while_served=while_served if sites == ordered[-1] else None,
            )
            for sites in ordered
        ],
    }


# The report -----------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def judged(measured: float | None, target: float, at_most: bool = True) -> str:
    """met, or missed and by how much."""
    if measured is None:
        return "not measured"
    if measured <= target if at_most else measured >= target:
        return "met"
    return f"**missed** by {abs(measured - target):.1f} ({measured / target:.2f}× the target)"


def _cuts(figures: dict) -> str:
    return " / ".join(str(figures[f"{cut}_ms"]) for cut in ("p50", "p95", "p99"))


def _cold_row(case: dict) -> str:
    if "missing" in case:
        return f"| {case['case']} | `{case['example']}` | not served here: HTTP {case['missing']} |"
    response, sql = case["response"], case["bare_sql"]
    cells = [
        case["case"],
        f"`{case['example']}`",
        _cuts(response),
        str(response["requests_per_s"]),
        f"{_cuts(sql)} ({case['sql_statements']})",
        " / ".join(map(str, case["response_over_sql"].values())),
    ]
    if "drf_gis" in case:
        cells += [
            _cuts(case["drf_gis"]),
            " / ".join(map(str, case["drf_gis_over_response"].values())),
        ]
    else:
        cells += ["", ""]
    return "| " + " | ".join(cells) + " |"


def _warm_row(case: dict) -> str:
    if "missing" in case:
        return f"| {case['case']} | not served here: HTTP {case['missing']} | | | | |"
    warm = case["warm"]
    return (
        f"| {case['case']} | {_cuts(warm)} | {warm['requests_per_s']} | {warm['requests']} |"
        f" {warm['distinct_paths']} | {warm['errors']} |"
    )


COLD_HEADER = (
    "| endpoint | example | response | req/s | bare SQL (statements) | response / SQL p50 / p95"
    " | drf-gis | drf-gis / response p50 / p95 |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
)
WRAPPED = {True: "some viewports were requested twice (the list wrapped)", False: "none twice"}


def scale_markdown(scale: dict, layers: dict, command: str) -> str:
    sites = scale["sites"]
    generation = "\n".join(f"| {name} | {value} |" for name, value in scale["generation"].items())
    under_load = scale["city_cold_wrk"]
    return f"""
## The public API at {sites:,} sites

Measured by `{command}` (scripts/bench_layers.py, scripts/bench_scale.py,
scripts/bench_wrk.py). The registry grown to {sites:,} sites inside PostgreSQL, then served by
`{layers["gunicorn"]}` (the options of scripts/run) with Redis as its cache.

| generation step | figure |
| --- | --- |
{generation}

**Cold**, one client (http.client, one request after another): {layers["requests"]} distinct
requests per case (fewer tiles where the cities have fewer), drawn with a fixed seed, after
{WARM_UP} warm-up requests and with the cache emptied first, so no stored body answers (cluster
cells and other data the application keeps per registry version may be reused by the next
request of a case, as in production). After each response, in this process: the SQL reads that
request runs with no cache at all (captured through Django's test client, then executed and
fetched again; their number in brackets) and, for the lists, plain drf-gis over the same rows.
Times in ms, p50 / p95 / p99.

{COLD_HEADER}
{chr(10).join(_cold_row(case) for case in scale["cases"])}

**Warm**, `{layers["wrk"]}`: the first {WARM_PATHS} requests of each cold case (their bodies
stored by the cold pass) cycled by {bench_wrk.THREADS} threads over {bench_wrk.CONNECTIONS}
keep-alive connections, gzip asked. Times in ms.

| endpoint | p50 / p95 / p99 | req/s | requests | distinct paths | errors |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(_warm_row(case) for case in scale["cases"])}

**City viewport, cold under load**: the same wrk over {under_load["distinct_paths"]:,} distinct
viewports, the cache emptied first: {_cuts(under_load)} ms, {under_load["requests_per_s"]}
requests/s, {under_load["requests"]:,} requests, {under_load["errors"]} errors;
{WRAPPED[under_load["wrapped"]]}.
"""


def _case_of(scale: dict, key: str) -> dict | None:
    return next((c for c in scale["cases"] if c.get("key") == key), None)


def _p95(case: dict | None, part: str = "response") -> float | None:
    return case[part]["p95_ms"] if case else None


def _p95_rows(scale: dict, spec: Targets) -> list[tuple[str, str, str, str]]:
    rows = []
    for key, name, target in spec.p95_ms:
        measured = _p95(_case_of(scale, key))
        rows.append((name, f"p95 {target} ms", _shown(measured, "ms"), judged(measured, target)))
    return rows


def _ratio_rows(scale: dict, spec: Targets) -> list[tuple[str, str, str, str]]:
    """Each list's response over its bare SQL and drf-gis over the response, at the median."""
    rows = []
    for key in spec.lists:
        case = _case_of(scale, key)
        over_sql = case["response_over_sql"]["p50"] if case else None
        over_response = case["drf_gis_over_response"]["p50"] if case else None
        rows.append(
            (
                f"{key}: response / bare SQL, at the median",
                f"≤ {spec.over_sql}",
                _shown(over_sql, "×"),
                judged(over_sql, spec.over_sql),
            )
        )
        rows.append(
            (
                f"{key}: drf-gis / response, at the median",
                f"≥ {spec.drf_over_response}",
                _shown(over_response, "×"),
                judged(over_response, spec.drf_over_response, at_most=False),
            )
        )
    return rows


def issue_4_targets(scale: dict) -> list[tuple[str, str, str, str]]:
    """The rows of issue 4's table (at 100,000 sites): what, target, measured, verdict."""
    return _p95_rows(scale, ISSUE_4) + _ratio_rows(scale, ISSUE_4)


def targets(layers: dict, certificates: dict, browser: dict) -> list[tuple[str, str, str, str]]:
    """The rows of issue 9's table at the largest scale: what, target, measured, verdict."""
    scale = layers["scales"][-1]
    rows = _p95_rows(scale, ISSUE_9)
    tile = _case_of(scale, "tile sites")
    measured = tile["warm"]["p95_ms"] if tile else None
    rows.append(
        (
            "a vector tile of sites, cached (wrk)",
            f"p95 {CACHED_TILE_TARGET_MS} ms",
            _shown(measured, "ms"),
            judged(measured, CACHED_TILE_TARGET_MS),
        )
    )
    city = _case_of(scale, "city")
    for name, rate in [
        ("city viewport, requests/s cold under load (wrk)", scale["city_cold_wrk"]),
        ("city viewport, requests/s warm (wrk)", city["warm"] if city else None),
    ]:
        measured = rate["requests_per_s"] if rate else None
        rows.append(
            (
                name,
                f"≥ {CITY_TARGET_RATE} req/s",
                _shown(measured, "req/s"),
                judged(measured, CITY_TARGET_RATE, at_most=False),
            )
        )
    rows.append(_certificate_row(certificates))
    rows.append(_panning_row(browser))
    return rows + _ratio_rows(scale, ISSUE_9)


def _shown(value, unit: str) -> str:
    return "not measured" if value is None else f"{value} {unit}"


def _certificate_row(certificates: dict) -> tuple[str, str, str, str]:
    over_http = next(
        (c for c in certificates.get("cases", []) if c["case"].startswith("GET")), None
    )
    measured = over_http["p95_ms"] if over_http else None
    count = certificates.get("figures", {}).get("certificates")
    return (
        f"certificate verification at {f'{count:,}' if count else '12 million'} certificates",
        "p95 8 ms",
        _shown(measured, "ms"),
        judged(measured, 8),
    )


def _panning_row(browser: dict) -> tuple[str, str, str, str]:
    panning = browser.get("targets", {}).get("panning_long_tasks")
    measured = panning["longest_ms"] if panning else None
    target = panning["target_ms"] if panning else 50
    return (
        "map: longest main-thread task while panning",
        f"none over {target} ms",
        _shown(measured, "ms"),
        judged(measured, target),
    )


def _targets_table(rows: list[tuple[str, str, str, str]]) -> str:
    lines = "\n".join(
        f"| {what} | {target} | {measured} | {met} |" for what, target, measured, met in rows
    )
    return f"| what | target | measured | verdict |\n| --- | --- | --- | --- |\n{lines}\n"


def targets_markdown(layers: dict, certificates: dict, browser: dict, command: str) -> str:
    sites = layers["scales"][-1]["sites"]
    text = f"""
## Issue 9's targets at {sites:,} sites

Measured by `{command}`: the figures of the sections below (the certificates' and the browser's
name the command they come from). Cold figures are the one-client distinct requests with the
cache emptied; "cached" and "warm" are wrk over stored bodies at {bench_wrk.CONNECTIONS}
connections. The ratios compare medians measured in the same run (the drf-gis time is taken
in-process, without HTTP or gzip, so it understates the gap).

{_targets_table(targets(layers, certificates, browser))}"""
    scale = next((s for s in layers["scales"] if s["sites"] == ISSUE_4_SITES), None)
    if scale:
        text += f"""
## Issue 4's targets at {ISSUE_4_SITES:,} sites

Measured by `{command}`, in the same way, at {ISSUE_4_SITES:,} sites (the section below).

{_targets_table(issue_4_targets(scale))}"""
    return text


def markdown(layers: dict, command: str) -> str:
    return "".join(scale_markdown(scale, layers, command) for scale in layers["scales"])
