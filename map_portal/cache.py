"""Redis as the cache, which a request may do without: while Redis cannot be reached, reads
miss and writes are dropped (the response is computed, the rate limits do not count), it is
logged once, and Redis is asked again only after OUTAGE_SECONDS, so a Redis that does not
answer costs a request at most one connection timeout."""

import logging
import time
from functools import wraps

import redis
from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

OUTAGE_SECONDS = 5.0
# A Redis that does not answer is given up on quickly: the response is computed instead.
CLIENT_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}


class Outage:
    """Whether Redis was found unreachable lately; logs when it goes away and comes back."""

    until = 0.0

    @classmethod
    def call(cls, operation, default):
        if time.monotonic() < cls.until:
            return default
        try:
            result = operation()
        except redis.RedisError as error:
            if not cls.until:
                logger.warning("Redis cannot be reached (%s): answering without the cache.", error)
            cls.until = time.monotonic() + OUTAGE_SECONDS
            return default
        if cls.until:
            logger.warning("Redis answers again.")
            cls.until = 0.0
        return result


def _forgiving(name, default):
    method = getattr(RedisCache, name)

    @wraps(method)
    def call(self, *args, **kwargs):
        return Outage.call(lambda: method(self, *args, **kwargs), default() if default else None)

    return call


class _OneClientPerPool(RedisCacheClient):
    """Django's client, but one redis.Redis per connection pool instead of one per operation
    (setting up its reply handlers took about a millisecond of each published answer)."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if (client := getattr(pool, "cache_client", None)) is None:
            client = pool.cache_client = self._client(connection_pool=pool)
        return client


class ForgivingRedisCache(RedisCache):
    """Django's RedisCache whose reads and writes do without Redis while it is away."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool

    def get(self, key, default=None, version=None):
        return Outage.call(
            lambda: super(ForgivingRedisCache, self).get(key, default, version), default
        )

    get_many = _forgiving("get_many", dict)
    has_key = _forgiving("has_key", bool)
    add = _forgiving("add", bool)
    set = _forgiving("set", None)
    set_many = _forgiving("set_many", list)
    touch = _forgiving("touch", bool)
    delete = _forgiving("delete", bool)
    delete_many = _forgiving("delete_many", None)


_clients = {}


def raw_client() -> redis.Redis | None:
    """A plain client of the default cache's Redis (the front door and the registry version
    read and write bytes, not pickles); None when the cache is not Redis."""
    config = settings.CACHES["default"]
    if not issubclass(import_string(config["BACKEND"]), RedisCache):
        return None
    location = config["LOCATION"]
    if location not in _clients:
        _clients[location] = redis.Redis.from_url(location, **CLIENT_OPTIONS)
    return _clients[location]
