"""The soak test (make soak, scripts/soak): gunicorn serves the application on loopback against
a database with the demo data while a fixed mix of map requests (sites in a viewport, nearest,
search, clusters, site detail, vector tiles) runs at a fixed concurrency for minutes; every
worker's resident memory is sampled every few seconds. It passes when every answer is a 2xx or
a 304 and memory is flat: the mean of the workers' total RSS over the last quarter of the run is
within 10 % + 8 MB of its mean over the second quarter (the first quarter is the warm-up:
imports, caches, connections). Writes docs/soak.json.

The database is `<DATABASE_URL's name>_soak`, created and filled (load_reference_data,
load_demo) the first time and kept between runs."""

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SECONDS = 3
GROWTH_RATIO, GROWTH_MB = 0.10, 8
SEARCHES = ["kiểm định", "đo lường", "thử nghiệm", "Hà Nội", "cân", "công tơ", "ISO 17025"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "soak.json")
    arguments = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "map_portal.settings")
    import django

    django.setup()
    database_url = prepare_database()
    result = soak(database_url, arguments.minutes * 60, arguments.concurrency)
    report(result, arguments.output)
    sys.exit(0 if result["passed"] else 1)


def prepare_database() -> str:
    """The soak database, created, migrated and filled when missing; its URL. Django's
    connection is switched to it."""
    from django.core.management import call_command
    from django.db import connection

    from geodata.models import AdministrativeUnit

    connection.settings_dict["TEST"]["NAME"] = connection.settings_dict["NAME"] + "_soak"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    if not AdministrativeUnit.objects.exists():
        call_command("load_reference_data", verbosity=0)
    call_command("load_demo", "--if-empty", verbosity=0)
    return database_url()


def database_url() -> str:
    """The URL of the database Django's connection uses."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgis://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def request_mix(seed: int = 9, count: int = 400) -> list[str]:
    """Paths around published sites of the current database, in a fixed shuffled order."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT site_id, ST_X(location), ST_Y(location) FROM layers_siteindex
               WHERE published ORDER BY site_id"""
        )
        sites = cursor.fetchall()
    if not sites:
        raise SystemExit("No published site in the database: nothing to request.")
    rng = random.Random(seed)  # noqa: S311 (a fixed mix, not a secret)
    paths = []
    for _ in range(count // 8):
        site_id, lon, lat = rng.choice(sites)
        box = f"{lon - 0.05:.4f},{lat - 0.05:.4f},{lon + 0.05:.4f},{lat + 0.05:.4f}"
        x, y = tile(lon, lat, 13)
        paths += [
            "/api/v1/sites/?" + urlencode({"bbox": box, "limit": 200}),
            "/api/v1/sites/?" + urlencode({"near": f"{lon:.4f},{lat:.4f}", "limit": 10}),
            "/api/v1/search/?" + urlencode({"q": rng.choice(SEARCHES)}),
            "/api/v1/clusters/?" + urlencode({"zoom": 5, "bbox": "102,8,110,24"}),
            "/api/v1/clusters/?" + urlencode({"zoom": 9, "bbox": box}),
            f"/api/v1/sites/{site_id}/",
            f"/tiles/sites/13/{x}/{y}.mvt",
            "/api/v1/vocabularies/",
        ]
    rng.shuffle(paths)
    return paths


def tile(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    import math

    n = 2**zoom
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2
    return int((lon + 180) / 360 * n), int(y * n)


def soak(database_url: str, seconds: float, concurrency: int, workers: int = 2) -> dict:
    """Serves the database, drives the mix for `seconds`, samples the workers' memory."""
    paths = request_mix()
    with served(database_url, workers) as (port, master):
        statuses, samples = drive(port, master, paths, seconds, concurrency)
    return verdict(statuses, samples, seconds, concurrency, workers)


@contextmanager
def served(database_url: str, workers: int):
    """gunicorn on a free loopback port, production-like (DEBUG off); (port, process)."""
    environ = os.environ | {
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "soak-" + "x" * 45,
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_RATE_LIMIT": "",  # one address makes all the requests
        "CACHE_URL": "locmemcache://",  # each worker's own, bounded (300 entries)
    }
    with gunicorn(environ, workers) as port_and_process:
        yield port_and_process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(environ: dict, workers: int):
    """gunicorn serving the application with `environ` on a free loopback port, until it answers;
    (port, process). Also the servers of tests/scale."""
    port = free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "map_portal.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=log, stderr=log)  # noqa: S603
        try:
            answering(server, port, log)
            yield port, server
        finally:
            server.terminate()
            server.wait(timeout=60)


def answering(server, port: int, log):
    for _ in range(1200):
        if server.poll() is not None:
            break
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", "/api/v1/vocabularies/")
            if connection.getresponse().status == 200:
                return
            break
        except OSError:
            time.sleep(0.1)
    log.seek(0)
    raise SystemExit("gunicorn did not answer:\n" + log.read().decode(errors="replace")[-3000:])


def drive(port: int, master, paths: list[str], seconds: float, concurrency: int):
    """`concurrency` clients walking the paths in turn until `seconds` are over; the count of
    each status, and (elapsed seconds, total RSS in MB of the workers) every SAMPLE_SECONDS."""
    statuses = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for index in range(offset, 10**9, concurrency):
            if time.monotonic() >= deadline:
                return
            try:
                connection.request("GET", paths[index % len(paths)])
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError as error:
                status = type(error).__name__
                connection.close()
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    started, samples = time.monotonic(), []
    while any(thread.is_alive() for thread in threads):
        rss = sum(rss_mb(pid) for pid in worker_pids(master.pid))
        samples.append((round(time.monotonic() - started, 1), round(rss, 1)))
        time.sleep(SAMPLE_SECONDS)
    for thread in threads:
        thread.join()
    return statuses, samples


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:  # a worker that was just replaced
        return 0.0
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def verdict(statuses: Counter, samples: list, seconds: float, concurrency: int, workers: int):
    def quarter_mean(quarter: int) -> float:
        chosen = [rss for at, rss in samples if quarter <= 4 * at / seconds < quarter + 1]
        return round(statistics.mean(chosen), 1) if chosen else 0.0

    second, last = quarter_mean(1), quarter_mean(3)
    bad = {str(status): n for status, n in statuses.items() if status not in (200, 304)}
    flat = bool(second) and last <= second * (1 + GROWTH_RATIO) + GROWTH_MB
    return {
        "seconds": seconds,
        "concurrency": concurrency,
        "workers": workers,
        "requests": sum(statuses.values()),
        "requests_per_s": round(sum(statuses.values()) / seconds, 1),
        "statuses": {str(status): n for status, n in sorted(statuses.items(), key=str)},
        "failed_answers": bad,
        "rss_mb_second_quarter": second,
        "rss_mb_last_quarter": last,
        "rss_mb_allowed": round(second * (1 + GROWTH_RATIO) + GROWTH_MB, 1),
        "rss_samples": samples,
        "memory_flat": flat,
        "passed": not bad and flat,
    }


def report(result: dict, output: Path | None):
    summary = {key: value for key, value in result.items() if key != "rss_samples"}
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    if output:
        output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"Written: {output}")


if __name__ == "__main__":
    main()
