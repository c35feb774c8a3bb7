"""The front door: a WSGI wrapper that answers a repeated published request from Redis before
Django's middleware and views run (two Redis reads instead of the whole stack).

It answers only what Django answered before with the same status, headers and bytes: Django's
answer to a published request (layers.caching marks it) is stored whole, under the variant made
from the registry state the body was read with. The door looks it up under the variant of the
state that the writers announced in Redis after their commit (layers.caching), so an edit sends
the next request to Django; when Redis holds no state or no answer, or cannot be reached, Django
answers, as it does for anything the door is unsure of (HEAD, a body, a host not allowed...)."""

import json
from http import HTTPStatus

from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.utils.translation import get_language_from_request

from layers import caching
from map_portal.cache import Outage, raw_client

PATHS = ("/api/", "/ogc/", "/tiles/")
# Headers of a 200 or 204 that Django's 304 (layers.caching) does not carry.
NOT_IN_304 = {"content-type", "content-encoding", "content-disposition", "content-length", "allow"}


class FrontDoor:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        client = raw_client()
        found = client and _lookup(environ, client)
        if not found:
            response = self.application(environ, start_response)
            if client and environ["REQUEST_METHOD"] == "GET":
                _keep(client, response)
            return response
        request, variant, encoding, stored = found
        status, headers, body = _loads(stored)
        modified = caching.last_modified(request.state)
        if caching.not_modified(request, caching.etag(variant, encoding), modified):
            headers = [(n, v) for n, v in headers if n.lower() not in NOT_IN_304]
            start_response("304 Not Modified", [*headers, ("Content-Length", "0")])
            return [b""]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]


def _lookup(environ, client):
    """(request, variant, encoding, stored answer) when the door may answer, else None."""
    if (
        environ["REQUEST_METHOD"] != "GET"
        or not environ.get("PATH_INFO", "").startswith(PATHS)
        or environ.get("CONTENT_LENGTH", "0") not in ("", "0")
        or "HTTP_TRANSFER_ENCODING" in environ
    ):
        return None
    state = Outage.call(lambda: caching.announced_state(client), None)
    if state is None:
        return None
    request = WSGIRequest(environ)
    try:
        url = request.build_absolute_uri()
    except DisallowedHost:
        return None
    request.state = state
    language = get_language_from_request(request)
    variant = caching.variant_of(state, language, url, environ.get("HTTP_ACCEPT", ""))
    encoding = caching.negotiated_encoding(environ.get("HTTP_ACCEPT_ENCODING", ""))
    stored = Outage.call(lambda: client.get(_key(variant, encoding)), None)
    return stored and (request, variant, encoding, stored)


def _keep(client, response):
    """Stores Django's answer to a published request, unless it is the visitor's own: a cookie,
    a Vary on the cookie, a script nonce."""
    marked = getattr(response, "published_variant", None)
    if (
        not marked
        or response.status_code not in caching.STORED_STATUSES
        or response.cookies
        or "cookie" in response.get("Vary", "").lower()
        or "'nonce-" in response.get("Content-Security-Policy", "")
    ):
        return
    stored = _dumps(response.status_code, list(response.items()), response.content)
    Outage.call(lambda: client.set(_key(*marked), stored, ex=caching.CACHE_SECONDS), None)


def _key(variant: str, encoding: str) -> str:
    return caching.cache.make_key(f"door:{variant}:{encoding}", caching.ANSWERS_VERSION)


def _dumps(status: int, headers, body: bytes) -> bytes:
    return json.dumps([status, headers]).encode() + b"\n" + body  # JSON holds no raw newline


def _loads(stored: bytes):
    head, _, body = stored.partition(b"\n")
    status, headers = json.loads(head)
    return status, [tuple(pair) for pair in headers], body
