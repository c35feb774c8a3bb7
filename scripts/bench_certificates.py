"""Issued certificates at scale, for `make bench` (scripts/bench.py), issue 8: a verification
among 12 million certificates must answer in under 10 ms at the 95th percentile.

In the bench database, after the demo set: N synthetic certificates generated inside PostgreSQL
(a few INSERT … SELECT FROM generate_series, the same rows for the same N and registry), spread
over the sites and the credentials that cover them as certificates.services.register allows
(the site offers the service, an instrument of the credential's scope, issued while the
credential is in force), the table's indexes and foreign keys dropped during the load and made
again after it, then ANALYZE. Signing 12 million payloads in Python would take ten minutes, so
the rows get a placeholder signature and only the sample to verify is signed for real
(certificates.signing.sign_certificate, then one bulk update). The sample's codes, with validly
signed codes of certificates the registry does not hold (NOT FOUND) and altered codes (FORGED),
are verified three ways: the bare SQL read by primary key, certificates.selectors.verdict
in-process, and the verify JSON API served by gunicorn as bench_layers serves the layers."""

import json
import os
import random
import tempfile
import time
from collections import Counter
from contextlib import contextmanager, suppress
from urllib.parse import urlencode

import bench_layers
from bench_layers import _summary, _timed, verdict
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from certificates import selectors, signing
from certificates.models import Certificate, SigningKey
from geodata import demo

CERTIFICATES = 12_000_000
SIGNED = 3000  # certificates signed for real, the verified sample
UNKNOWN = 150  # validly signed codes of certificates not in the registry
FORGED = 150  # codes of the sample with one character of the payload changed
SEED = 8
WARM_UP = 20
CHUNK = 2_000_000  # rows per INSERT statement
TARGET_P95_MS = 10
TABLE = Certificate._meta.db_table
API = "/api/v1/certificates/verify/"
UNTHROTTLED = "1000000/min"

# The site and credential pairs that may issue each kind, as certificates.services.register
# judges them, each with the days it may issue on (the last three years, while the credential
# is in force: before its first suspension or withdrawal) and a weight (some issue far more).
_ISSUERS_SQL = """
CREATE TEMP TABLE bench_issuers ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY cs.site_id, cs.credential_id, k.kind) - 1 AS n,
       cs.site_id, cs.credential_id, k.kind, u.full_name AS province,
       greatest(c.issued_on, %(today)s::date - 3 * 365) AS first_day,
       least(coalesce(c.valid_until, %(today)s), %(today)s,
             (SELECT min(e.effective_on) - 1 FROM geodata_credentialevent e
              WHERE e.credential_id = c.id)) AS last_day,
       (SELECT array_agg(DISTINCT si.instrument_type_id) FROM geodata_scopeitem si
        WHERE si.credential_id = c.id) AS instruments,
       1 + (hashint8extended(cs.site_id, %(seed)s) & 2147483647) %% 30 AS weight
FROM geodata_credential_sites cs
JOIN geodata_credential c ON c.id = cs.credential_id
JOIN geodata_site s ON s.id = cs.site_id
JOIN geodata_administrativeunit u ON u.id = s.province_id
JOIN (VALUES ('verification', 'verification'), ('calibration', 'calibration'),
             ('test_report', 'testing')) k(kind, service) ON k.service = ANY(s.kinds)
"""
_KEEP_ISSUERS_SQL = """
DELETE FROM bench_issuers
WHERE first_day > last_day OR (kind = 'verification' AND instruments IS NULL)
"""
_SLOTS_SQL = """
CREATE TEMP TABLE bench_slots ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY i.n, w) - 1 AS slot, i.n
FROM bench_issuers i, generate_series(1, i.weight) w
"""


def _pick(words: str, hashed: str) -> str:
    """SQL: the element of the array parameter `words` that the hash picks."""
    return f"(%({words})s::text[])[1 + ({hashed} %% cardinality(%({words})s::text[]))::int]"


# One row of certificates_certificate per g, from hashes of g (hashint8extended, seeded): a
# slot (the issuer), the day, the instrument, the texts. Verification certificates run for the
# instrument's interval (a year if none; none if failed), calibration certificates for a year
# (three in ten without an end), test reports without one; four in a thousand are revoked.
_INSERT_SQL = f"""
INSERT INTO {TABLE} (
    id, kind, number, subject, maker, model, serial_number, owner, place_of_use, issued_on,
    valid_until, result, revoked_on, revocation_reason, submitted_at, signature, credential_id,
    instrument_type_id, site_id, key_id)
SELECT r.g, i.kind,
       lpad(r.g::text, 8, '0') || '/' || CASE i.kind WHEN 'verification' THEN 'GCNKĐ'
           WHEN 'calibration' THEN 'GCNHC' ELSE 'PKQTN' END || '-' || to_char(d.issued_on, 'YY'),
       coalesce(t.name_vi, {_pick("samples", "r.h3")}),
       CASE WHEN i.kind = 'test_report' THEN ''
            ELSE {_pick("makers", "r.h2")} END,
       CASE WHEN i.kind = 'test_report' THEN ''
            ELSE chr(65 + ((r.h2 >> 8) %% 26)::int) || chr(65 + ((r.h2 >> 16) %% 26)::int) || '-'
                 || (100 + (r.h2 >> 24) %% 9900)::text END,
       CASE WHEN i.kind = 'test_report' THEN 'M' || to_char(d.issued_on, 'YYMM') || '-'
                 || lpad(((r.h3 >> 8) %% 100000)::text, 5, '0')
            ELSE upper(substr(to_hex(r.h3), 1, 10)) END,
       {_pick("owners", "(r.h3 >> 12)")} || ' '
           || {_pick("first", "(r.h3 >> 20)")} || ' '
           || {_pick("second", "(r.h3 >> 28)")},
       'Số ' || (1 + (r.h4 >> 8) %% 450)::text || ' đường '
           || {_pick("streets", "(r.h4 >> 20)")}
           || ', ' || i.province,
       d.issued_on,
       CASE WHEN d.result = 'failed' OR i.kind = 'test_report'
                 OR (i.kind = 'calibration' AND (r.h4 >> 32) %% 10 < 3) THEN NULL
            ELSE (d.issued_on + make_interval(months => coalesce(
                      t.verification_interval_months, 12)))::date - 1 END,
       d.result,
       CASE WHEN d.revoked THEN least(d.issued_on + ((r.h4 >> 40) %% 200)::int, %(today)s) END,
       CASE WHEN d.revoked THEN {_pick("reasons", "(r.h4 >> 48)")} ELSE '' END,
       d.issued_on + time '08:00' + ((r.h4 >> 4) %% 36000) * interval '1 second',
       %(placeholder)s, i.credential_id, t.id, i.site_id, %(key)s
FROM (
    SELECT g,
           hashint8extended(g, %(seed)s) & 9223372036854775807 AS h1,
           hashint8extended(g, %(seed)s + 1) & 9223372036854775807 AS h2,
           hashint8extended(g, %(seed)s + 2) & 9223372036854775807 AS h3,
           hashint8extended(g, %(seed)s + 3) & 9223372036854775807 AS h4
    FROM generate_series(%(start)s::bigint, %(stop)s::bigint) g
) r
JOIN bench_slots s ON s.slot = r.h1 %% %(slots)s
JOIN bench_issuers i ON i.n = s.n
CROSS JOIN LATERAL (
    SELECT i.first_day + ((r.h2 >> 32) %% (i.last_day - i.first_day + 1))::int AS issued_on,
           CASE WHEN i.kind <> 'verification' THEN 'issued'
                WHEN (r.h1 >> 32) %% 100 < 3 THEN 'failed' ELSE 'passed' END AS result,
           (r.h1 >> 40) %% 1000 < 4 AS revoked,
           CASE WHEN i.instruments IS NOT NULL AND (i.kind = 'verification'
                     OR (r.h2 >> 48) %% 10 < 7)
                THEN i.instruments[1 + ((r.h3 >> 36) %% cardinality(i.instruments))::int] END
               AS instrument
) d
LEFT JOIN geodata_instrumenttype t ON t.id = d.instrument
"""  # noqa: S608 (a constant table name)
_SEQUENCE_SQL = f"""
SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), (SELECT max(id) FROM {TABLE}))
"""  # noqa: S608

SAMPLES = [
    "Mẫu xi măng PCB40",
    "Thép cốt bê tông D16",
    "Mẫu nước sinh hoạt",
    "Gạch bê tông 4 lỗ",
    "Dây điện CVV 2x2,5",
    "Mũ bảo hiểm xe máy",
    "Phân bón NPK 16-16-8",
    "Sơn nước nội thất",
    "Bộ đo áp suất",
    "Nhiệt kế điện tử",
]
MAKERS = [
    "Mettler Toledo", "Shimadzu", "Ohaus", "Vibra", "Itron", "Elster", "Sensus", "Zenner",
    "Kamstrup", "EMIC", "Omron", "Tatsuno", "Tokico", "Gilbarco", "Wika", "Dräger",
    "Nhơn Hòa", "Yamato",
]  # fmt: skip
OWNERS = [
    "Công ty TNHH", "Công ty Cổ phần", "Hộ kinh doanh", "Bệnh viện", "Cửa hàng xăng dầu",
    "Hợp tác xã", "Chợ",
]  # fmt: skip
REASONS = [
    "Cấp nhầm phương tiện đo",
    "Phương tiện đo bị can thiệp sau kiểm định",
    "Số liệu đo không đúng, theo kết luận thanh tra",
    "Tổ chức tự thu hồi do sai sót thông tin",
]


# The load ---------------------------------------------------------------------------------------


def _scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _definitions() -> tuple[list[tuple[str, str]], list[str]]:
    """The table's foreign-key and unique constraints (name, definition) and its other indexes
    (CREATE INDEX statements), the primary key aside."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
            [TABLE],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexdef FROM pg_indexes i WHERE tablename = %s AND NOT EXISTS ("
            " SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname"
            " AND c.conrelid = %s::regclass) ORDER BY indexname",
            [TABLE, TABLE],
        )
        indexes = [row[0] for row in cursor.fetchall()]
    return constraints, indexes


def _issuers(cursor, today) -> int:
    """The issuing slots, in temporary tables; their number."""
    cursor.execute(_ISSUERS_SQL, {"today": today, "seed": SEED})
    cursor.execute(_KEEP_ISSUERS_SQL)
    cursor.execute(_SLOTS_SQL)
    cursor.execute("SELECT count(*) FROM bench_slots")
    slots = cursor.fetchone()[0]
    if not slots:
        raise SystemExit("No site may issue certificates: load the demo set first.")
    return slots


def _insert(cursor, n: int, slots: int, key: SigningKey, today) -> None:
    params = {
        "today": today,
        "seed": SEED,
        "slots": slots,
        "key": key.pk,
        "placeholder": bytes(64),
        "samples": SAMPLES,
        "makers": MAKERS,
        "owners": OWNERS,
        "first": list(demo.BRAND_FIRST),
        "second": list(demo.BRAND_SECOND),
        "streets": list(demo.STREETS),
        "reasons": REASONS,
    }
    for start in range(1, n + 1, CHUNK):
        stop = min(n, start + CHUNK - 1)
        cursor.execute(_INSERT_SQL, params | {"start": start, "stop": stop})
        print(f"certificates: {stop:,} of {n:,} rows", flush=True)


def load(n: int) -> dict:
    """N certificates in the empty table, its indexes and constraints made after them; the
    figures of the load."""
    if Certificate.objects.exists():
        raise SystemExit(f"{TABLE} is not empty: the bench loads its own certificates.")
    today = timezone.localdate()
    key = signing.rotate(SigningKey.Use.CERTIFICATES)  # a key whose file is in the bench's dir
    constraints, indexes = _definitions()
    figures = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
        for statement in indexes:
            cursor.execute(f'DROP INDEX "{statement.split()[2]}"')
        slots = _issuers(cursor, today)
        seconds, _ = _timed(lambda: _insert(cursor, n, slots, key, today))
        figures["rows: INSERT … SELECT FROM generate_series (s)"] = round(seconds, 1)
        cursor.execute(_SEQUENCE_SQL)
        started = time.perf_counter()
        for statement in indexes:
            cursor.execute(statement)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        figures[
            f"indexes and constraints made again after the rows ({len(indexes)} indexes, "
            f"{len(constraints)} constraints) (s)"
        ] = round(time.perf_counter() - started, 1)
    seconds, _ = _timed(lambda: connection.cursor().execute(f"ANALYZE {TABLE}"))
    figures["ANALYZE (s)"] = round(seconds, 1)
    figures["issuing site and credential pairs"] = _scalar(
        f"SELECT count(DISTINCT (site_id, credential_id)) FROM {TABLE}"  # noqa: S608
    )
    return figures


def sizes() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_table_size(%s), pg_indexes_size(%s), pg_total_relation_size(%s),"
            " pg_database_size(current_database())",
            [TABLE] * 3,
        )
        table, indexes, total, database = cursor.fetchone()
    return {
        "table (heap and TOAST) (GB)": round(table / 1e9, 2),
        "its indexes (GB)": round(indexes / 1e9, 2),
        "table and indexes (GB)": round(total / 1e9, 2),
        "whole bench database (GB)": round(database / 1e9, 2),
    }


def standing(today) -> dict:
    """The certificates by what a verification would say today, and by kind."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE revoked_on <= %(today)s),"  # noqa: S608
            " count(*) FILTER (WHERE (revoked_on IS NULL OR revoked_on > %(today)s)"
            "  AND valid_until < %(today)s),"
            " count(*) FILTER (WHERE kind = 'verification'),"
            " count(*) FILTER (WHERE kind = 'calibration'),"
            f" count(*) FILTER (WHERE kind = 'test_report') FROM {TABLE}",
            {"today": today},
        )
        revoked, expired, verification, calibration, test_report = cursor.fetchone()
    return {
        "revoked today": revoked,
        "expired today (not revoked)": expired,
        "verification / calibration / test report": (
            f"{verification} / {calibration} / {test_report}"
        ),
    }


# The sample -------------------------------------------------------------------------------------


def sign_sample(n: int, rng: random.Random) -> list[Certificate]:
    """SIGNED certificates drawn at random, signed as registration signs them."""
    ids = rng.sample(range(1, n + 1), min(SIGNED, n))
    sample = list(Certificate.objects.filter(pk__in=ids).select_related("key"))
    for certificate in sample:
        signing.sign_certificate(certificate)
    Certificate.objects.bulk_update(sample, ["key", "signature"], batch_size=1000)
    rng.shuffle(sample)
    return sample


def _unknown_codes(sample: list[Certificate], n: int) -> list[str]:
    """Good signatures over certificates numbered beyond the registry's."""
    codes = []
    for offset, certificate in enumerate(sample[:UNKNOWN], 1):
        ghost = Certificate(
            **{
                field.attname: getattr(certificate, field.attname)
                for field in Certificate._meta.concrete_fields
            }
        )
        ghost.pk = n + offset
        signing.sign_certificate(ghost)
        codes.append(signing.code(ghost))
    return codes


def _forged(code: str, rng: random.Random) -> str:
    """The code with one character of its payload changed, not the last: that one may carry
    unused bits, and changing them may leave the payload as it was."""
    position = rng.randrange(code.index(".") - 1)
    swapped = "A" if code[position] != "A" else "B"
    return code[:position] + swapped + code[position + 1 :]


def codes(sample: list[Certificate], n: int, rng: random.Random) -> list[str]:
    """The codes to verify, shuffled: the sample's, NOT FOUND ones and FORGED ones."""
    good = [signing.code(certificate) for certificate in sample]
    mixed = good + _unknown_codes(sample, n) + [_forged(code, rng) for code in good[:FORGED]]
    rng.shuffle(mixed)
    return mixed


# The measures -----------------------------------------------------------------------------------


def _by_id_sql(ids: list[int]) -> list[float]:
    sql = f"SELECT * FROM {TABLE} WHERE id = %s"  # noqa: S608
    seconds = []
    with connection.cursor() as cursor:
        for pk in ids:
            started = time.perf_counter()
            cursor.execute(sql, [pk])
            cursor.fetchall()
            seconds.append(time.perf_counter() - started)
    return seconds


def explain(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM {TABLE} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return " / ".join(row[0].strip() for row in cursor.fetchall())


def _in_process(texts: list[str], today) -> tuple[list[float], Counter]:
    seconds, verdicts = [], Counter()
    for text in texts:
        elapsed, found = _timed(lambda t=text: selectors.verdict(t, today))
        seconds.append(elapsed)
        verdicts[found.verdict] += 1
    return seconds, verdicts


def _signature_check(texts: list[str]) -> list[float]:
    seconds = []
    for text in texts:
        started = time.perf_counter()
        with suppress(signing.Forged):
            signing.read_code(text)
        seconds.append(time.perf_counter() - started)
    return seconds


def _path(text: str) -> str:
    return f"{API}?{urlencode({'code': text})}"


def _over_http(texts: list[str]) -> tuple[list[float], Counter]:
    """The verify API under gunicorn, one request after another from one client."""
    seconds, verdicts = [], Counter()
    with bench_layers.served() as client:
        for text in texts[:WARM_UP]:
            client.get(_path(text))
        for text in texts:
            elapsed, status, _, body = client.get(_path(text))
            if status != 200:
                raise SystemExit(f"GET {_path(text)}: {status}\n{body[:500].decode()}")
            seconds.append(elapsed)
            verdicts[json.loads(body)["verdict"]] += 1
    return seconds, verdicts


def _case(name: str, seconds: list[float], target: bool = False) -> dict:
    return {"case": name, **_summary(seconds, TARGET_P95_MS if target else None)}


@contextmanager
def _environment(**values):
    """os.environ with these values (gunicorn's, when bench_layers.served starts it)."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value


def measure(n: int = CERTIFICATES) -> dict:
    """Loads n certificates into the bench database (which keeps them until it is dropped) and
    times their verification. The signing key's file is in a temporary directory that gunicorn
    is given too, and the per-client rate limit of the API (API_RATE_LIMIT) is lifted for the
    bench's one client, which sends thousands of requests a minute."""
    today = timezone.localdate()
    rng = random.Random(SEED)  # noqa: S311 (benchmark inputs, not secrets)
    with (
        tempfile.TemporaryDirectory(prefix="bench-keys-") as keys,
        override_settings(CERTIFICATE_KEYS_DIR=keys),
        _environment(CERTIFICATE_KEYS_DIR=keys, API_RATE_LIMIT=UNTHROTTLED),
    ):
        started = time.perf_counter()
        figures = {"certificates": n, **load(n)}
        figures["load in all (s)"] = round(time.perf_counter() - started, 1)
        figures |= sizes() | standing(today)
        seconds, sample = _timed(lambda: sign_sample(n, rng))
        figures[f"{len(sample)} certificates signed for real and updated (s)"] = round(seconds, 1)
        texts = codes(sample, n, rng)
        figures["codes verified: signed and registered / NOT FOUND / FORGED"] = (
            f"{len(sample)} / {UNKNOWN} / {FORGED}"
        )
        ids = [certificate.pk for certificate in sample]
        figures["load average (1 min) before the verifications"] = round(os.getloadavg()[0], 2)
        figures["EXPLAIN ANALYZE of the read by id"] = explain(ids[0])
        _by_id_sql(ids[:WARM_UP])
        cases = [_case("bare SQL: SELECT * … WHERE id = %s, in-process", _by_id_sql(ids))]
        cases.append(_case("signature check alone: signing.read_code", _signature_check(texts)))
        _in_process(texts[:WARM_UP], today)
        seconds, in_process = _in_process(texts, today)
        cases.append(_case("certificates.selectors.verdict, in-process", seconds, True))
        seconds, over_http = _over_http(texts)
        cases.append(_case(f"GET {API}?code=… (gunicorn, 2 workers)", seconds, True))
        figures["load average (1 min) after them"] = round(os.getloadavg()[0], 2)
    figures["verdicts in-process"] = _counted(in_process)
    figures["verdicts over HTTP"] = _counted(over_http)
    return {"figures": figures, "cases": cases}


def _counted(verdicts: Counter) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(verdicts.items()))


# The report -------------------------------------------------------------------------------------


def markdown(certificates: dict) -> str:
    command = certificates["command"]
    n = certificates["figures"]["certificates"]
    rows = "\n".join(f"| {name} | {value} |" for name, value in certificates["figures"].items())
    cases = "\n".join(
        f"| {case['case']} | {case['p50_ms']} | {case['p95_ms']} | {case['p99_ms']} | "
        f"{case['requests_per_s']} | "
        + (f"p95 < {case['target_p95_ms']} ms: {verdict(case['met'])}" if "met" in case else "")
        + " |"
        for case in certificates["cases"]
    )
    return f"""
## Issued certificates at 12 million (issue 8)

Measured by `{command}` (scripts/bench_certificates.py), in the bench database after the demo
set: {n:,} synthetic certificates generated inside PostgreSQL (INSERT … SELECT FROM
generate_series in chunks of {CHUNK:,} rows, deterministic), spread over the sites and the
credentials that cover them as registration allows them, issued over the last three years while
the credential is in force; the table's secondary indexes and foreign keys are dropped during
the load and made again after it, then ANALYZE. Every row has a placeholder signature but a
random sample of {SIGNED:,} (fixed seed), signed for real by signing.sign_certificate: signing
{n:,} payloads in Python would take ten minutes and change nothing to a read by primary key.
Their codes, {UNKNOWN} validly signed codes of certificates the registry does not hold (NOT
FOUND) and {FORGED} codes with a character of the payload changed (FORGED), shuffled, are
verified one after another: the bare SQL read, the Ed25519 check alone, `verdict` in-process,
and `GET {API}?code=` served by gunicorn as `scripts/run` does (2 sync workers), after
{WARM_UP} warm-up verifications each. Times in ms.

| measure | figure |
| --- | --- |
{rows}

| way | p50 | p95 | p99 | per second (one client) | target (issue 8) |
| --- | --- | --- | --- | --- | --- |
{cases}
"""
