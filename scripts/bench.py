"""The benchmark behind `make bench`: runs in a database of its own (the configured name plus
"_bench", created afresh and dropped at the end) and writes docs/PERFORMANCE.md and
docs/performance.json.

    .venv/bin/python scripts/bench.py [--sites N]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "map_portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from geodata import demo, services  # noqa: E402
from geodata.addresses import AddressNormaliser  # noqa: E402
from geodata.models import Site  # noqa: E402


@contextmanager
def bench_database():
    connection.settings_dict["TEST"]["NAME"] = connection.settings_dict["NAME"] + "_bench"
    creation = connection.creation
    old_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        creation.destroy_test_db(old_name, verbosity=0)


def timed(function, repeat=1):
    """Seconds per call: the median of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def status_counts():
    today = timezone.localdate()
    return list(
        Site.objects.published().with_status(today).values("status").annotate(n=Count("id"))
    )


def normalise_real_addresses():
    normaliser = AddressNormaliser.from_reference_files()
    addresses = [row["address_vi"] for row in demo.read_real_organisations()]
    for _ in range(200):
        for address in addresses:
            normaliser.normalise(address)
    return len(addresses) * 200


def run(sites: int) -> dict:
    figures = {}
    with bench_database():
        figures["PostgreSQL server version"] = connection.cursor().connection.info.server_version
        seconds, _ = timed(services.load_reference_data)
        figures["load_reference_data, first load (s)"] = round(seconds, 2)
        seconds, _ = timed(services.load_reference_data)
        figures["load_reference_data, second load, nothing changes (s)"] = round(seconds, 2)
        seconds, _ = timed(lambda: demo.load_demo(sites, demo.DEFAULT_SEED, timezone.localdate()))
        figures[f"load_demo --sites {sites} (s)"] = round(seconds, 1)
        figures["load_demo rate (sites/s)"] = round(sites / seconds)
        seconds, _ = timed(status_counts, repeat=5)
        figures[f"status today of all {sites} sites, counted in SQL (ms, median of 5)"] = round(
            seconds * 1000, 1
        )
    seconds, calls = timed(normalise_real_addresses)
    figures["legacy address normaliser (µs per address)"] = round(seconds / calls * 1e6, 1)
    return figures


def write(figures: dict, command: str):
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}"
    (ROOT / "docs" / "performance.json").write_text(
        json.dumps(
            {"command": command, "machine": machine, "figures": figures},
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    rows = "\n".join(f"| {name} | {value} |" for name, value in figures.items())
    (ROOT / "docs" / "PERFORMANCE.md").write_text(
        f"""# Performance

Written by `{command}` (scripts/bench.py) on {machine}; every figure below comes from that one
run, in a database of its own. Machine-readable: docs/performance.json.

| measure | figure |
| --- | --- |
{rows}
""",
        encoding="utf-8",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=20000)
    arguments = parser.parse_args()
    results = run(arguments.sites)
    write(results, "make bench")
    print(json.dumps(results, indent=2, ensure_ascii=False))
