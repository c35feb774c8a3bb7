"""Responses that a repeated request gets for nothing. A published response depends only on the
registry version, the request's path and query, its language, its Accept header and the day
(statuses are computed for today): that is its variant, which names its stored bodies (one per
content encoding: identity, brotli, gzip, each compressed once) and its ETags. A client that
sends the ETag back gets a 304, any other client the stored body, and no worker ever serves what
an edit made stale.

The registry state a body is stored under is the one read from the database connection that
made the body (map_portal.routers.read_connection), so a lagging replica never stores an old
body under a new version. The writer announces each new state in Redis after its commit
(announce_registry_state), which map_portal.front_door reads to serve stored answers before
Django runs."""

import hashlib
from datetime import datetime, time
from functools import partial, wraps

import brotli
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language
from isal import isal_zlib

from layers import indexing
from map_portal.cache import Outage, raw_client
from map_portal.routers import read_alias

CACHE_SECONDS = 24 * 60 * 60
VARY = ["Accept-Encoding", "Accept", "Accept-Language"]
# Smaller bodies gain nothing from compression.
MIN_COMPRESSED_BYTES = 200
# gzip by ISA-L (igzip), level 2 of 0-3: a 2,000-site GeoJSON (2 MB) in about 4 ms, against
# 29 ms for zlib's level 6, at 1.4 times its size (283 KB against 204 KB).
GZIP_LEVEL = 2
_GZIP_WINDOW = 16 + 15  # a gzip member (header and trailer) around a 32 KB-window deflate stream
# Quality 4 compresses a 500-site GeoJSON (500 KB) in under 5 ms, to 40 KB (gzip: 72 KB); the
# highest qualities take a hundred times longer for a few per cent.
BROTLI_QUALITY = 4
MVT = "application/vnd.mapbox-vector-tile"
# The answers kept: a tile without features (204) is asked for as often as one with some.
STORED_STATUSES = (200, 204)
# The cache version of stored answers, moved when their form changes (now: content, headers,
# status), so that a new release never reads what an older one stored.
ANSWERS_VERSION = 2
# The registry state in Redis, for the front door. It expires so that a state the writer could
# not announce (Redis away at its commit) keeps old answers served for a minute at most.
STATE_KEY = "layers:registry-state"
STATE_SECONDS = 60
# Sets the state unless Redis holds a later one: two writers' announcements may arrive in either
# order. The value is "<microseconds of changed_at> <state>".
_ANNOUNCE = """
local held = redis.call('GET', KEYS[1])
if held and tonumber(string.match(held, '^%d+')) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2], 'EX', ARGV[3])
return 1
"""


def published(view):
    """Wraps a view whose 200 responses depend only on what is published."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        state = indexing.registry_state()
        _keep_state_known(state)
        encoding = negotiated_encoding(request.headers.get("Accept-Encoding", ""))
        variant = variant_of(
            state,
            get_language() or "",
            request.build_absolute_uri(),  # bodies hold absolute links
            request.headers.get("Accept", ""),
        )
        tag, modified = etag(variant, encoding), last_modified(state)
        if not_modified(request, tag, modified):
            response = HttpResponseNotModified()
        else:
            response = _stored_or_made(view, request, args, kwargs, variant, encoding)
            if response.status_code not in STORED_STATUSES:
                return response
        response["ETag"] = tag
        response["Last-Modified"] = http_date(modified.timestamp())
        patch_public_caching(response)
        return response

    return wrapper


def compressed(view):
    """Compresses what a view answers (brotli, gzip or nothing, as the client accepts)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        encoding = negotiated_encoding(request.headers.get("Accept-Encoding", ""))
        return _compress_response(view(request, *args, **kwargs), encoding)

    return wrapper


def variant_of(state: str, language: str, url: str, accept: str) -> str:
    key = "|".join([state, timezone.localdate().isoformat(), language, url, accept])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def etag(variant: str, encoding: str) -> str:
    """Weak: a body made again for the same variant says the same but may differ in its bytes
    (the time it was made); one per encoding, as RFC 9110 asks of different representations."""
    return f'W/"{variant}-{encoding}"' if encoding else f'W/"{variant}"'


def last_modified(state: str) -> datetime:
    """The later of the registry's last change and the start of today (statuses move daily)."""
    today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    _number, _at, changed_at = state.partition("@")
    return max(datetime.fromisoformat(changed_at), today) if changed_at else today


def not_modified(request, tag: str, modified: datetime) -> bool:
    """If-None-Match, weakly compared; If-Modified-Since only without it (RFC 9110 13.1.3)."""
    if sent := request.headers.get("If-None-Match"):
        tags = {t.strip().removeprefix("W/") for t in sent.split(",")}
        return "*" in tags or tag.removeprefix("W/") in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(modified.timestamp()) <= since


def patch_public_caching(response):
    """Any cache may keep it for CACHE_MAX_AGE; a shared one (a CDN) for CACHE_S_MAXAGE, and
    may serve it for CACHE_STALE_WHILE_REVALIDATE more while it asks again."""
    shared = {
        "s_maxage": settings.CACHE_S_MAXAGE,
        "stale_while_revalidate": settings.CACHE_STALE_WHILE_REVALIDATE,
    }
    extra = {name: seconds for name, seconds in shared.items() if seconds}
    patch_cache_control(response, public=True, max_age=settings.CACHE_MAX_AGE, **extra)
    patch_vary_headers(response, VARY)


def negotiated_encoding(accept_encoding: str) -> str:
    """The first of brotli ("br") and gzip that Accept-Encoding allows; "" for identity."""
    weights = {}
    for part in accept_encoding.lower().split(","):
        coding, *parameters = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[coding] = weight
    for coding in ("br", "gzip"):
        if weights.get(coding, weights.get("*", 0.0)) > 0:
            return coding
    return ""


def announce_registry_state(state: str):
    """Tells the front door, after the writer's commit, that answers are now of this state."""
    if client := raw_client():
        announce = partial(client.eval, _ANNOUNCE, 1, cache.make_key(STATE_KEY))
        Outage.call(lambda: announce(_order(state), state, STATE_SECONDS), None)


def announced_state(client) -> str | None:
    held = client.get(cache.make_key(STATE_KEY))
    return held.decode().partition(" ")[2] if held else None


def _keep_state_known(state: str):
    """Sets the state in Redis when it has none (expired, flushed): read from the primary, never
    from a replica, which may not have replayed the last change yet. SET NX: an announcement
    made meanwhile wins."""
    if not (client := raw_client()):
        return
    key = cache.make_key(STATE_KEY)
    if read_alias() != DEFAULT_DB_ALIAS:
        if Outage.call(lambda: client.exists(key), True):
            return
        state = indexing.registry_state(DEFAULT_DB_ALIAS)
    value = f"{_order(state)} {state}"
    Outage.call(lambda: client.set(key, value, nx=True, ex=STATE_SECONDS), None)


def _order(state: str) -> int:
    _number, _at, changed_at = state.partition("@")
    return int(datetime.fromisoformat(changed_at).timestamp() * 1_000_000) if changed_at else 0


def _stored_or_made(view, request, args, kwargs, variant: str, encoding: str):
    """The stored body in this encoding, else the view's answer, stored in it. What is served is
    stored, and served from the stored form either way, so that a repeated request gets the same
    bytes and headers. Each encoding is made by a request of its own: a plain copy kept beside
    the compressed one, to compress again for another encoding, took seven times its room, and
    writing it a tenth of the time of a 2,000-site answer."""
    key = f"layers:{variant}:{encoding}"
    if entry := cache.get(key, version=ANSWERS_VERSION):
        return _served(entry, variant, encoding)
    response = view(request, *args, **kwargs)
    if getattr(response, "is_rendered", True) is False:
        response.render()  # DRF's error answers are rendered after the view, too late here
    if response.status_code not in STORED_STATUSES or response.streaming:
        return _compress_response(response, encoding)
    headers = [(n, v) for n, v in response.items() if n.lower() != "content-length"]
    entry = _encoded((response.content, headers, response.status_code), encoding)
    cache.set(key, entry, CACHE_SECONDS, version=ANSWERS_VERSION)
    return _served(entry, variant, encoding)


def _served(entry, variant: str, encoding: str) -> HttpResponse:
    content, headers, status = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response.published_variant = (variant, encoding)  # what the front door may store
    return response


def _encoded(plain, encoding: str):
    content, headers, status = plain
    if not _worth_compressing(encoding, content, dict(headers).get("Content-Type", "")):
        return plain
    return _compress(content, encoding), [*headers, ("Content-Encoding", encoding)], status


def _worth_compressing(encoding: str, content: bytes | None, content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    kind = media.startswith("text/") or media.endswith("json") or media == MVT
    return bool(encoding) and kind and (content is None or len(content) >= MIN_COMPRESSED_BYTES)


def _compress(content: bytes, encoding: str) -> bytes:
    process, finish = _compressor(encoding)
    return process(content) + finish()


def _compressor(encoding: str):
    """The functions that compress the next part of a body and end it, for "br" or "gzip"."""
    if encoding == "br":
        compressor = brotli.Compressor(quality=BROTLI_QUALITY)
        return compressor.process, compressor.finish
    compressor = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, _GZIP_WINDOW)
    return compressor.compress, compressor.flush


def _compress_response(response, encoding: str):
    """The response compressed in place (streamed ones chunk by chunk), unless already encoded
    or not worth it."""
    patch_vary_headers(response, ["Accept-Encoding"])
    content = None if response.streaming else response.content
    if response.has_header("Content-Encoding") or not _worth_compressing(
        encoding, content, response.get("Content-Type", "")
    ):
        return response
    if response.streaming:
        response.streaming_content = _compressed_stream(response.streaming_content, encoding)
        del response["Content-Length"]
    else:
        response.content = _compress(content, encoding)
        response["Content-Length"] = str(len(response.content))
    response["Content-Encoding"] = encoding
    return response


def _compressed_stream(chunks, encoding: str):
    process, finish = _compressor(encoding)
    for chunk in chunks:
        if part := process(chunk):
            yield part
    yield finish()
