from django.db import migrations

# The kinds of geodata.ServiceKind when this was written.
KINDS = ["testing", "calibration", "verification", "certification", "inspection", "accreditation"]


def _index(kind: str) -> migrations.RunSQL:
    """The published sites of one kind, by their place on the sphere: the nearest sites of a
    kind are walked in this index alone, however rare the kind is around the point (the index
    of all sites walked thousands of other kinds' sites first at a million sites). The
    predicate is written as layers.filters writes a one-kind filter, for the planner to match."""
    return migrations.RunSQL(
        f"CREATE INDEX site_index_nearest_{kind} ON layers_siteindex"
        f" USING gist ((location::geography))"
        f" WHERE published AND kinds && '{{{kind}}}'::varchar[]",
        f"DROP INDEX site_index_nearest_{kind}",
    )


class Migration(migrations.Migration):
    dependencies = [("layers", "0004_cluster_cells")]

    operations = [_index(kind) for kind in KINDS]
