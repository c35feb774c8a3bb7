"""Production settings pass Django's deployment checks; under them the site is HTTPS only (a
redirect, HSTS, secure cookies); every response carries the security headers; every database
connection runs under the configured statement timeout."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
PAGES = ["/", "/api/v1/layers/", "/ogc/?f=json", "/admin/login/"]


def database_url() -> str:
    """The URL of the database the tests use (the test database, reference data loaded)."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgis://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def production_environment(**changes) -> dict:
    """What a deployment sets: DEBUG off, behind TLS, a strong key, its host name and Redis.
    Whatever else .env holds is ignored but the database."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SECURE_", "SESSION_", "CSRF_", "DJANGO_"))
    }
    environment.update(
        {
            "DEBUG": "0",
            "HTTPS": "1",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "map.example.gov.vn",
            "CACHE_URL": "redis://127.0.0.1:6379/1",
            "DATABASE_URL": database_url(),
            "TRUSTED_PROXY_COUNT": "0",
            **changes,
        }
    )
    return environment


def run(args: list[str], **changes) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=production_environment(**changes),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("proxies", ["0", "1"])
def test_the_deployment_checks_pass_without_a_warning(proxies):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], TRUSTED_PROXY_COUNT=proxies
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


PROBE = """
import json
from django.test import Client
client = Client(SERVER_NAME="map.example.gov.vn")
plain = client.get("/admin/login/")
secure = client.get("/admin/login/", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "hsts": secure.get("Strict-Transport-Security"),
    "secure": [secure.status_code, bool(secure.cookies.get("csrftoken", {}).get("secure"))],
}))
"""


def test_under_production_settings_the_site_is_https_only(db):
    result = run(["manage.py", "shell", "-c", PROBE])
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])

    assert answer["plain"] == [301, "https://map.example.gov.vn/admin/login/"]
    assert answer["hsts"] == "max-age=31536000; includeSubDomains"
    assert answer["secure"] == [200, True]  # the CSRF cookie is sent over HTTPS only


def test_behind_a_proxy_its_word_on_https_is_taken(db):
    probe = PROBE.replace("secure=True", 'headers={"X-Forwarded-Proto": "https"}')

    result = run(["manage.py", "shell", "-c", probe], TRUSTED_PROXY_COUNT="1")
    answer = json.loads(result.stdout.strip().splitlines()[-1])

    assert answer["hsts"] == "max-age=31536000; includeSubDomains"
    assert answer["secure"] == [200, True]


def test_without_a_proxy_a_forwarded_proto_header_is_not_believed(db):
    probe = PROBE.replace("secure=True", 'headers={"X-Forwarded-Proto": "https"}')

    result = run(["manage.py", "shell", "-c", probe], TRUSTED_PROXY_COUNT="0")
    answer = json.loads(result.stdout.strip().splitlines()[-1])

    assert answer["hsts"] is None
    assert answer["secure"][0] == 301  # still plain http: redirected


@pytest.mark.parametrize("url", PAGES)
def test_every_kind_of_response_keeps_its_resources_to_this_site(client, db, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_https_responses_carry_hsts_when_it_is_set(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_every_connection_runs_under_the_configured_statement_timeout(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT setting, unit FROM pg_settings WHERE name = 'statement_timeout'")
        value, unit = cursor.fetchone()

    assert (int(value), unit) == (settings.DATABASE_STATEMENT_TIMEOUT_MS, "ms")
    assert settings.DATABASE_STATEMENT_TIMEOUT_MS == 30_000


SLOW_STATEMENT = """
from django.db import OperationalError, connection
from psycopg.errors import QueryCanceled
try:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    print("finished")
except OperationalError as error:
    print("cancelled" if isinstance(error.__cause__, QueryCanceled) else repr(error))
"""


def test_a_statement_slower_than_the_timeout_is_cancelled(db):
    result = run(["manage.py", "shell", "-c", SLOW_STATEMENT], DATABASE_STATEMENT_TIMEOUT_MS="200")

    assert result.stdout.strip().splitlines()[-1] == "cancelled", result.stderr
