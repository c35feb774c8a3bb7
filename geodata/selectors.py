"""Reads of the registry that views share."""

from django.db.models import Count, Func, Q
from django.utils import timezone

from geodata import status
from geodata.models import ServiceKind, Site


def registry_summary(on=None):
    """Published sites per service kind, and how many of them hold a valid credential on `on`."""
    on = on or timezone.localdate()
    sites = Site.objects.published()
    per_kind = dict(
        sites.annotate(kind=Func("kinds", function="unnest"))
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    in_force = sites.with_status(on).aggregate(
        n=Count("id", filter=Q(status__in=[status.VALID, status.EXPIRING]))
    )["n"]
    return {
        "sites": sites.count(),
        "in_force": in_force,
        "kinds": [(kind.label, per_kind.get(kind.value, 0)) for kind in ServiceKind],
    }
