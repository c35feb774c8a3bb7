"""Who a request comes from, and how fast it may ask: the client's address (trusting
X-Forwarded-For only as far as TRUSTED_PROXY_COUNT says), the rate limits of the public API and
the exports, and the page a sign-in locked out by django-axes gets. docs/SECURITY.md explains."""

import ipaddress
import math

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR; behind TRUSTED_PROXY_COUNT proxies, the address the
    outermost of them saw, which is that many entries from the right of X-Forwarded-For (each
    proxy appends the address it received from; anything further left the client wrote)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if not proxies or not forwarded:
        return remote
    candidate = forwarded[-min(proxies, len(forwarded))]
    return candidate if _is_address(candidate) else remote


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class RateThrottle(SimpleRateThrottle):
    """At most the rate of `rate_setting` (such as "600/min"; empty or None: no limit) requests
    per client in a sliding window: a signed-in user counted by account, anyone else by
    address. The counts live in Django's cache (CACHE_URL: Redis shares them among workers)."""

    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting) or None

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            ident = client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiThrottle(RateThrottle):
    """Every API and OGC request (API_RATE_LIMIT)."""

    scope = "api"
    rate_setting = "API_RATE_LIMIT"


class ExportThrottle(RateThrottle):
    """The downloads of whole filtered sets and the national dump (EXPORT_RATE_LIMIT)."""

    scope = "exports"
    rate_setting = "EXPORT_RATE_LIMIT"


def exception_handler(exc, context):
    """DRF's handler, with the answer to a throttled request in the visitor's language."""
    if isinstance(exc, Throttled):
        exc = too_many_requests(exc.wait)
    from rest_framework import views  # imported late: it reads the settings naming this module

    return views.exception_handler(exc, context)


def too_many_requests(wait) -> Throttled:
    """A 429 that says when to come back (and Retry-After, which DRF adds from `wait`)."""
    if wait is None:
        throttled = Throttled(detail=_("Too many requests: try again later."))
    else:
        seconds = max(1, math.ceil(wait))
        message = ngettext(
            "Too many requests: try again in %(seconds)s second.",
            "Too many requests: try again in %(seconds)s seconds.",
            seconds,
        )
        throttled = Throttled(detail=message % {"seconds": seconds})
        throttled.wait = seconds
    return throttled


def locked_out(request, original_response=None, credentials=None):
    """The page of a sign-in refused by the lockout (AXES_LOCKOUT_CALLABLE): 429, how long to
    wait (every further failure starts the wait again) and whom to ask."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": math.ceil(seconds / 60)}
    response = render(request, "frontend/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
