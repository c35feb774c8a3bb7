"""PostgreSQL crashes and restarts under load: requests meanwhile get a quick 503 (no 500, none
hangs), the service comes back by itself without restarting gunicorn, and every write that was
answered 2xx is in the database afterwards (synchronous_commit on, as in production)."""

import itertools
import threading
import time

import psycopg
import pytest

from tests.factories import make_site
from tests.scale.servers import HttpClient, application_environ, cluster, gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

CONNECT_TIMEOUT = 3
# A request during the outage must not wait on the database for longer than it may try to
# connect, with a margin for a machine shared with other work: otherwise it hung.
OUTAGE_BOUND_SECONDS = CONNECT_TIMEOUT + 10
SITES = "/api/v1/registry/sites/"
LONG_BIEN = {"type": "Point", "coordinates": [105.89, 21.05]}


class Load:
    """Client threads reading and writing until stopped; every answer recorded."""

    def __init__(self, base: str, key: str, organisation: int, threads: int = 4):
        self.base, self.key, self.organisation = base, key, organisation
        self.answers = []  # (kind, status, seconds, Answer, site name written)
        self.numbers = itertools.count()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(threads)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def run(self, number: int):
        reader = HttpClient(self.base)
        writer = HttpClient(self.base, {"Authorization": f"Bearer {self.key}"})
        while not self.stopping.is_set():
            if number % 2:
                self.record("read", None, reader.get, "/api/v1/sites/?limit=20")
            else:
                name = f"Trạm thử nghiệm số {next(self.numbers)}"
                self.record("write", name, writer.request, "POST", SITES, self.site(name))

    def record(self, kind: str, name, send, *arguments):
        started = time.monotonic()
        try:
            answer = send(*arguments)
        except TimeoutError:
            self.answers.append((kind, "hung", time.monotonic() - started, None, name))
            return
        self.answers.append((kind, answer.status, time.monotonic() - started, answer, name))

    def site(self, name: str) -> dict:
        return {
            "organisation": self.organisation,
            "name": name,
            "kinds": ["verification"],
            "address": "Số 2 Nguyễn Văn Cừ, Long Biên, Hà Nội",
            "province": "01",
            "location": LONG_BIEN,
            "location_method": "surveyed",
            "published": True,
        }

    def since(self, instant: int):
        return self.answers[instant:]


def test_a_crash_of_postgresql_is_a_quick_503_and_the_service_comes_back(
    administrator_key, settings
):
    owner = make_site().organisation_id
    database = settings.DATABASES["default"]["NAME"]
    with cluster() as primary:
        primary.make_primary(database)
        environ = application_environ(
            primary.url(database), DATABASE_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT)
        )
        with gunicorn(environ) as (base, server), Load(base, administrator_key, owner) as load:
            wait_for_answers(load, 8)
            primary.crash()
            crashed = len(load.answers)
            time.sleep(5)
            outage = load.since(crashed)
            primary.start()
            restarted = len(load.answers)
            wait_for(lambda: any(a[1] in (200, 201) for a in load.since(restarted)), "recovery")
            wait_for_answers(load, 8)
            assert server.poll() is None  # the same gunicorn throughout

        statuses = {answer[1] for answer in load.answers}
        assert statuses <= {200, 201, 503}, [a[3].body for a in load.answers if a[1] != 200]
        unavailable = [answer for answer in outage if answer[1] == 503]
        assert unavailable, "no request saw the outage"
        for _, _, seconds, answer, _ in unavailable:
            assert seconds < OUTAGE_BOUND_SECONDS
            assert answer.headers["Retry-After"]
            assert "database cannot be reached" in answer.json()["detail"]
        assert {a[1] for a in load.since(len(load.answers) - 4)} <= {200, 201}

        written = {a[4] for a in load.answers if a[0] == "write" and a[1] == 201}
        assert written
        with psycopg.connect(primary.dsn(database)) as db:
            stored = {row[0] for row in db.execute("SELECT name FROM geodata_site")}
        assert written <= stored


def wait_for_answers(load: Load, count: int):
    start = len(load.answers)
    wait_for(lambda: len(load.answers) >= start + count, f"{count} answers")


def wait_for(condition, what: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
