"""Real servers for the scale tests: copies of the test database's PostgreSQL cluster made by
scripts/replica (a streaming replica, or a standalone copy to crash), and gunicorn serving the
application against them."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import soak  # noqa: E402

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]


free_port = soak.free_port


class Cluster:
    """A PostgreSQL cluster of its own in a temporary directory, on a free port: a standalone
    primary holding a copy of the test database (`make_primary`), or a streaming replica of such
    a primary made by scripts/replica (`make_replica_of`). Copying the test database
    alone, not the whole cluster that serves it (other databases of gigabytes, perhaps), keeps a
    copy to seconds. `remove()` stops it and deletes its files."""

    def __init__(self):
        self.parent = Path(tempfile.mkdtemp(prefix="map-portal-cluster-"))
        self.parent.chmod(0o755)  # the postgres user must reach the data directory inside
        self.data = self.parent / "data"
        self.data.mkdir(mode=0o700)
        if os.getuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        self.port = free_port()
        self.user = connection.settings_dict["USER"]

    def make_primary(self, database: str):
        """Durable as production is (synchronous_commit on), with a copy of `database`."""
        self.pg(["initdb", "-D", self.data, "-U", self.user, "--auth=trust"])
        settings = f"""
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
port = {self.port}
synchronous_commit = on
"""
        as_owner(["tee", "-a", str(self.data / "postgresql.conf")], settings)
        self.start()
        test_db = connection.settings_dict
        dump = subprocess.Popen(
            [PG_BIN / "pg_dump", "-Fc", "-h", test_db["HOST"], "-p", str(test_db["PORT"]),
             "-U", self.user, database],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        subprocess.run(
            [PG_BIN / "pg_restore", "--create", "-h", "127.0.0.1", "-p", str(self.port),
             "-U", self.user, "-d", "postgres"],
            stdin=dump.stdout, check=True,
        )  # fmt: skip
        assert dump.wait() == 0

    def make_replica_of(self, primary: "Cluster"):
        environ = os.environ | {
            "PRIMARY_PORT": str(primary.port),
            "REPLICA_DIR": str(self.data),
            "REPLICA_PORT": str(self.port),
        }
        subprocess.run([ROOT / "scripts" / "replica", "create"], env=environ, check=True)

    def pg(self, command: list):
        as_owner([str(PG_BIN / command[0]), *map(str, command[1:])])

    def start(self):
        self.pg(["pg_ctl", "-D", self.data, "-l", self.data / "server.log", "-w", "start"])

    def crash(self):
        """Stops it as a power cut would: no checkpoint, no goodbye to the clients."""
        self.pg(["pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"])

    def remove(self):
        if (self.data / "postmaster.pid").exists():
            self.crash()
        shutil.rmtree(self.parent, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgis://{self.user}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"


def as_owner(command: list[str], stdin: str | None = None):
    """PostgreSQL refuses to run as root: then its files and processes are the postgres user's."""
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, input=stdin, text=True, check=True, capture_output=True)


@contextmanager
def cluster():
    """A Cluster, removed at the end whatever happens."""
    made = Cluster()
    try:
        yield made
    finally:
        made.remove()


def served_database_url() -> str:
    settings = connection.settings_dict
    return f"postgis://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def application_environ(database_url: str, **extra: str) -> dict:
    """The environment of a production-like gunicorn: DEBUG off, on plain http, no limits."""
    return os.environ | {
        "DATABASE_URL": database_url,
        "DATABASE_REPLICA_URLS": "",
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": "scale-tests-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_RATE_LIMIT": "",
        "EXPORT_RATE_LIMIT": "",
        "CACHE_URL": "locmemcache://",
        **extra,
    }


@contextmanager
def gunicorn(environ: dict, workers: int = 2):
    """gunicorn serving the application on a free loopback port (scripts/soak.py starts it);
    yields its base URL and process (the master)."""
    with soak.gunicorn(environ, workers) as (port, server):
        yield f"http://127.0.0.1:{port}", server


class HttpClient:
    """An HTTP client with its own cookies, as one browser; errors are answers, not exceptions."""

    def __init__(self, base: str, headers: dict | None = None):
        self.base = base
        self.headers = {"Accept-Language": "en", **(headers or {})}
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

    def request(self, method: str, path: str, json_body=None, timeout: float = 30):
        data = None if json_body is None else json.dumps(json_body).encode()
        headers = self.headers | ({"Content-Type": "application/json"} if data else {})
        request = urllib.request.Request(self.base + path, data, headers, method=method)  # noqa: S310
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)


@dataclass
class Answer:
    status: int
    headers: object
    body: bytes

    def json(self):
        return json.loads(self.body)
