"""deploy/nginx.conf as it runs in production, in front of two real gunicorn app servers: the
requests are spread over both, a public API answer is kept by the proxy cache (the CDN stand-in),
one server down leaves the site up, and the application sees the visitor's HTTPS through the
proxy. Only the addresses, the certificate and the file owner of the configuration are
replaced."""

import getpass
import json
import re
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.factories import make_site
from tests.scale.servers import (
    ROOT,
    application_environ,
    free_port,
    gunicorn,
    served_database_url,
)

pytestmark = pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")

CONFIG = ROOT / "deploy" / "nginx.conf"
UPSTREAM = (
    "        server 10.0.0.11:8000 max_fails=3 fail_timeout=10s;\n"
    "        server 10.0.0.12:8000 max_fails=3 fail_timeout=10s;\n"
)


def self_signed_certificate(folder: Path) -> Path:
    """A certificate for 127.0.0.1, the only one the client trusts."""
    folder.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", folder / "privkey.pem", "-out", folder / "fullchain.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder / "fullchain.pem"


def rendered(prefix: Path, upstream_ports: list[int], https_port: int) -> Path:
    """deploy/nginx.conf with this machine's addresses, every relative path under `prefix`."""
    text = CONFIG.read_text()
    servers = "".join(
        f"        server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n"
        for port in upstream_ports
    )
    replacements = {
        UPSTREAM: servers,
        "user www-data;": f"user {getpass.getuser()};",
        "listen 80;": f"listen 127.0.0.1:{free_port()};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/map-portal/": f"{prefix}/tls/",
    }
    for production, here in replacements.items():
        assert production in text, production
        text = text.replace(production, here)
    for folder in ("logs", "temp", "cache"):
        (prefix / folder).mkdir()
    config = prefix / "nginx.conf"
    config.write_text(text)
    return config


class Nginx:
    def __init__(self, prefix: Path, upstream_ports: list[int]):
        self.prefix = prefix
        self.port = free_port()
        self.trusted = ssl.create_default_context(cafile=self_signed_certificate(prefix / "tls"))
        config = rendered(prefix, upstream_ports, self.port)
        command = ["nginx", "-p", f"{prefix}/", "-c", str(config), "-g", "daemon off;"]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE)
        self.wait_until_listening()

    def wait_until_listening(self):
        for _ in range(300):
            assert self.process.poll() is None, self.process.stderr.read().decode()
            try:
                self.get("/api/v1/vocabularies/")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise AssertionError("nginx did not answer")

    def get(self, path: str, headers: dict | None = None):
        url = f"https://127.0.0.1:{self.port}{path}"
        headers = {"Accept-Language": "en", **(headers or {})}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (https only)
        try:
            response = urllib.request.urlopen(request, context=self.trusted, timeout=60)  # noqa: S310
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()
        with response:
            return response.status, response.headers, response.read()

    def upstreams_in_log(self) -> set[str]:
        """The app servers that answered, from the access log's $upstream_addr field."""
        log = (self.prefix / "logs" / "access.log").read_text()
        return set(re.findall(r"127\.0\.0\.1:\d+", log))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def app_servers(committed):
    """Two gunicorn servers behind the proxy (TRUSTED_PROXY_COUNT=1), one worker each."""
    environ = application_environ(served_database_url(), TRUSTED_PROXY_COUNT="1")
    with ExitStack() as stack:
        yield [stack.enter_context(gunicorn(environ, workers=1)) for _ in range(2)]


@pytest.fixture
def proxy(app_servers, tmp_path):
    ports = [int(base.rsplit(":", 1)[1]) for base, _ in app_servers]
    nginx = Nginx(tmp_path, ports)
    yield nginx
    nginx.stop()


def test_the_proxy_spreads_caches_forwards_https_and_survives_an_app_server_down(
    proxy, app_servers
):
    # One test, so the two app servers and nginx start once (each start costs about 20 s).
    site = make_site("Trạm kiểm định cân Cầu Giấy")
    requests_are_spread_over_both_app_servers(proxy, app_servers)
    a_second_identical_public_request_is_answered_by_the_proxy_cache(proxy, site)
    the_application_sees_the_visitors_https_through_the_proxy(proxy)
    with_one_app_server_down_every_request_is_still_answered(proxy, app_servers)


def requests_are_spread_over_both_app_servers(proxy, app_servers):
    answers = [proxy.get(f"/api/v1/sites/?limit={limit}") for limit in range(1, 7)]

    assert [status for status, _, _ in answers] == [200] * 6
    assert proxy.upstreams_in_log() >= {base.removeprefix("http://") for base, _ in app_servers}


def a_second_identical_public_request_is_answered_by_the_proxy_cache(proxy, site):
    first = proxy.get("/api/v1/sites/?kind=verification")
    second = proxy.get("/api/v1/sites/?kind=verification")

    assert (first[0], first[1]["X-Cache-Status"]) == (200, "MISS")
    assert (second[0], second[1]["X-Cache-Status"]) == (200, "HIT")
    assert second[2] == first[2]
    assert [f["id"] for f in json.loads(second[2])["features"]] == [site.pk]
    other_language = proxy.get("/api/v1/sites/?kind=verification", {"Accept-Language": "vi"})
    assert other_language[1]["X-Cache-Status"] == "MISS"  # a variant of its own
    just_saved = proxy.get("/api/v1/sites/?kind=verification", {"Cookie": "primary_reads=1"})
    assert just_saved[1]["X-Cache-Status"] == "BYPASS"  # an editor sees their change


def the_application_sees_the_visitors_https_through_the_proxy(proxy):
    status, _, body = proxy.get("/api/v1/sites/?limit=5")

    assert status == 200
    links = [link["href"] for link in json.loads(body)["links"]]
    assert links[0] == f"https://127.0.0.1:{proxy.port}/api/v1/sites/?limit=5"


def with_one_app_server_down_every_request_is_still_answered(proxy, app_servers):
    (_, stopped), (running, _) = app_servers
    stopped.terminate()
    stopped.wait(timeout=60)

    statuses = [proxy.get(f"/api/v1/sites/?limit={limit}")[0] for limit in range(1, 9)]

    assert statuses == [200] * 8
    assert running.removeprefix("http://") in proxy.upstreams_in_log()
