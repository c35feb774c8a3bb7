"""Reads of the registry that views share."""

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db.models import Count, Func, Q
from django.utils import timezone

from geodata import status
from geodata.models import AdministrativeUnit, ServiceKind, Site


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


def current_unit_at(point, level):
    """The current province or commune containing `point`; where no loaded boundary contains
    it (a coarse coastline, commune boundaries not loaded), the unit whose point is nearest."""
    units = AdministrativeUnit.objects.filter(level=level, current=True)
    return (
        units.filter(boundary__covers=point).first()
        or units.filter(point__isnull=False).order_by(Distance("point", point)).first()
    )


def current_commune_code_at(lon: float, lat: float) -> str | None:
    """For AddressNormaliser: the code of the current commune at a point."""
    commune = current_unit_at(Point(lon, lat, srid=4326), AdministrativeUnit.Level.COMMUNE)
    return commune.code if commune else None
