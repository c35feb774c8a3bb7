"""Published answers: content encodings (brotli, gzip, identity) stored once each, ETags per
encoding, Last-Modified and If-Modified-Since, the headers a CDN honours, Redis as the cache
(shared by processes, done without when it is away) and the front door that answers a stored
answer before Django runs, never one that an edit made stale."""

import gzip
import json
import logging
import os
import secrets
import subprocess
import sys
from datetime import datetime, time, timedelta
from io import BytesIO

import brotli
import pytest
import redis
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

from geodata.models import AdministrativeUnit
from layers import caching
from layers.indexing import registry_state
from layers.models import RegistryVersion
from map_portal.cache import Outage
from map_portal.front_door import FrontDoor
from tests.factories import make_site

SITES = "/api/v1/sites/"
SEA_TILE = "/tiles/sites/12/3322/1910.mvt"  # off Khánh Hòa: no site, a 204
REDIS = "redis://127.0.0.1:6379/1"
CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there


@pytest.fixture
def site(db):
    return make_site("Trạm kiểm định Cầu Giấy")


def get(client, url=SITES, **headers):
    return client.get(url, headers={"Accept-Language": "en", **headers})


def decoded(response) -> bytes:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    encoding = response.get("Content-Encoding")
    return {"br": brotli.decompress, "gzip": gzip.decompress}.get(encoding, bytes)(content)


@pytest.fixture
def redis_cache(settings):
    """Redis as the cache, under keys of this test alone, removed afterwards."""
    prefix = f"test-caching-{secrets.token_hex(6)}"
    settings.CACHES = {
        "default": {
            "BACKEND": "map_portal.cache.ForgivingRedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": prefix,
        }
    }
    Outage.until = 0.0
    yield prefix
    client = redis.Redis.from_url(REDIS)
    if keys := list(client.scan_iter(f"{prefix}:*")):
        client.delete(*keys)
    Outage.until = 0.0


# Content encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accepted", "encoding"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip;q=0.5", "gzip"),
        ("*", "br"),
        ("identity", None),
        ("", None),
    ],
)
def test_brotli_then_gzip_then_identity_and_each_says_the_same(client, site, accepted, encoding):
    plain = get(client)

    response = get(client, **{"Accept-Encoding": accepted})

    assert response.get("Content-Encoding") == encoding
    assert decoded(response) == plain.content
    assert json.loads(decoded(response))["features"][0]["properties"]["name"] == site.name
    assert "Accept-Encoding" in response["Vary"]


def test_each_encoding_has_its_etag_and_each_is_honoured_weak_or_strong(client, site):
    tags = {encoding: get(client, **{"Accept-Encoding": encoding})["ETag"] for encoding in
            ("", "gzip", "br")}  # fmt: skip

    assert len(set(tags.values())) == 3
    for encoding, tag in tags.items():
        for sent in (tag, tag.removeprefix("W/")):
            again = get(client, **{"Accept-Encoding": encoding, "If-None-Match": sent})
            assert (again.status_code, again["ETag"]) == (304, tag)


def test_a_repeated_request_compresses_nothing(client, site, monkeypatch):
    compressions = []
    compress = caching._compress
    monkeypatch.setattr(caching, "_compress", lambda *a: compressions.append(a[1]) or compress(*a))

    first = [get(client, **{"Accept-Encoding": e}).content for e in ("br", "gzip", "br", "gzip")]

    assert compressions == ["br", "gzip"]
    assert first[0] == first[2] and first[1] == first[3]


def test_spreadsheets_are_not_compressed_again(client, site):
    response = get(client, "/api/v1/exports/sites.xlsx", **{"Accept-Encoding": "br, gzip"})

    assert response.status_code == 200
    assert "Content-Encoding" not in response


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_streamed_downloads_are_compressed_as_they_go(client, site, encoding):
    plain = get(client, "/api/v1/exports/sites.csv")

    response = get(client, "/api/v1/exports/sites.csv", **{"Accept-Encoding": encoding})

    assert response.streaming and response["Content-Encoding"] == encoding
    assert decoded(response) == decoded(plain)


def test_vector_tiles_are_compressed_and_spreadsheets_not():
    request = RequestFactory().get("/tiles/", headers={"Accept-Encoding": "br"})
    tile = caching.compressed(lambda r: HttpResponse(b"\x1a" * 500, content_type=caching.MVT))
    archive = caching.compressed(
        lambda r: HttpResponse(b"PK" * 500, content_type="application/zip")
    )

    assert brotli.decompress(tile(request).content) == b"\x1a" * 500
    assert "Content-Encoding" not in archive(request)


# Last-Modified, Cache-Control, Vary -------------------------------------------------------------


def test_last_modified_is_the_last_change_of_the_registry(client, site):
    changed_at = RegistryVersion.objects.get().changed_at

    assert parse_http_date(get(client)["Last-Modified"]) == int(changed_at.timestamp())


def test_last_modified_is_the_start_of_today_after_a_change_made_before_it(client, site):
    RegistryVersion.objects.update(changed_at=timezone.now() - timedelta(days=3))
    today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))

    assert parse_http_date(get(client)["Last-Modified"]) == int(today.timestamp())


def test_if_modified_since_is_a_304_unless_if_none_match_says_otherwise(client, site):
    modified = parse_http_date(get(client)["Last-Modified"])

    same = get(client, **{"If-Modified-Since": http_date(modified)})
    earlier = get(client, **{"If-Modified-Since": http_date(modified - 1)})
    other_tag = get(client, **{"If-Modified-Since": http_date(modified), "If-None-Match": '"x"'})

    assert (same.status_code, earlier.status_code, other_tag.status_code) == (304, 200, 200)
    assert same["Last-Modified"] == earlier["Last-Modified"]


def test_a_cdn_may_keep_answers_and_serve_them_while_it_asks_again(client, site, settings):
    response = get(client)
    settings.CACHE_S_MAXAGE, settings.CACHE_STALE_WHILE_REVALIDATE = 300, 0

    assert set(response["Cache-Control"].split(", ")) == {
        "public", "max-age=60", "s-maxage=60", "stale-while-revalidate=30"
    }  # fmt: skip
    assert {"accept-encoding", "accept", "accept-language"} <= {
        v.strip().lower() for v in response["Vary"].split(",")
    }
    assert set(get(client, kind="testing")["Cache-Control"].split(", ")) == {
        "public", "max-age=60", "s-maxage=300"
    }  # fmt: skip


# Redis ------------------------------------------------------------------------------------------


def test_answers_are_stored_in_redis_and_served_from_it(client, site, redis_cache,
                                                        django_assert_num_queries):  # fmt: skip
    first = get(client, **{"Accept-Encoding": "br"})

    with django_assert_num_queries(1):  # the registry state
        again = get(client, **{"Accept-Encoding": "br"})

    assert (again.content, again["ETag"]) == (first.content, first["ETag"])
    stored = redis.Redis.from_url(REDIS).keys(f"{redis_cache}:*:layers:*")
    assert len(stored) == 2  # the brotli body, the state


def test_answers_stored_in_an_older_form_are_not_read(client, site, redis_cache):
    """A new release finds in Redis what the one before it stored, in that one's form."""
    first = get(client, **{"Accept-Encoding": "br"})
    store = redis.Redis.from_url(REDIS)
    for key in store.keys(f"{redis_cache}:{caching.ANSWERS_VERSION}:*"):
        older = key.decode().replace(f":{caching.ANSWERS_VERSION}:", ":1:", 1)
        store.rename(key, older)
        store.set(older, b"not what this release stores")

    again = get(client, **{"Accept-Encoding": "br"})

    assert again.status_code == 200 and decoded(again) == decoded(first)


def test_an_empty_tile_is_stored_and_answered_again_as_a_204(
    client, site, redis_cache, django_assert_num_queries
):
    first = get(client, SEA_TILE)

    with django_assert_num_queries(1):  # the registry state
        again = get(client, SEA_TILE)

    assert first.status_code == again.status_code == 204
    assert again["ETag"] == first["ETag"] and again.content == b""
    assert get(client, SEA_TILE, **{"If-None-Match": first["ETag"]}).status_code == 304


def test_the_writer_announces_the_latest_state_whatever_the_order(redis_cache):
    later, earlier = "8@2026-01-02T00:00:00+00:00", "7@2026-01-01T00:00:00+00:00"
    client = redis.Redis.from_url(REDIS)

    caching.announce_registry_state(later)
    caching.announce_registry_state(earlier)

    assert caching.announced_state(client) == later


def test_without_redis_public_reads_are_answered_and_it_is_said_once(
    site, settings, caplog, wsgi_application
):
    settings.CACHES = {
        "default": {"BACKEND": "map_portal.cache.ForgivingRedisCache", "LOCATION": CLOSED_PORT}
    }
    settings.API_RATE_LIMIT = "100/min"  # the rate limits count in the cache too
    Outage.until = 0.0
    door = FrontDoor(wsgi_application)
    with caplog.at_level(logging.WARNING, logger="map_portal.cache"):
        answers = [call(door, SITES, accept_encoding=e) for e in ("br", "br", "")]
    Outage.until = 0.0

    assert [status for status, _headers, _body in answers] == ["200 OK"] * 3
    assert site.name in brotli.decompress(answers[0][2]).decode()
    assert site.name in answers[2][2].decode()
    assert len([r for r in caplog.records if "cannot be reached" in r.message]) == 1


# The front door ---------------------------------------------------------------------------------


def call(application, path, **headers):
    """(status, headers, body) of a GET through a WSGI application."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT_LANGUAGE": "en",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(),
        "wsgi.errors": sys.stderr,
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }
    answered = {}
    body = b"".join(application(environ, lambda s, h: answered.update(status=s, headers=h)))
    return answered["status"], sorted(answered["headers"]), body


def comparable(headers) -> dict:
    """The headers, the policy's directives and Vary's names in any order."""
    named = dict(headers)
    policy, vary = named.pop("Content-Security-Policy"), named.pop("Vary")
    return {
        **named,
        "policy": {part.strip() for part in policy.split(";")},
        "vary": {name.strip() for name in vary.split(",")},
    }


class Counting:
    """The Django application, counting the requests that reach it."""

    def __init__(self, application):
        self.application, self.calls = application, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.application(environ, start_response)


@pytest.fixture
def door(wsgi_application, redis_cache):
    django = Counting(wsgi_application)
    return FrontDoor(django), django


@pytest.mark.parametrize("encoding", ["br", "gzip", ""])
def test_the_door_answers_a_repeated_request_as_django_did(door, site, encoding):
    door, django = door
    first = call(door, SITES, accept_encoding=encoding)

    again = call(door, SITES, accept_encoding=encoding)

    assert django.calls == 1
    assert again == first
    headers = dict(first[1])
    assert headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in headers
    assert headers.get("Content-Encoding", "") == encoding


def test_the_door_answers_an_empty_tile_as_django_did(door, site):
    door, django = door
    first = call(door, SEA_TILE)

    again = call(door, SEA_TILE)

    assert django.calls == 1
    assert again == first and first[0] == "204 No Content"


def test_the_door_keeps_the_language_apart(door, site):
    door, django = door
    english = call(door, SITES)

    vietnamese = call(door, SITES, accept_language="vi")

    assert django.calls == 2
    assert dict(english[1])["Content-Language"] == "en"
    assert dict(vietnamese[1])["Content-Language"] == "vi"


def test_the_door_answers_an_etag_sent_back_with_the_304_django_gives(door, site):
    door, django = door
    status, headers, _ = call(door, SITES)
    tag = dict(headers)["ETag"]

    by_django = call(django, SITES, if_none_match=tag)
    by_door = call(door, SITES, if_none_match=tag)

    assert django.calls == 2
    assert by_door[0] == by_django[0] == "304 Not Modified"
    assert comparable(by_door[1]) == comparable(by_django[1])


def test_the_door_never_serves_an_answer_that_an_edit_made_stale(
    door, site, django_capture_on_commit_callbacks
):
    door, django = door
    call(door, SITES)

    with django_capture_on_commit_callbacks(execute=True):  # as when the edit commits
        site.name = "Trạm kiểm định Nghĩa Đô"
        site.save()
    status, _headers, body = call(door, SITES)

    assert django.calls == 2 and status == "200 OK"
    assert "Nghĩa Đô" in body.decode()


def test_without_an_announced_state_django_answers_and_makes_it_known(door, site, redis_cache):
    door, django = door
    client = redis.Redis.from_url(REDIS)
    client.delete(caching.cache.make_key(caching.STATE_KEY))

    call(door, SITES)
    call(door, SITES)

    assert caching.announced_state(client) == registry_state()
    assert django.calls == 1


# Two processes ----------------------------------------------------------------------------------

SERVE = """
import json, os, sys
from django.core.signals import request_started
from map_portal.wsgi import application
from tests.layers.test_caching import call
reached = []
request_started.connect(lambda **kwargs: reached.append(1), weak=False)
for path in sys.stdin:
    reached.clear()
    status, _headers, body = call(application, path.strip())
    answer = {"status": status, "django": bool(reached), "body": body.decode()}
    print(json.dumps(answer), flush=True)
"""


@pytest.fixture
def committed(transactional_db):
    """Committed data, which another process sees. A transactional test empties the database
    when it ends: the reference data is loaded again when missing."""
    if not AdministrativeUnit.objects.exists():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def other_process(redis_cache, settings):
    """Another application process on the same database and Redis, answering paths read from
    its standard input with a line of JSON."""
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgis://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "CACHE_URL": f"{REDIS}?key_prefix={redis_cache}",
        "HTTPS": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env=environment, text=True, cwd=settings.BASE_DIR,
    )  # fmt: skip

    def ask(path):
        process.stdin.write(path + "\n")
        process.stdin.flush()
        return json.loads(process.stdout.readline())

    yield ask
    process.stdin.close()
    process.wait(timeout=30)


def test_an_edit_in_one_process_invalidates_what_another_serves_through_redis(
    committed, other_process
):
    site = make_site("Trạm kiểm định Cầu Giấy", address="Số 8 Hoàng Quốc Việt, Hà Nội")
    first, again = other_process(SITES), other_process(SITES)

    site.name = "Trạm kiểm định Nghĩa Đô"
    site.save()  # committed: the version moves and is announced in Redis
    after = other_process(SITES)

    assert (first["django"], again["django"], after["django"]) == (True, False, True)
    assert again["body"] == first["body"] and "Cầu Giấy" in first["body"]
    assert "Nghĩa Đô" in after["body"] and "Cầu Giấy" not in after["body"]
