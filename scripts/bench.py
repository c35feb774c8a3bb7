"""The benchmark behind `make bench`: runs in a database of its own (the configured name plus
"_bench", created afresh and dropped at the end unless --keep-database), with the files it
stores (demo documents, imported files) in a temporary directory removed at the end too, and
writes docs/PERFORMANCE.md and docs/performance.json (or those of --report-dir).

The steps: reference data, the demo set (--sites), a generated registry file imported
(--import-rows), the issued certificates (--certificates), then for each of --scales, smallest
first, the registry grown to that many sites inside PostgreSQL and the public API measured
(scripts/bench_layers.py), the browser figures against the largest.

    .venv/bin/python scripts/bench.py [--sites N] [--import-rows N] [--scales N,N]
        [--requests N] [--wrk-seconds N] [--browser-loads N] [--certificates N]
        [--keep-database] [--report-dir DIR]
    .venv/bin/python scripts/bench.py --browser-only [--browser-loads N]
    .venv/bin/python scripts/bench.py --planner-only
    .venv/bin/python scripts/bench.py --certificates-only [--certificates N] [--sites N]
        [--keep-database]

--browser-only measures the map in the browser again against the bench database a run with
--keep-database left (its stored files are gone, which the map does not need), and rewrites the
reports with the other figures as docs/performance.json holds them. The next run without it
replaces the kept database. --planner-only measures the field-visit planner again (no database)
and rewrites the reports likewise. --certificates-only measures the issued certificates again
(scripts/bench_certificates.py) in a bench database of their own (reference data and --sites
demo sites first) and rewrites the reports likewise. The hand-written part at the end of
docs/PERFORMANCE.md, below HAND_WRITTEN, is kept as it is.
"""

import argparse
import csv
import io
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import contextmanager, nullcontext
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "map_portal.settings")

import django  # noqa: E402

django.setup()

import bench_browser  # noqa: E402
import bench_certificates  # noqa: E402
import bench_layers  # noqa: E402
import bench_planner  # noqa: E402
import bench_wrk  # noqa: E402
from django.db import OperationalError, connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from geodata import demo, services  # noqa: E402
from geodata.addresses import AddressNormaliser  # noqa: E402
from geodata.geography import Geography  # noqa: E402
from geodata.importers.files import read_table  # noqa: E402
from geodata.models import (  # noqa: E402
    AdministrativeUnit,
    Credential,
    ImportRun,
    Organisation,
    Site,
    UnitSuccession,
)
from geodata.services.registry_import import ImportOptions, import_registry  # noqa: E402
from geodata.text import words  # noqa: E402

IMPORT_ROWS = 20000
IMPORT_SEED = 2025
HAND_WRITTEN = "<!-- Written by hand below this line: scripts/bench keeps it. -->"


def bench_database_name() -> str:
    return connection.settings_dict["NAME"] + "_bench"


@contextmanager
def bench_database(keep: bool = False):
    connection.settings_dict["TEST"]["NAME"] = bench_database_name()
    creation = connection.creation
    with (
        tempfile.TemporaryDirectory(prefix="bench-media-") as media,
        override_settings(MEDIA_ROOT=media),
    ):
        old_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            yield
        finally:
            _end_other_sessions()
            creation.destroy_test_db(old_name, verbosity=0, keepdb=keep)


def _end_other_sessions():
    """Ends what is still connected to the bench database (a worker of a server just stopped
    may not have gone yet), so that it can be dropped."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def use_kept_bench_database():
    """Django on the bench database an earlier run kept."""
    name = bench_database_name()
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        connection.ensure_connection()
    except OperationalError:
        raise SystemExit(f"No database {name}: run scripts/bench --keep-database first.") from None


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


# A registry file as a department keeps it ------------------------------------------------------

REGISTRY_HEADERS = (
    "STT",
    "Tên tổ chức",
    "Mã số thuế",
    "Loại hình",
    "Địa chỉ",
    "Điện thoại",
    "Kinh độ",
    "Vĩ độ",
    "Số hiệu",
    "Chương trình",
    "Ngày cấp",
    "Ngày hết hạn",
    "Lĩnh vực",
)
# The service as written -> share of the organisations, names they go by, the scheme as written
# and the years a credential runs.
REGISTRY_KINDS = {
    "Thử nghiệm": (28, ("Công ty TNHH Thử nghiệm", "Trung tâm Thử nghiệm"), "VILAS", 5),
    "Hiệu chuẩn": (12, ("Công ty TNHH Hiệu chuẩn", "Trung tâm Đo lường"), "VILAS", 5),
    "Kiểm định": (30, ("Công ty TNHH Kiểm định", "Trung tâm Kiểm định"), "Đăng ký kiểm định", 5),
    "Chứng nhận": (15, ("Công ty Cổ phần Chứng nhận", "Công ty TNHH Chứng nhận"), "VICAS", 3),
    "Giám định": (15, ("Công ty Cổ phần Giám định", "Công ty TNHH Giám định"), "VIAS", 5),
}
TESTING_FIELDS = (
    "Hóa",
    "Sinh",
    "Cơ",
    "Điện – Điện tử",
    "Vật liệu xây dựng",
    "Môi trường",
    "Dược",
    "Thử nghiệm không phá hủy",
)
CALIBRATION_FIELDS = (
    "Khối lượng",
    "Áp suất",
    "Nhiệt độ",
    "Độ dài",
    "Điện",
    "Dung tích – Lưu lượng",
    "Lực – Độ cứng",
    "Thời gian – Tần số",
)
METRES_PER_DEGREE = 111_320


def _registry_places(geography: Geography):
    """The current communes (written "phường A, thành phố B") and the legacy ones (written
    "phường A, quận B, tỉnh C"), each with its point and its current province, by province."""
    current, legacy = defaultdict(list), defaultdict(list)
    units = AdministrativeUnit.objects.filter(
        level=AdministrativeUnit.Level.COMMUNE, point__isnull=False
    )
    for full_name, unit_type, province_code, province, point in units.filter(
        current=True, parent__level=AdministrativeUnit.Level.PROVINCE
    ).values_list("full_name", "unit_type", "parent__code", "parent__full_name", "point"):
        if province_code in geography.provinces:
            parts = (full_name, province)
            current[province_code].append((parts, unit_type, point.x, point.y))
    successor_provinces = defaultdict(set)
    for legacy_id, province_code in UnitSuccession.objects.filter(
        legacy__level=AdministrativeUnit.Level.COMMUNE
    ).values_list("legacy_id", "current__parent__code"):
        successor_provinces[legacy_id].add(province_code)
    for pk, full_name, unit_type, district, province, point in units.filter(
        current=False, parent__level=AdministrativeUnit.Level.DISTRICT
    ).values_list(
        "pk", "full_name", "unit_type", "parent__full_name", "parent__parent__full_name", "point"
    ):
        provinces = successor_provinces.get(pk, set())
        if len(provinces) == 1 and (code := provinces.pop()) in geography.provinces:
            legacy[code].append(((full_name, district, province), unit_type, point.x, point.y))
    return current, legacy


def _near(rng: random.Random, geography: Geography, province_code: str, lon: float, lat: float):
    """A point a few hundred metres from (lon, lat) in the province, else (lon, lat) itself if
    it is in the province, else None."""
    for metres in [*(rng.uniform(50, 600) for _ in range(5)), 0]:
        bearing = rng.uniform(0, 2 * math.pi)
        x = lon + metres * math.sin(bearing) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
        y = lat + metres * math.cos(bearing) / METRES_PER_DEGREE
        x, y = round(x, 5), round(y, 5)
        province = geography.province_at(x, y)
        if province and province.code == province_code:
            return x, y
    return None


def _registry_date(rng: random.Random, day: date) -> str:
    form = rng.random()
    if form < 0.5:
        return f"{day:%d/%m/%Y}"
    if form < 0.8:
        return day.isoformat()
    return f"{day.day}-{day.month}-{day:%y}"


def _degrees(rng: random.Random, value: float) -> str:
    written = f"{value:.5f}"
    return written.replace(".", ",") if rng.random() < 0.25 else written


class _FreeNumbers:
    """Credential numbers of a scheme not held in the registry, in random order."""

    def __init__(self, rng: random.Random, taken: set[int], limit: int):
        self.free = [n for n in range(1, limit + 1) if n not in taken]
        rng.shuffle(self.free)

    def next(self) -> int:
        return self.free.pop()


def _taken_numbers() -> dict[str, set[int]]:
    """The numbers (the integer in them) the registry's VILAS, VILAS MED, VICAS and VIAS
    credentials already have."""
    taken = defaultdict(set)
    for scheme, number in Credential.objects.values_list("scheme__code", "number"):
        parts = number.upper().replace("-", " ").split()
        digits = next((part for part in parts if part.isdigit()), None)
        if scheme in ("vilas", "vicas", "vias") and digits:
            taken["vilas-med" if "MED" in parts else scheme].add(int(digits))
    return taken


def registry_csv(rows: int, seed: int = IMPORT_SEED) -> bytes:
    """A registry file of `rows` rows as Excel saves it (CSV UTF-8, with a BOM, CRLF), built
    from the reference units in the database so that its addresses resolve: half in the legacy
    form (commune, district, province before July 2025), half in the current form; 70 % meant
    to have coordinates a few hundred metres from the commune's point (a quarter with decimal
    commas), two in three do: none are written where that point is outside its province's
    boundary (one unit in twenty); about one organisation for four rows (several sites); every
    credential number new to the registry. The same seed and database give the same bytes."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    geography = Geography.from_database()
    current, legacy = _registry_places(geography)
    provinces = sorted(set(current) & set(legacy))
    province_weights = [demo.PROVINCE_WEIGHTS.get(code, 1) for code in provinces]
    taken = _taken_numbers()
    numbers = {
        "vilas": _FreeNumbers(rng, taken["vilas"], 9999),
        "vilas-med": _FreeNumbers(rng, taken["vilas-med"], 9999),
        "vicas": _FreeNumbers(rng, taken["vicas"], 9999),
        "vias": _FreeNumbers(rng, taken["vias"], 9999),
        "dk": _FreeNumbers(rng, set(), 99999),
    }
    stored_names = {words(name) for name in Organisation.objects.values_list("name_vi", flat=True)}
    stored_tax_codes = set(Organisation.objects.values_list("tax_code", flat=True))

    organisations = []
    n_organisations = max(1, round(rows / 4))
    kinds = list(REGISTRY_KINDS)
    kind_weights = [REGISTRY_KINDS[kind][0] for kind in kinds]
    for n in range(n_organisations):
        kind = rng.choices(kinds, kind_weights)[0]
        home = rng.choices(provinces, province_weights)[0]
        for attempt in range(50):
            name = " ".join(
                [
                    rng.choice(REGISTRY_KINDS[kind][1]),
                    rng.choice(demo.BRAND_FIRST),
                    rng.choice(demo.BRAND_SECOND),
                ]
            )
            if attempt > 10:
                name = f"{name} {geography.provinces[home].name}"
            if attempt > 20:
                name = f"{name} {n}"
            if words(name) not in stored_names:
                break
        stored_names.add(words(name))
        tax_code = ""
        while not tax_code or tax_code in stored_tax_codes:
            tax_code = f"0{rng.randint(1, 9)}{rng.randrange(10**8):08d}"
        stored_tax_codes.add(tax_code)
        medical = kind == "Thử nghiệm" and rng.random() < 0.25
        organisations.append((name, tax_code, kind, home, medical))
    # Every organisation has a site; the other rows go to a few of them above all.
    weights = [min(rng.paretovariate(1.3), 40) for _ in organisations]
    owners = list(range(n_organisations)) + rng.choices(
        range(n_organisations), weights, k=rows - n_organisations
    )
    owners.sort()

    # A testing company has a calibration lab here and there.
    row_kinds = [
        "Hiệu chuẩn"
        if organisations[owner][2] == "Thử nghiệm" and rng.random() < 0.1
        else organisations[owner][2]
        for owner in owners
    ]
    # The demo set holds most VILAS numbers below 10,000: the free ones go to calibration first,
    # and testing labs beyond them hold VILAS MED numbers (medical laboratories, ISO 15189).
    spare = len(numbers["vilas"].free) - row_kinds.count("Hiệu chuẩn")
    if spare < 0:
        raise SystemExit(f"Too few free VILAS numbers for {rows} rows: use fewer.")

    first_day, last_day = date(2019, 1, 1), date(2025, 10, 31)
    addresses = set()
    table = []
    for number, (owner, kind) in enumerate(zip(owners, row_kinds, strict=True), 1):
        name, tax_code, _kind, home, medical = organisations[owner]
        province = home if rng.random() < 0.7 else rng.choices(provinces, province_weights)[0]
        while True:
            places = legacy[province] if rng.random() < 0.5 else current[province]
            parts, unit_type, lon, lat = rng.choice(places)
            if unit_type in ("Xã", "Đặc khu"):
                south = province >= demo.SOUTHERN_FROM
                village = "Ấp" if south else rng.choice(["Thôn", "Xóm"])
                street = f"{village} {rng.randint(1, 15)}"
            else:
                form = "phố" if rng.random() < 0.3 else "đường"
                street = f"Số {rng.randint(1, 450)} {form} {rng.choice(demo.STREETS)}"
            written = [street, *(demo._lower_first(part) for part in parts)]
            address = ", ".join(written)
            if (tax_code, address) not in addresses:
                addresses.add((tax_code, address))
                break
        point = _near(rng, geography, province, lon, lat) if rng.random() < 0.7 else None
        scheme, years = REGISTRY_KINDS[kind][2:]
        if scheme == "VILAS" and kind == "Thử nghiệm" and (medical or not spare):
            credential = f"VILAS MED {numbers['vilas-med'].next():03d}"
        elif scheme == "VILAS":
            credential = f"VILAS {numbers['vilas'].next():03d}"
            spare -= kind == "Thử nghiệm"
        elif scheme == "VICAS":
            credential = f"VICAS {numbers['vicas'].next():03d} - {rng.choice(['PRO', 'MSC'])}"
        elif scheme == "VIAS":
            credential = f"VIAS {numbers['vias'].next():03d}"
        else:
            credential = f"{numbers['dk'].next()}/ĐK-ĐL"
        issued_on = first_day + timedelta(days=rng.randint(0, (last_day - first_day).days))
        valid_until = issued_on + timedelta(days=365 * years - 1)
        if kind == "Thử nghiệm":
            fields = rng.sample(TESTING_FIELDS, rng.randint(1, 3))
        elif kind == "Hiệu chuẩn":
            fields = rng.sample(CALIBRATION_FIELDS, rng.randint(1, 3))
        else:
            fields = []
        area = demo.AREA_CODES.get(province, "024")
        digits = 10 - len(area)  # after the first: 11 digits in all, "024 3xxx xxxx"
        subscriber = f"{rng.randint(2, 3)}{rng.randrange(10**digits):0{digits}d}"
        table.append(
            [
                number,
                name,
                tax_code,
                kind,
                address,
                f"{area} {subscriber}",
                _degrees(rng, point[0]) if point else "",
                _degrees(rng, point[1]) if point else "",
                credential,
                scheme,
                _registry_date(rng, issued_on),
                _registry_date(rng, valid_until),
                "; ".join(fields),
            ]
        )
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REGISTRY_HEADERS)
    writer.writerows(table)
    return out.getvalue().encode("utf-8-sig")


def _outcomes(run: ImportRun) -> str:
    totals = run.totals
    return " / ".join(str(totals[name]) for name in ("created", "updated", "unchanged", "errors"))


def _checked(run: ImportRun) -> ImportRun:
    """The run, if its file had no errors: the figures of a rejected file would mean nothing."""
    if run.totals["errors"]:
        issues = [
            f"row {row['row']}: {issue['code']} ({issue['column']}) {issue['message']['en']}"
            for row in run.report["rows"]
            for issue in row["issues"]
            if issue["severity"] == "error"
        ]
        issues += [issue["message"]["en"] for issue in run.report["file_issues"]]
        raise SystemExit("The generated registry file has errors:\n" + "\n".join(issues[:20]))
    return run


def measure_import(rows: int) -> dict:
    """A generated registry file read, checked, imported into the demo set, then imported again
    (nothing changes), then checked again."""
    figures = {}
    data = registry_csv(rows)
    name = f"registry-{rows}.csv"
    call = f"import_registry({rows}-row CSV"
    figures["registry CSV generated by bench.py: rows, size (MB)"] = (
        f"{rows}, {len(data) / 1e6:.1f}"
    )
    seconds, _ = timed(lambda: read_table(data, name), repeat=3)
    figures[f"read_table({rows}-row CSV) alone (s, median of 3)"] = round(seconds, 2)

    def check():
        return import_registry(data, name, ImportOptions(dry_run=True), performed_by="bench")

    def load():
        return import_registry(data, name, performed_by="bench")

    seconds, run = timed(check)
    _checked(run)
    figures[f"{call}, dry_run=True), a check before importing it (s)"] = round(seconds, 1)
    seconds, run = timed(load)
    _checked(run)
    figures[f"{call}) into the demo set (s)"] = round(seconds, 1)
    figures[f"{call}) rate (rows/s)"] = round(rows / seconds)
    figures[f"{call}): created / updated / unchanged / errors"] = _outcomes(run)
    warnings = Counter(
        issue["code"]
        for row in run.report["rows"]
        for issue in row["issues"]
        if issue["severity"] == "warning"
    )
    figures[f"{call}): row warnings by code"] = (
        ", ".join(f"{code} {n}" for code, n in warnings.most_common()) or "none"
    )
    figures[f"{call}): near-duplicate pairs reported"] = run.totals["near_duplicates"]
    seconds, run = timed(load)
    _checked(run)
    figures[f"{call}) again, the same file (s)"] = round(seconds, 1)
    figures[f"{call}) again: created / updated / unchanged / errors"] = _outcomes(run)
    seconds, run = timed(check)
    figures[f"{call}, dry_run=True) after importing it (s)"] = round(seconds, 1)
    return figures


def run(arguments) -> tuple[dict, dict, dict, dict]:
    figures, layers, browser, issued = {}, {}, {}, {}

    def measure_browser(base_url: str):
        browser.update(bench_browser.measure(base_url, arguments.browser_loads))

    sites, scales = arguments.sites, arguments.scales
    with (
        bench_database(arguments.keep_database),
        bench_browser.static_files() if scales and arguments.browser_loads else nullcontext(),
    ):
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
        if arguments.import_rows:
            figures |= measure_import(arguments.import_rows)
        # Before the registry grows: the certificates go to the demo set's sites.
        if arguments.certificates:
            issued = bench_certificates.measure(arguments.certificates)
        if scales:
            layers = bench_layers.measure(
                scales,
                arguments.requests,
                arguments.wrk_seconds,
                while_served=measure_browser if arguments.browser_loads else None,
            )
    seconds, calls = timed(normalise_real_addresses)
    figures["legacy address normaliser (µs per address)"] = round(seconds / calls * 1e6, 1)
    return figures, layers, browser, issued


def rerun_certificates(sites: int, certificates: int, keep_database: bool) -> dict:
    """The issued certificates' figures alone, in a bench database of their own."""
    with bench_database(keep_database):
        services.load_reference_data()
        demo.load_demo(sites, demo.DEFAULT_SEED, timezone.localdate())
        return bench_certificates.measure(certificates)


def rerun_browser(loads: int) -> dict:
    """The browser figures against the kept bench database, served as bench_layers serves it."""
    use_kept_bench_database()
    with bench_browser.static_files(), bench_layers.served() as client:
        return bench_browser.measure(client.base_url, loads)


def write(
    reports: Path,
    figures: dict,
    layers: dict,
    browser: dict,
    planner: dict,
    certificates: dict,
    command: str,
):
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}"
    report = {"command": command, "machine": machine, "figures": figures, "layers": layers}
    report["planner"] = planner
    if certificates:
        report["certificates"] = certificates
    (reports / "performance.json").write_text(
        json.dumps(
            report | ({"browser": browser} if browser else {}),
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    rows = "\n".join(f"| {name} | {value} |" for name, value in figures.items())
    scaled = bool(layers.get("scales"))
    source = "that one run" + _but_the_browser(browser, command)
    if certificates and certificates["command"] != command:
        source += " (the issued certificates' figures name the run they come from)"
    document = reports / "PERFORMANCE.md"
    kept = document.read_text(encoding="utf-8") if document.exists() else ""
    hand_written = kept.partition(HAND_WRITTEN)[2]
    document.write_text(
        f"""# Performance

Written by `{command}` (scripts/bench.py) on {machine}; every figure below comes from {source},
in a database of its own. Machine-readable: docs/performance.json.

load_demo and large imports refresh the planner's statistics (ANALYZE) themselves. The import
figures are for a registry file that bench.py generates (`registry_csv`): CSV UTF-8 with a BOM as
Excel saves it, Vietnamese headers, about four rows per organisation, addresses built from the
reference units (half in the pre-July-2025 form), two rows in three with coordinates, every
credential number new to the registry. It is read alone (read_table), then checked, imported into
the demo set, imported again and checked again, each time by import_registry, as the admin does.

| measure | figure |
| --- | --- |
{rows}
"""
        + (bench_layers.targets_markdown(layers, certificates, browser, command) if scaled else "")
        + (bench_layers.markdown(layers, command) if scaled else "")
        + (bench_browser.markdown(browser, command) if browser else "")
        + bench_planner.markdown(planner["figures"], planner["command"])
        + (bench_certificates.markdown(certificates) if certificates else "")
        + f"\n{HAND_WRITTEN}{hand_written}",
        encoding="utf-8",
    )


def _but_the_browser(browser: dict, command: str) -> str:
    if not browser or browser["command"] == command:
        return ""
    return " but the figures of the map in the browser, measured later (see there)"


def _scales(text: str) -> tuple[int, ...]:
    """ "100000,1000000" -> (100000, 1000000); "0" -> ()."""
    parts = text.split(",")
    if not all(part.strip().isdecimal() for part in parts):
        raise argparse.ArgumentTypeError("numbers of sites, comma-separated")
    return tuple(sorted(n for n in map(int, parts) if n))


def _browser_loads(text: str) -> int:
    """0 (no browser figures), or a warm-up and at least two loads to take percentiles of."""
    if not text.isdecimal() or int(text) in (1, 2):
        raise argparse.ArgumentTypeError("0, or 3 or more (the first load is a warm-up)")
    return int(text)


def command_line(arguments) -> str:
    """How the figures were made: `make bench` when nothing differs from it."""
    if arguments.browser_only:
        return f"scripts/bench --browser-only --browser-loads {arguments.browser_loads}"
    if arguments.planner_only:
        return "scripts/bench --planner-only"
    if arguments.certificates_only:
        return (
            f"scripts/bench --certificates-only --certificates {arguments.certificates}"
            f" --sites {arguments.sites}"
        )
    given = {
        "sites": arguments.sites,
        "import-rows": arguments.import_rows,
        "scales": ",".join(map(str, arguments.scales)),
        "requests": arguments.requests,
        "wrk-seconds": arguments.wrk_seconds,
        "browser-loads": arguments.browser_loads,
        "certificates": arguments.certificates,
    }
    defaults = {
        "sites": 20000,
        "import-rows": IMPORT_ROWS,
        "scales": ",".join(map(str, bench_layers.SCALES)),
        "requests": bench_layers.REQUESTS,
        "wrk-seconds": bench_wrk.SECONDS,
        "browser-loads": bench_browser.LOADS,
        "certificates": bench_certificates.CERTIFICATES,
    }
    if given == defaults:
        return "make bench"
    return "scripts/bench " + " ".join(f"--{name} {value}" for name, value in given.items())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=20000)
    parser.add_argument(
        "--import-rows", type=int, default=IMPORT_ROWS, help="rows of the registry file (0: none)"
    )
    parser.add_argument(
        "--scales",
        type=_scales,
        default=bench_layers.SCALES,
        help="sites to grow the registry to, comma-separated, each measured (0: no API figures)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=bench_layers.REQUESTS,
        help="cold requests per API case and scale",
    )
    parser.add_argument(
        "--wrk-seconds",
        type=int,
        default=bench_wrk.SECONDS,
        help="seconds of each wrk run (warm cases, city viewport cold under load)",
    )
    parser.add_argument(
        "--browser-loads",
        type=_browser_loads,
        default=bench_browser.LOADS,
        help="page loads per viewport and visitor, the first a warm-up (0: no browser figures)",
    )
    parser.add_argument(
        "--certificates",
        type=int,
        default=bench_certificates.CERTIFICATES,
        help="synthetic issued certificates to verify among (0: no certificate figures)",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=ROOT / "docs",
        help="where PERFORMANCE.md and performance.json are read and written",
    )
    parser.add_argument(
        "--keep-database", action="store_true", help="keep the bench database for --browser-only"
    )
    parser.add_argument(
        "--browser-only",
        action="store_true",
        help="only the browser figures, against the bench database kept by --keep-database",
    )
    parser.add_argument(
        "--planner-only", action="store_true", help="only the field-visit planner's figures"
    )
    parser.add_argument(
        "--certificates-only",
        action="store_true",
        help="only the issued certificates' figures, in a bench database of their own",
    )
    arguments = parser.parse_args()
    command = command_line(arguments)
    planner = None
    if arguments.browser_only or arguments.planner_only or arguments.certificates_only:
        report = json.loads((arguments.report_dir / "performance.json").read_text(encoding="utf-8"))
        results, layers, command_of_the_rest = (
            report["figures"],
            report["layers"],
            report["command"],
        )
        browser = report.get("browser", {})
        certificates = report.get("certificates", {})
        if arguments.browser_only:
            browser = rerun_browser(arguments.browser_loads)
        if arguments.certificates_only:
            certificates = rerun_certificates(
                arguments.sites, arguments.certificates, arguments.keep_database
            )
            certificates["command"] = command
        if not arguments.planner_only:
            planner = report.get("planner")
    else:
        results, layers, browser, certificates = run(arguments)
        if certificates:
            certificates["command"] = command
        command_of_the_rest = command
    planner = planner or {"command": command, "figures": bench_planner.measure()}
    if browser and not (arguments.planner_only or arguments.certificates_only):
        browser["command"] = command
    write(
        arguments.report_dir, results, layers, browser, planner, certificates, command_of_the_rest
    )
    print(
        json.dumps(
            {
                "figures": results,
                "layers": layers,
                "browser": browser,
                "planner": planner,
                "certificates": certificates,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
