"""What the planning pages give their modules: the candidate sites of a selection as GeoJSON, a
plan as JSON, and the sentences the modules compose at run time, translated here."""

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from geodata import status
from geodata.models import ServiceKind
from inspections.models import Plan, Stop, Visit
from inspections.selectors import selected_sites
from inspections.services import working_days

# More candidates than this are not drawn: the selection should be narrowed (a plan holds 300).
CANDIDATES_SHOWN = 500


def organisation_name(organisation) -> str:
    """Its English name on the English pages when it has one; its Vietnamese name otherwise."""
    return (get_language() == "en" and organisation.name_en) or organisation.name_vi


# Candidate sites --------------------------------------------------------------------------------


def candidate_collection(user, criteria: dict, today) -> dict:
    """The sites a selection picks, with their standing today and their latest visit."""
    latest_visit = Visit.objects.filter(site=OuterRef("pk")).order_by("-visited_on")
    sites = (
        selected_sites(user, criteria, today)
        .with_status(today)
        .annotate(last_visit=Subquery(latest_visit.values("visited_on")[:1]))
    )
    count = sites.count()
    return {
        "type": "FeatureCollection",
        "features": [candidate_feature(site) for site in sites[:CANDIDATES_SHOWN]],
        "count": count,
        "truncated": count > CANDIDATES_SHOWN,
    }


def candidate_feature(site) -> dict:
    return {
        "type": "Feature",
        "id": site.pk,
        "geometry": {"type": "Point", "coordinates": [site.location.x, site.location.y]},
        "properties": {
            "name": site.name,
            "organisation": organisation_name(site.organisation),
            "address": site.address,
            "commune": site.commune.full_name if site.commune else "",
            "kinds": site.kinds,
            "services": [ServiceKind(kind).label for kind in site.kinds],
            "status": site.status,
            "status_label": str(status.LABELS.get(site.status, _("no credential"))),
            "last_visit": site.last_visit.isoformat() if site.last_visit else None,
        },
    }


# Plans ------------------------------------------------------------------------------------------


def plan_document(plan: Plan) -> dict:
    """The plan as its page draws it: every working day with its stops in order and its
    totals, the stops that did not fit, the overall totals."""
    stops = list(
        plan.stops.select_related("site__organisation").order_by("day", "position", "picked")
    )
    totals = {day["day"]: day for day in plan.summary.get("days", [])}
    days = [
        {
            "day": number,
            "date": day.isoformat(),
            "totals": totals.get(number, {"stops": 0, "metres": 0, "seconds": 0}),
            "stops": [stop_document(stop) for stop in stops if stop.day == number],
            "page_url": reverse("inspections:day_page", args=[plan.pk, number]),
        }
        for number, day in enumerate(working_days(plan.first_day, plan.last_day), start=1)
    ]
    return {
        "id": plan.pk,
        "title": plan.title,
        "first_day": plan.first_day.isoformat(),
        "last_day": plan.last_day.isoformat(),
        "day_starts": plan.day_starts.isoformat(timespec="minutes"),
        "day_ends": plan.day_ends.isoformat(timespec="minutes"),
        "max_visits_per_day": plan.max_visits_per_day,
        "distances": plan.distances,
        "start": _place(plan.start_address, plan.start),
        "end": _place(plan.end_address, plan.end),
        "days": days,
        "unplaced": [stop_document(stop) for stop in stops if stop.day is None],
        "summary": {key: value for key, value in plan.summary.items() if key != "days"},
    }


def _place(address: str, point) -> dict:
    return {"address": address, "lon": point.x, "lat": point.y}


def _clock(moment) -> str | None:
    return moment.isoformat(timespec="minutes") if moment else None


def stop_document(stop: Stop) -> dict:
    site = stop.site
    return {
        "id": stop.pk,
        "site": site.pk,
        "name": site.name,
        "organisation": organisation_name(site.organisation),
        "address": site.address,
        "phone": site.phone,
        "lon": site.location.x,
        "lat": site.location.y,
        "arrives": _clock(stop.arrives_at),
        "leaves": _clock(stop.leaves_at),
        "pinned": stop.pinned,
        "minutes": stop.minutes,
        "visits_url": reverse("inspections:site_visits", args=[site.pk]),
    }


# Sentences ----------------------------------------------------------------------------------------


def page_texts() -> dict:
    """The sentences of both planning pages' modules (`inspections/text.js`)."""
    return {
        "matching": {
            "one": _("%(count)s site matches."),
            "other": _("%(count)s sites match."),
        },
        "truncated": _("The first %(shown)s are shown: narrow the selection to see the others."),
        "noMatch": _("No site matches this selection. Widen it, or clear the area."),
        "picked": {
            "one": _("%(count)s site picked"),
            "other": _("%(count)s sites picked"),
        },
        "loading": _("Loading…"),
        "loadFailed": _("The sites could not be loaded. Check the connection and try again."),
        "boundariesFailed": _("The province boundaries could not be loaded."),
        "lastVisit": _("last visited %(date)s"),
        "neverVisited": _("never visited"),
        "clickCentre": _("Click the map where the visits should centre."),
        "clickCorners": _("Click the corners of the area on the map, then “Finish”."),
        "corners": {
            "one": _("%(count)s corner"),
            "other": _("%(count)s corners"),
        },
        "needCorners": _("An area needs at least three corners."),
        "clickStart": _("Click the map where the tours start."),
        "clickEnd": _("Click the map where the tours end."),
        "start": _("Start"),
        "end": _("End"),
        "day": _("Day %(number)s"),
        "stops": {
            "one": _("%(count)s visit"),
            "other": _("%(count)s visits"),
        },
        "km": _("%(value)s km"),
        "duration": _("%(hours)s h %(minutes)s min"),
        "backAt": _("back at %(time)s"),
        "onDays": _("on %(used)s of %(days)s days"),
        "overHours": _("Ends after the working day (%(time)s)."),
        "overCap": _("More than %(count)s visits in the day."),
        "shorter": _("%(percent)s shorter than the order picked"),
        "longer": _("%(percent)s longer than the order picked"),
        "visitTime": _("%(arrives)s–%(leaves)s · %(minutes)s min"),
        "visitMinutes": _("%(minutes)s min"),
        "saving": _("Saving…"),
        "saved": _("Saved."),
        "optimised": _("Re-optimised: the pinned visits stayed on their days."),
        "saveFailed": _("Not saved: %(message)s"),
        "moved": _("%(name)s: day %(day)s, visit %(position)s."),
        "movedOut": _("%(name)s is no longer on a day."),
        "pinnedTo": _("%(name)s is pinned to day %(day)s."),
        "unpinned": _("%(name)s is no longer pinned."),
        "unplaced": {
            "one": _("%(count)s visit did not fit in the days and hours of the plan."),
            "other": _("%(count)s visits did not fit in the days and hours of the plan."),
        },
    }
