"""Which database a read goes to: a streaming replica (settings.DATABASE_REPLICA_URLS) for the
public reads of a request that may see a slightly stale snapshot, else the primary ("default").

The alias is chosen once per request by map_portal.replica_middleware.ReplicaMiddleware and kept
in a context variable, so a request reads one consistent snapshot from one server. Outside a
request (commands, shell, tests without the middleware) it is "default". Raw SQL reads take
`read_connection()` instead of `django.db.connection`; ORM reads go through ReplicaRouter.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

_request_read_alias: ContextVar[str] = ContextVar("request_read_alias", default=DEFAULT_DB_ALIAS)


def read_alias() -> str:
    """The alias the current request reads from. Inside an atomic block on the primary, the
    primary: the block may have written what it is about to read, and a replica cannot see it."""
    alias = _request_read_alias.get()
    if alias != DEFAULT_DB_ALIAS and connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return alias


def read_connection():
    """The connection public raw-SQL reads use (see read_alias)."""
    return connections[read_alias()]


@contextmanager
def reading_from(alias: str):
    """Reads in the block go to `alias` (the middleware's per-request choice)."""
    token = _request_read_alias.set(alias)
    try:
        yield
    finally:
        _request_read_alias.reset(token)


def read_from_primary() -> None:
    """The rest of the current request reads from the primary: for a read path that writes and
    must then see its own write."""
    _request_read_alias.set(DEFAULT_DB_ALIAS)


class ReplicaRouter:
    """DATABASE_ROUTERS entry: ORM reads follow read_alias(), writes and migrations go to the
    primary; rows of both are the same rows, so relations between them are allowed."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
