"""Writes of field-visit planning: a plan made from chosen sites, optimised, reordered by hand,
its stops pinned; each time the schedule and the totals are computed again and stored."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from geodata.models import AdministrativeUnit, Authority
from governance.roles import Role, province_id_of, role_of
from inspections import attachments, planner, routing
from inspections.models import DEFAULT_VISIT_MINUTES, Attachment, Plan, Stop, Visit
from inspections.selectors import is_official, plans_for, sites_for

MAX_STOPS = 300


@dataclass(frozen=True)
class Office:
    address: str
    point: Point


def default_office(user) -> Office:
    """Where a user's tours start by default: their department's office (the National
    Commission's for a central administrator), else the centre of its province."""
    province = province_id_of(user)
    if role_of(user) == Role.ADMINISTRATOR:
        authority = Authority.objects.filter(kind=Authority.Kind.NATIONAL_COMMISSION).first()
        capital = AdministrativeUnit.objects.filter(level="province", current=True, code="01")
    else:
        authority = Authority.objects.filter(
            kind=Authority.Kind.PROVINCIAL_DEPARTMENT, province_id=province
        ).first()
        capital = AdministrativeUnit.objects.filter(pk=province)
    if authority and authority.office:
        return Office(authority.office_address or str(authority), authority.office)
    unit = capital.first()
    name = str(authority) if authority else unit.full_name
    return Office(name, unit.point)


def working_days(first: date, last: date) -> list[date]:
    """Monday to Friday from `first` to `last`."""
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def visit_minutes_of(site, minutes_by_kind: dict) -> int:
    """The longest of the visit times of the site's services."""
    known = {**{str(k): v for k, v in DEFAULT_VISIT_MINUTES.items()}, **minutes_by_kind}
    return max((int(known[kind]) for kind in site.kinds if kind in known), default=60)


def create_plan(user, sites, **fields) -> Plan:
    """A plan of the given sites, in the order picked, then optimised."""
    _check_may_plan(user, sites)
    plan = Plan(created_by=user, **fields)
    if role_of(user) == Role.PROVINCIAL_OFFICER:
        plan.province_id = province_id_of(user)
    plan.full_clean()
    if not working_days(plan.first_day, plan.last_day):
        raise ValidationError(_("There is no working day (Monday to Friday) in these dates."))
    with transaction.atomic():
        plan.save()
        Stop.objects.bulk_create(
            Stop(
                plan=plan,
                site=site,
                picked=index,
                minutes=visit_minutes_of(site, plan.visit_minutes),
            )
            for index, site in enumerate(sites)
        )
        optimise(plan)
    return plan


def _check_may_plan(user, sites):
    if not is_official(user):
        raise PermissionDenied(_("Only officials plan field visits."))
    if not sites:
        raise ValidationError(_("Choose at least one site to visit."))
    if len(sites) > MAX_STOPS:
        raise ValidationError(_("A plan holds at most %(count)s sites.") % {"count": MAX_STOPS})
    allowed = set(sites_for(user).filter(pk__in=[s.pk for s in sites]).values_list("pk", flat=True))
    if len(allowed) < len(sites):
        raise PermissionDenied(_("Some of these sites are outside your province."))


def optimise(plan: Plan) -> None:
    """Orders the free stops again around the pinned ones, and stores the result."""
    stops = _stops(plan)
    problem, roads_unavailable = _problem(plan, stops)
    _store(plan, stops, problem, planner.plan(problem), roads_unavailable)


def reorder(plan: Plan, days: list[list[int]], pinned: set[int]) -> None:
    """Stores the order the inspector gave (stop ids per day; stops left out have no day) and
    the pins, without optimising."""
    stops = _stops(plan)
    index = {stop.pk: position for position, stop in enumerate(stops)}
    given = [stop_id for day in days for stop_id in day]
    if len(given) != len(set(given)) or not set(given) <= index.keys():
        raise ValidationError(_("This order does not match the plan's stops: reload the page."))
    if len(days) > len(working_days(plan.first_day, plan.last_day)):
        raise ValidationError(_("The plan has fewer days than this order."))
    if not pinned <= set(given):
        raise ValidationError(_("Only a visit that has a day can be pinned to it."))
    for stop in stops:
        stop.pinned = stop.pk in pinned
    found = planner.Plan(
        days=[[index[stop_id] for stop_id in day] for day in days],
        unplaced=[index[stop.pk] for stop in stops if stop.pk not in set(given)],
    )
    problem, roads_unavailable = _problem(plan, stops)
    _store(plan, stops, problem, found, roads_unavailable)


def _stops(plan: Plan) -> list[Stop]:
    return list(plan.stops.select_related("site").order_by("picked"))


def _problem(plan: Plan, stops: list[Stop]) -> tuple[planner.Problem, str]:
    """The plan as the planner sees it, and why the roads were not used when they were asked
    for."""
    starts, ends = (datetime.combine(date.min, t) for t in (plan.day_starts, plan.day_ends))
    travel, roads_unavailable = _travel(plan, stops)
    problem = planner.Problem(
        travel=travel,
        visit_seconds=[stop.minutes * 60 for stop in stops],
        days=len(working_days(plan.first_day, plan.last_day)),
        day_seconds=int((ends - starts).total_seconds()),
        max_per_day=plan.max_visits_per_day,
        pinned={i: stop.day - 1 for i, stop in enumerate(stops) if stop.pinned},
    )
    return problem, roads_unavailable


def _travel(plan: Plan, stops: list[Stop]) -> tuple[planner.Travel, str]:
    """By road when an OSRM server is configured and answers, else on the ellipsoid."""
    points = [plan.start.coords, plan.end.coords, *(stop.site.location.coords for stop in stops)]
    roads_unavailable = ""
    if settings.OSRM_URL:
        try:
            travel = routing.road_travel(settings.OSRM_URL, points, settings.OSRM_TIMEOUT)
        except routing.RoadsUnavailable as error:
            roads_unavailable = str(error)
        else:
            plan.distances = Plan.Distances.ROADS
            return travel, roads_unavailable
    plan.distances = Plan.Distances.GEODESIC
    travel = routing.geodesic_travel(points, settings.PLANNER_DETOUR, settings.PLANNER_SPEED_KMH)
    return travel, roads_unavailable


def _store(plan, stops, problem: planner.Problem, found: planner.Plan, roads_unavailable: str):
    dates = working_days(plan.first_day, plan.last_day)
    summary_days = []
    for number, day in enumerate(found.days, start=1):
        summary_days.append(_schedule(plan, problem, [stops[i] for i in day], day, number))
        summary_days[-1]["date"] = dates[number - 1].isoformat()
    for stop in (stops[i] for i in found.unplaced):
        stop.day = stop.arrives_at = stop.leaves_at = None
        stop.pinned, stop.position = False, 0
    plan.summary = _totals(problem, found, summary_days)
    if roads_unavailable:
        plan.summary["roads_unavailable"] = roads_unavailable
    with transaction.atomic():
        plan.save(update_fields=["summary", "distances", "updated_at"])
        Stop.objects.bulk_update(
            stops, ["day", "position", "pinned", "arrives_at", "leaves_at"], batch_size=500
        )


def _schedule(plan, problem, day_stops: list[Stop], day: list[int], number: int) -> dict:
    """Sets each stop's day, position and times; returns the day's totals."""
    clock = datetime.combine(date.min, plan.day_starts)
    seconds = problem.travel.seconds
    here = planner.START
    for position, (stop, index) in enumerate(zip(day_stops, day, strict=True)):
        clock += timedelta(seconds=seconds[here][index + 2])
        stop.day, stop.position, stop.arrives_at = number, position, clock.time()
        clock += timedelta(minutes=stop.minutes)
        stop.leaves_at, here = clock.time(), index + 2
    clock += timedelta(seconds=seconds[here][planner.END])
    ends = datetime.combine(date.min, plan.day_ends)
    return {
        "day": number,
        "stops": len(day),
        "metres": round(planner.route_metres(problem, day)),
        "seconds": round(planner.route_seconds(problem, day)),
        "back_at": clock.time().isoformat(timespec="minutes") if day else None,
        "over_hours": bool(day) and clock > ends,
        "over_cap": len(day) > plan.max_visits_per_day,
    }


def _totals(problem: planner.Problem, found: planner.Plan, days: list[dict]) -> dict:
    """The plan's totals, and the same for the order picked: its length, and how many visits
    would not fit in the days in that order. The saving is given when both place as many."""
    picked = planner.picked_order(problem)
    picked_metres = planner.metres(problem, picked)
    total = sum(day["metres"] for day in days)
    comparable = len(picked.unplaced) == len(found.unplaced) and picked_metres > 0
    return {
        "days": days,
        "metres": total,
        "seconds": sum(day["seconds"] for day in days),
        "unplaced": len(found.unplaced),
        "picked_metres": round(picked_metres),
        "picked_unplaced": len(picked.unplaced),
        "saved_percent": round(100 * (1 - total / picked_metres), 1) if comparable else None,
    }


# Visits ---------------------------------------------------------------------------------------

VISIT_FIELDS = ("visited_on", "inspector", "outcome", "notes", "follow_up_on")


def record_visit(user, site, data: dict, files=(), stop=None) -> Visit:
    """Records what was found at a site (at a plan's stop when one is given) with its files
    (uploads, or attachments.Checked): all of it, or nothing when anything is refused."""
    if not sites_for(user).filter(pk=site.pk).exists():
        raise PermissionDenied(_("You may not record visits to this site."))
    if stop is not None and not (
        stop.site_id == site.pk and plans_for(user).filter(pk=stop.plan_id).exists()
    ):
        raise PermissionDenied(_("This stop is not a visit to this site in one of your plans."))
    visit = Visit(site=site, stop=stop, recorded_by=user)
    for name in VISIT_FIELDS:
        if name in data:
            setattr(visit, name, data[name])
    visit.full_clean()
    try:
        checked = attachments.examined(files)
    except ValidationError as error:
        raise ValidationError({"attachments": error.error_list}) from None
    _store_visit(visit, checked)
    return visit


def _store_visit(visit: Visit, checked: list[attachments.Checked]) -> None:
    """The visit and its attachments in one transaction; the files already stored are removed
    again when it fails."""
    storage = Attachment._meta.get_field("file").storage
    stored = []
    try:
        with transaction.atomic():
            visit.save()
            for item in checked:
                attachment = Attachment(
                    visit=visit,
                    name=item.name,
                    content_type=item.content_type,
                    size_bytes=item.file.size,
                )
                attachment.file.save(item.name, item.file, save=False)
                stored.append(attachment.file.name)
                attachment.save()
    except Exception:
        for name in stored:
            storage.delete(name)
        raise
