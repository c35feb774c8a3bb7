"""Refreshes the index rows of the sites that a registry write touched, in the writer's
transaction, so that a rolled-back write (an import check) leaves the index as it was."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from geodata import models as registry
from geodata.services.statistics import refresh_planner_statistics
from geodata.signals import registry_changed
from layers.clusters import cells_rebuilt_after
from layers.indexing import bump_registry_version, refresh_site_index
from layers.models import ClusterCell, SearchEntry, SearchWord, SiteIndex


def _on_registry_changed(sender, organisation_ids, **kwargs):
    if organisation_ids is not None:
        refresh_site_index(organisation_ids=organisation_ids)
        return
    # A bulk load (reference data, demo data): the cluster cells are counted once at the end.
    with cells_rebuilt_after():
        changed = refresh_site_index()
    # With the statistics of the tables before the load, a search took 45 s instead of 10 ms.
    refresh_planner_statistics(SiteIndex, SearchEntry, SearchWord, ClusterCell)
    if not changed:  # reference data: boundaries, names, codes
        bump_registry_version()


def _on_site(sender, instance, **kwargs):
    refresh_site_index(site_ids=[instance.pk])


def _on_organisation(sender, instance, **kwargs):
    refresh_site_index(organisation_ids=[instance.pk])


def _on_credential(sender, instance, **kwargs):
    refresh_site_index(organisation_ids=[instance.organisation_id])


def _on_credential_part(sender, instance, **kwargs):
    """A status event or a scope line: the sites of the credential's holder (when the
    credential itself is deleted, its own signal refreshes them)."""
    holders = registry.Credential.objects.filter(pk=instance.credential_id)
    refresh_site_index(organisation_ids=list(holders.values_list("organisation_id", flat=True)))


def _on_coverage(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if reverse:  # site.credentials changed
        refresh_site_index(site_ids=[instance.pk])
    else:
        refresh_site_index(site_ids=pk_set or [], organisation_ids=[instance.organisation_id])


def _on_vocabulary(sender, instance, **kwargs):
    """A renamed field or instrument type: the search text of the sites that use it, and the
    vocabularies and guides that show it even when no site row changes."""
    column = "fields" if sender is registry.Field else "instruments"
    users = SiteIndex.objects.filter(**{f"{column}__contains": [instance.code]})
    if not refresh_site_index(site_ids=list(users.values_list("site_id", flat=True))):
        bump_registry_version()


def _on_guide(sender, instance, **kwargs):
    bump_registry_version()


def connect():
    registry_changed.connect(_on_registry_changed)
    for signal in (post_save, post_delete):
        signal.connect(_on_site, sender=registry.Site)
        signal.connect(_on_organisation, sender=registry.Organisation)
        signal.connect(_on_credential, sender=registry.Credential)
        signal.connect(_on_vocabulary, sender=registry.Field)
        signal.connect(_on_vocabulary, sender=registry.InstrumentType)
        signal.connect(_on_credential_part, sender=registry.CredentialEvent)
        signal.connect(_on_credential_part, sender=registry.ScopeItem)
        signal.connect(_on_guide, sender=registry.Guide)
    m2m_changed.connect(_on_coverage, sender=registry.Credential.sites.through)
