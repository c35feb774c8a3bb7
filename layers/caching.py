"""Responses that a repeated request gets for nothing. A published response depends only on the
registry version, the request's path and query, its language and the day (statuses are computed
for today), so that is its ETag and its cache key: a client that sends the ETag back gets a 304,
any other client the stored body, and no worker ever serves what an edit made stale."""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from layers.indexing import registry_state

MAX_AGE_SECONDS = 60
CACHE_SECONDS = 24 * 60 * 60


def published(view):
    """Wraps a view whose 200 responses depend only on what is published."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        tag = _etag(request)
        if tag in _sent_tags(request):
            response = HttpResponseNotModified()
        elif stored := cache.get(f"layers:{tag}"):
            content, content_type, disposition = stored
            response = HttpResponse(content, content_type=content_type)
            if disposition:
                response["Content-Disposition"] = disposition
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            if not response.streaming:
                stored = (
                    response.content,
                    response["Content-Type"],
                    response.get("Content-Disposition"),
                )
                cache.set(f"layers:{tag}", stored, CACHE_SECONDS)
        response["ETag"] = tag
        patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
        patch_vary_headers(response, ["Accept", "Accept-Language"])
        return response

    return wrapper


def _etag(request) -> str:
    key = "|".join(
        [
            registry_state(),
            timezone.localdate().isoformat(),
            get_language() or "",
            request.build_absolute_uri(),  # bodies hold absolute links
            request.headers.get("Accept", ""),
        ]
    )
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _sent_tags(request) -> set[str]:
    """The ETags of If-None-Match, without the weak marker that gzip adds."""
    sent = request.headers.get("If-None-Match", "")
    return {tag.strip().removeprefix("W/") for tag in sent.split(",") if tag.strip()}
