"""Reads the inspection pages share: what an official may see, and the sites a selection picks.

Officials are central administrators (the National Commission: every province) and provincial
officers (their province). Nobody else sees plans, visits or complaints."""

from datetime import date

from django.contrib.gis.geos import GEOSGeometry, Point
from django.contrib.gis.measure import D
from django.db.models import Exists, OuterRef, Q, Subquery

from geodata import status
from geodata.models import Credential, Site
from governance.roles import Role, province_id_of, role_of
from inspections.models import Complaint, Plan, Visit

OFFICIALS = (Role.ADMINISTRATOR, Role.PROVINCIAL_OFFICER)


def is_official(user) -> bool:
    return role_of(user) in OFFICIALS


def _province_q(user, path: str) -> Q:
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return Q()
    if role == Role.PROVINCIAL_OFFICER:
        return Q(**{path: province_id_of(user)})
    return Q(pk__in=[])


def sites_for(user):
    """The sites an official may plan, visit and read the visits of."""
    return Site.objects.filter(_province_q(user, "province_id"))


def plans_for(user):
    """An officer's province's plans; every plan for a central administrator."""
    return Plan.objects.filter(_province_q(user, "province_id"))


def visits_for(user):
    return Visit.objects.filter(_province_q(user, "site__province_id"))


def complaints_for(user):
    return Complaint.objects.filter(_province_q(user, "site__province_id"))


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it has fewer days)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise ValueError(day)


def selected_sites(user, criteria: dict, today: date):
    """The sites of the user's scope that match every criterion given (see SelectionForm)."""
    sites = sites_for(user).select_related("organisation", "province", "commune")
    for name, value in criteria.items():
        if value not in (None, "", [], False):
            sites = SELECTORS[name](sites, value, criteria, today)
    return sites.order_by("name", "id")


def _by_ids(sites, ids, criteria, today):
    return sites.filter(pk__in=ids)


def _by_province(sites, province, criteria, today):
    return sites.filter(province=province)


def _by_commune(sites, commune, criteria, today):
    return sites.filter(commune=commune)


def _near(sites, point: Point, criteria, today):
    """Within the radius on the ellipsoid; the box of `radius_km / 100` degrees around the
    point (wider than the radius at Viet Nam's latitudes) lets the spatial index narrow first."""
    radius_km = criteria["radius_km"]
    return sites.filter(
        location__dwithin=(point, radius_km / 100), location__distance_lte=(point, D(km=radius_km))
    )


def _within(sites, polygon: GEOSGeometry, criteria, today):
    return sites.filter(location__within=polygon)


def _by_kind(sites, kind, criteria, today):
    return sites.filter(kinds__contains=[kind])


def _by_instrument(sites, instrument, criteria, today):
    covering = Credential.objects.filter(sites=OuterRef("pk"), scope__instrument_type=instrument)
    return sites.filter(Exists(covering))


def _by_credential(sites, which, criteria, today):
    """Expiring within the days given, or expired (no credential in force any more)."""
    wanted = Q(pk__in=[])
    if "expiring" in which:
        horizon = today.toordinal() + criteria["within_days"]
        in_force = Credential.objects.filter(
            sites=OuterRef("pk"),
            valid_until__gte=today,
            valid_until__lte=date.fromordinal(horizon),
        ).annotate(status=status.credential_status_expression(today))
        wanted |= Q(Exists(in_force.filter(status__in=[status.VALID, status.EXPIRING])))
    if "expired" in which:
        wanted |= Q(best_status=status.EXPIRED)
    return sites.annotate(best_status=status.site_status_expression(today)).filter(wanted)


def _not_visited_for(sites, months, criteria, today):
    recent = Visit.objects.filter(site=OuterRef("pk"), visited_on__gte=months_before(today, months))
    return sites.filter(~Exists(recent))


def latest_outcome():
    """The outcome of each site's latest visit, as a subquery."""
    latest = Visit.objects.filter(site=OuterRef("pk")).order_by("-visited_on", "-id")
    return Subquery(latest.values("outcome")[:1])


def _with_open_issue(sites, wanted, criteria, today):
    """An open complaint, or findings at the latest visit."""
    open_complaint = Complaint.objects.filter(site=OuterRef("pk"), closed_on__isnull=True)
    return sites.annotate(latest_outcome=latest_outcome()).filter(
        Q(Exists(open_complaint)) | Q(latest_outcome=Visit.Outcome.FINDINGS)
    )


def _ignored(sites, value, criteria, today):
    return sites  # a companion of another criterion (radius_km, within_days)


SELECTORS = {
    "ids": _by_ids,
    "province": _by_province,
    "commune": _by_commune,
    "near": _near,
    "radius_km": _ignored,
    "polygon": _within,
    "kind": _by_kind,
    "instrument": _by_instrument,
    "credential": _by_credential,
    "within_days": _ignored,
    "not_visited_months": _not_visited_for,
    "open_issue": _with_open_issue,
}
