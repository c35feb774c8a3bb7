"""What is published, in the shape the public reads it: one flat row per site, kept up to date
from the registry (layers.indexing), so that every list, cluster, export and OGC response is a
single query over one table with no join."""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.contrib.postgres.search import SearchVectorField

from geodata.models import Site


class DateMultirangeField(models.Field):
    """PostgreSQL's datemultirange: the days on which something holds. Written by
    layers.indexing as text literals such as "{[2024-03-01,2026-12-01)}"."""

    description = "A set of date ranges"

    def db_type(self, connection):
        return "datemultirange"


class SiteIndex(models.Model):
    """A site as published, flattened: its organisation, places and the facets of its
    credentials (fields, instruments, standards, schemes), and its GeoJSON Feature ready-made.
    Status depends on the day asked, so the row holds, for each status, the days on which the
    site has it (the best status among its credentials, geodata.status); the status on a day is
    a containment test, no join."""

    # Not a cascade: the refresh that follows a deletion removes the row and leaves a tombstone.
    site = models.OneToOneField(
        Site, models.DO_NOTHING, primary_key=True, related_name="index_entry", db_constraint=False
    )
    published = models.BooleanField()
    name = models.CharField(max_length=255)
    organisation_id = models.BigIntegerField(db_index=True)
    organisation = models.CharField(max_length=255)
    organisation_short_name = models.CharField(max_length=60)
    kinds = ArrayField(models.CharField(max_length=20))
    address = models.CharField(max_length=500)
    province_code = models.CharField(max_length=5)
    province = models.CharField(max_length=100)
    commune_code = models.CharField(max_length=5)
    commune = models.CharField(max_length=100)
    location = models.PointField(srid=4326, spatial_index=False)  # site_index_location
    location_method = models.CharField(max_length=20)
    location_accuracy_m = models.IntegerField(null=True)
    phone = models.CharField(max_length=60)
    email = models.CharField(max_length=254)
    website = models.CharField(max_length=200)
    opening_hours = models.CharField(max_length=255)
    fields = ArrayField(models.CharField(max_length=60))
    instruments = ArrayField(models.CharField(max_length=60))
    standards = ArrayField(models.CharField(max_length=255))
    schemes = ArrayField(models.CharField(max_length=40))
    credential_numbers = ArrayField(models.CharField(max_length=60))
    valid_on = DateMultirangeField()
    expiring_on = DateMultirangeField()
    suspended_on = DateMultirangeField()
    expired_on = DateMultirangeField()
    withdrawn_on = DateMultirangeField()
    not_yet_valid_on = DateMultirangeField()
    accredited_on = DateMultirangeField()
    search_text = models.TextField()
    content_hash = models.CharField(max_length=32)
    updated_at = models.DateTimeField(db_index=True)
    # The site as a GeoJSON Feature, as text, up to its status (which depends on the day asked):
    # written by PostgreSQL with the row (migration 0006), closed by layers.selectors.
    feature_start = models.TextField()

    class Meta:
        indexes = [
            GistIndex(fields=["location"], name="site_index_location"),
            GinIndex(fields=["kinds"], name="site_index_kinds"),
            GinIndex(fields=["fields"], name="site_index_fields"),
            GinIndex(fields=["instruments"], name="site_index_instruments"),
            GinIndex(fields=["standards"], name="site_index_standards"),
            GinIndex(fields=["schemes"], name="site_index_schemes"),
            GinIndex(OpClass("search_text", name="gin_trgm_ops"), name="site_index_search_text"),
            # A page of a box's sites by id, from the index alone when the box is dense: the
            # rows (each on a page of its own) are read for the page only, not for every site.
            models.Index(
                fields=["site"],
                include=["location"],
                condition=models.Q(published=True),
                name="site_index_published_ids",
            ),
            models.Index(fields=["province_code"], name="site_index_province"),
            models.Index(fields=["commune_code"], name="site_index_commune"),
        ]


class RemovedSite(models.Model):
    """A site that left the public registry (deleted or unpublished), so that a system
    synchronising with `updated_since` learns to drop it."""

    site_id = models.BigIntegerField(primary_key=True)
    removed_at = models.DateTimeField(db_index=True)


class RegistryVersion(models.Model):
    """One row: a number that grows whenever anything published changes. It keys the response
    cache and the ETags, so every worker of every server agrees on what is current."""

    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)


# Sites and organisations are many (matched by whole words); the rest are few (matched by
# trigrams, typos included). Each of the three groups has indexes of its own.
REFERENCE_KINDS = ["place", "standard", "instrument", "field"]
_GROUPS = [
    ("site", models.Q(kind="site")),
    ("org", models.Q(kind="organisation")),
    ("reference", models.Q(kind__in=REFERENCE_KINDS)),
]


def _words_of(column):
    """The words of a text column as a tsvector, each word a lexeme as it is (no stemming):
    `@@ 'kiem':* & 'dinh':*` finds the rows with words beginning so."""
    array = models.Func(
        column,
        models.Value(" "),
        function="string_to_array",
        output_field=ArrayField(models.TextField()),
    )
    return models.Func(array, function="array_to_tsvector", output_field=SearchVectorField())


class SearchEntry(models.Model):
    """One thing the search box can suggest: a published site or organisation, a place (current
    or legacy unit), a standard held by published sites, a measuring-instrument type or a field.
    `key` holds the words it is found by (geodata.text.words of its names and context),
    `name_key` the words of its own name (an exact or prefix match ranks first). PostgreSQL
    triggers keep the rows equal to the registry, the units, the vocabularies and SiteIndex
    (migration 0002, SQL function `layers_words` mirrors geodata.text.words)."""

    class Kind(models.TextChoices):
        SITE = "site"
        ORGANISATION = "organisation"
        PLACE = "place"
        STANDARD = "standard"
        INSTRUMENT = "instrument"
        FIELD = "field"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    ref = models.CharField(max_length=255)  # site, organisation or unit id; reference; code
    label = models.CharField(max_length=500)
    label_en = models.CharField(max_length=500, blank=True)
    context = models.CharField(max_length=500, blank=True)  # where it is: commune, province, ...
    name_key = models.TextField()
    key = models.TextField()
    # The key again for the few entries matched by trigrams (NULL for sites and organisations),
    # with statistics of its own: from the key's, mostly sites', the planner would judge a word
    # common among places because it is common among sites.
    fuzzy_key = models.TextField(null=True)
    # The key's words, stored: matched row by row in a sample of the entries (layers.search),
    # where making them from the key again took five times as long.
    words = models.GeneratedField(
        expression=_words_of("key"), output_field=SearchVectorField(), db_persist=True
    )
    weight = models.SmallIntegerField()  # order among equal matches: provinces before communes
    sites = models.IntegerField(null=True)  # published sites of an organisation or a standard
    point = models.PointField(srid=4326, null=True, spatial_index=False)  # a site; organisation
    extent = models.GeometryField(srid=4326, null=True, spatial_index=False)  # its sites' envelope

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref"], name="search_entry_natural_key")
        ]
        indexes = [
            GinIndex(OpClass("fuzzy_key", name="gin_trgm_ops"), name="search_entry_trigrams"),
            *(
                GinIndex(fields=["words"], name=f"search_entry_{name}_words", condition=kinds)
                for name, kinds in _GROUPS
            ),
            *(
                models.Index(
                    OpClass("name_key", name="text_pattern_ops"),
                    name=f"search_entry_{name}_names",
                    condition=kinds,
                )
                for name, kinds in _GROUPS
            ),
        ]


class SearchWord(models.Model):
    """A word of the published sites' and organisations' search entries: what a mistyped word
    of a query is corrected to (trigram similarity). Added by a trigger, never removed: a word
    that no longer occurs only widens a corrected query to nothing."""

    word = models.TextField(primary_key=True)

    class Meta:
        indexes = [GinIndex(OpClass("word", name="gin_trgm_ops"), name="search_word_trigrams")]


class ClusterCell(models.Model):
    """The published sites of one grid cell at one zoom (layers.clusters.cell_degrees), of one
    set of service kinds (sorted: a site with two kinds is one site) and one status on the day
    of ClusterCellsDay: the country view of the clusters adds a few rows per cell instead of
    scanning SiteIndex. Kept up to date by triggers on SiteIndex in the writer's transaction
    and rebuilt by layers.clusters.rebuild_cells (migration 0004).

    `sum_site_id` is the site's id when n = 1. The extent only grows: after a site leaves, it
    may stay loose until the next rebuild."""

    zoom = models.SmallIntegerField()
    x = models.IntegerField()
    y = models.IntegerField()
    kinds = ArrayField(models.CharField(max_length=20))
    status = models.CharField(max_length=20, null=True)  # NULL: no credential
    n = models.IntegerField()
    sum_lon = models.FloatField()
    sum_lat = models.FloatField()
    sum_site_id = models.BigIntegerField()
    west = models.FloatField()
    south = models.FloatField()
    east = models.FloatField()
    north = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["zoom", "x", "y", "kinds", "status"],
                name="cluster_cell_key",
                nulls_distinct=False,
            )
        ]


class ClusterCellsDay(models.Model):
    """One row: the day the ClusterCell statuses are for (none: the cells are not built)."""

    day = models.DateField()
