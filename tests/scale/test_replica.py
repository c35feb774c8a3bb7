"""Public reads from a real streaming replica (map_portal.routers): an anonymous visitor reads
the replica, which may lag; a browser that has just written reads the primary, so an editor sees
what they saved; when the replica is down, everyone reads the primary. The replica's replay is
paused to make the lag last."""

import time

import psycopg
import pytest

from tests.factories import make_site
from tests.scale.servers import HttpClient, application_environ, cluster, gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


def replica_sql(cluster, database: str, sql: str, params=()):
    with psycopg.connect(cluster.dsn(database), autocommit=True) as db:
        return db.execute(sql, params).fetchone()[0]


def wait_for(condition, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def public_name(client, site_id: int) -> str:
    answer = client.get(f"/api/v1/sites/{site_id}/")
    assert answer.status == 200, answer.body
    return answer.json()["properties"]["name"]


def test_visitors_read_the_replica_and_an_editor_reads_the_primary_after_a_write(
    administrator_key, settings
):
    site = make_site("Trạm kiểm định Cầu Giấy")
    database = settings.DATABASES["default"]["NAME"]
    with cluster() as primary, cluster() as replica:
        primary.make_primary(database)
        replica.make_replica_of(primary)

        def replicated_name():
            named = "SELECT name FROM layers_siteindex WHERE site_id = %s"
            return replica_sql(replica, database, named, [site.pk])

        wait_for(lambda: replicated_name() == site.name, "the replica")
        environ = application_environ(
            primary.url(database), DATABASE_REPLICA_URLS=replica.url(database)
        )
        with gunicorn(environ) as (base, _):
            visitor = HttpClient(base)
            editor = HttpClient(base, {"Authorization": f"Bearer {administrator_key}"})
            assert public_name(visitor, site.pk) == "Trạm kiểm định Cầu Giấy"

            replica_sql(replica, database, "SELECT pg_wal_replay_pause()::text")
            renamed = editor.request(
                "PATCH", f"/api/v1/registry/sites/{site.pk}/", {"name": "Trạm Nghĩa Đô"}
            )
            assert renamed.status == 200, renamed.body
            assert "primary_reads=" in renamed.headers["Set-Cookie"]

            assert public_name(editor, site.pk) == "Trạm Nghĩa Đô"  # from the primary
            assert public_name(visitor, site.pk) == "Trạm kiểm định Cầu Giấy"  # the replica
            assert public_name(HttpClient(base), site.pk) == "Trạm kiểm định Cầu Giấy"

            replica_sql(replica, database, "SELECT pg_wal_replay_resume()::text")
            wait_for(lambda: replicated_name() == "Trạm Nghĩa Đô", "the replay")
            assert public_name(visitor, site.pk) == "Trạm Nghĩa Đô"

            replica.crash()  # a replica that is down: reads go to the primary
            assert public_name(visitor, site.pk) == "Trạm Nghĩa Đô"
            assert public_name(HttpClient(base), site.pk) == "Trạm Nghĩa Đô"
