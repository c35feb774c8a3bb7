"""The query planner's statistics, refreshed after bulk writes."""

from django.db import connection


def refresh_planner_statistics(*models):
    """ANALYZE the models' tables. After a bulk load the planner's row counts are stale until
    autovacuum comes by, and joins over them get poor plans: the commune query of a first import
    hit the 30 s statement timeout right after the reference data was loaded, and make bench
    measured the status query at 34 s instead of 0.7 s after load_demo."""
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
