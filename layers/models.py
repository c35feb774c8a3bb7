"""What is published, in the shape the public reads it: one flat row per site, kept up to date
from the registry (layers.indexing), so that every list, cluster, export and OGC response is a
single query over one table with no join."""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass

from geodata.models import Site


class DateMultirangeField(models.Field):
    """PostgreSQL's datemultirange: the days on which something holds. Written by
    layers.indexing as text literals such as "{[2024-03-01,2026-12-01)}"."""

    description = "A set of date ranges"

    def db_type(self, connection):
        return "datemultirange"


class SiteIndex(models.Model):
    """A site as published, flattened: its organisation, places and the facets of its
    credentials (fields, instruments, standards, schemes). Status depends on the day asked, so
    the row holds, for each status, the days on which the site has it (the best status among
    its credentials, geodata.status); the status on a day is a containment test, no join."""

    site = models.OneToOneField(
        Site, models.CASCADE, primary_key=True, related_name="index_entry", db_constraint=False
    )
    published = models.BooleanField()
    name = models.CharField(max_length=255)
    organisation_id = models.BigIntegerField()
    organisation = models.CharField(max_length=255)
    organisation_short_name = models.CharField(max_length=60)
    kinds = ArrayField(models.CharField(max_length=20))
    address = models.CharField(max_length=500)
    province_code = models.CharField(max_length=5)
    province = models.CharField(max_length=100)
    commune_code = models.CharField(max_length=5)
    commune = models.CharField(max_length=100)
    location = models.PointField(srid=4326)
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

    class Meta:
        indexes = [
            GistIndex(fields=["location"], name="site_index_location"),
            GinIndex(fields=["kinds"], name="site_index_kinds"),
            GinIndex(fields=["fields"], name="site_index_fields"),
            GinIndex(fields=["instruments"], name="site_index_instruments"),
            GinIndex(fields=["standards"], name="site_index_standards"),
            GinIndex(fields=["schemes"], name="site_index_schemes"),
            GinIndex(OpClass("search_text", name="gin_trgm_ops"), name="site_index_search_text"),
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
