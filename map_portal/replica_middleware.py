"""Chooses, once per request, the database its public reads use (map_portal.routers).

A safe request (GET, HEAD, OPTIONS) reads from a replica picked at random, unless the browser
wrote recently: after a successful unsafe request, a signed cookie keeps its reads on the primary
for REPLICA_PIN_SECONDS, because a replica replays the primary's changes a little later
(replication lag) and an editor must see what they just saved. A replica that cannot be reached
is skipped: the request reads from the primary.
"""

import logging
import random

from django.conf import settings
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

from map_portal.routers import reading_from

logger = logging.getLogger(__name__)

PIN_COOKIE = "primary_reads"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.replicas = [alias for alias in settings.DATABASES if alias.startswith("replica_")]

    def __call__(self, request):
        with reading_from(self.read_alias(request)):
            response = self.get_response(request)
        if self.replicas and request.method not in SAFE_METHODS and response.status_code < 400:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_COOKIE,
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def read_alias(self, request) -> str:
        if not self.replicas or request.method not in SAFE_METHODS or pinned(request):
            return DEFAULT_DB_ALIAS
        alias = random.choice(self.replicas)  # noqa: S311 - load spreading, not security
        return alias if reachable(alias) else DEFAULT_DB_ALIAS


def pinned(request) -> bool:
    try:
        request.get_signed_cookie(PIN_COOKIE, salt=PIN_COOKIE, max_age=settings.REPLICA_PIN_SECONDS)
    except (KeyError, signing.BadSignature):
        return False
    return True


def reachable(alias: str) -> bool:
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except (OperationalError, InterfaceError):
        logger.warning("Replica %s cannot be reached: reading from the primary.", alias)
        return False
    return True
