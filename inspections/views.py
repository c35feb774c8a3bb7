"""The field-visit pages, for officials only: an officer works within their province, a central
administrator everywhere. Anyone else is sent to sign in, or refused."""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from geodata.documents import content_disposition
from governance.roles import province_id_of
from inspections import exports, plan_pages, services
from inspections.attachments import SUFFIXES
from inspections.filters import SelectionForm
from inspections.forms import PlanForm, VisitForm
from inspections.models import Attachment, Stop
from inspections.selectors import complaints_for, is_official, plans_for, sites_for, visits_for
from layers.documents_api import SAFE_HEADERS
from layers.exports import CSV_TYPE, XLSX_TYPE


def officials_only(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "admin:login")
        if not is_official(request.user):
            raise PermissionDenied(
                _("Field visits are for officials of the provinces and of the National Commission.")
            )
        return view(request, *args, **kwargs)

    return checked


def plan_of(request, pk):
    """The plan, when the user may see it; otherwise not found (its existence is not told)."""
    return get_object_or_404(plans_for(request.user), pk=pk)


# Visits ---------------------------------------------------------------------------------------


def site_of(request, site_id):
    """The site, when the user may visit it; otherwise not found."""
    sites = sites_for(request.user).select_related("organisation", "province", "commune")
    return get_object_or_404(sites, pk=site_id)


def _stop_of(request, site):
    """The stop at this site that ?stop= names, in a plan the user may see; None without it."""
    stop_id = request.GET.get("stop", "")
    if not stop_id:
        return None
    if not (stop_id.isascii() and stop_id.isdigit()):
        raise Http404(_("No stop of your plans has this number."))
    stops = Stop.objects.select_related("plan").filter(plan__in=plans_for(request.user), site=site)
    return get_object_or_404(stops, pk=stop_id)


def _history(user, site):
    """The site's visits, newest first, with their files."""
    return (
        visits_for(user)
        .filter(site=site)
        .select_related("stop__plan")
        .prefetch_related("attachments")
        .order_by("-visited_on", "-id")
    )


def _open_complaints(user, site):
    return complaints_for(user).filter(site=site, closed_on__isnull=True)


def _private(response):
    """Kept by no cache: the answer depends on who asks."""
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
    return response


@officials_only
@require_http_methods(["GET", "HEAD", "POST"])
def site_visits(request, site_id):
    """A site's visit history (newest first, with files and follow-ups), its open complaints,
    and the form that records a visit (at a plan's stop with ?stop=)."""
    site = site_of(request, site_id)
    stop = _stop_of(request, site)
    form = VisitForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.record_visit(
                request.user, site, form.cleaned_data, form.cleaned_data["attachments"], stop
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The visit of %(day)s is recorded.") % {"day": f"{visit.visited_on:%d/%m/%Y}"},
            )
            return redirect("inspections:site_visits", site.pk)
    context = {
        "site": site,
        "stop": stop,
        "form": form,
        "visits": _history(request.user, site),
        "complaints": _open_complaints(request.user, site),
    }
    return _private(render(request, "inspections/site_visits.html", context))


@officials_only
@require_safe
def site_visits_data(request, site_id):
    """The site's visit history as JSON, for the map's site panel."""
    site = site_of(request, site_id)
    page = reverse("inspections:site_visits", args=[site.pk])
    body = {
        "site": {"id": site.pk, "name": site.name},
        "visits": [_visit_data(visit) for visit in _history(request.user, site)],
        "open_complaints": [
            {"received_on": c.received_on, "summary": c.summary}
            for c in _open_complaints(request.user, site)
        ],
        "urls": {"record": f"{page}#record", "all": page},
    }
    return _private(JsonResponse(body))


def _visit_data(visit) -> dict:
    return {
        "id": visit.pk,
        "visited_on": visit.visited_on,
        "outcome": visit.outcome,
        "outcome_label": visit.get_outcome_display(),
        "inspector": visit.inspector,
        "notes": visit.notes,
        "follow_up_on": visit.follow_up_on,
        "plan": visit.stop.plan.title if visit.stop else None,
        "attachments": [
            {
                "name": attachment.name,
                "content_type": attachment.content_type,
                "size_bytes": attachment.size_bytes,
                "url": reverse("inspections:attachment", args=[attachment.pk]),
            }
            for attachment in visit.attachments.all()
        ],
    }


@officials_only
@require_safe
def attachment(request, pk):
    """A visit's file, as a download: the only door to it (media files are never served by
    their path)."""
    visible = Attachment.objects.filter(visit__in=visits_for(request.user))
    found = get_object_or_404(visible, pk=pk)
    try:
        file = found.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this attachment is missing.")) from None
    response = FileResponse(file, content_type=found.content_type)
    response["Content-Disposition"] = content_disposition(found.name, SUFFIXES[found.content_type])
    for header, value in SAFE_HEADERS.items():
        response[header] = value
    return _private(response)


@require_safe
def me(request):
    """What the map's site panel may show the user: field visits to an official only. Asked by
    the page, so that the map page and the public API stay the same for everyone."""
    body = {"official": is_official(request.user)}
    if body["official"]:
        body["urls"] = {
            "visits": reverse("inspections:site_visits_data", args=[0]).replace("/0/", "/{id}/")
        }
        body["texts"] = _panel_texts()
    return _private(JsonResponse(body))


def _panel_texts() -> dict:
    return {
        "heading": _("Field visits"),
        "none": _("No visit recorded yet."),
        "by": _("by %(inspector)s"),
        "followUp": _("follow up on %(day)s"),
        "openComplaints": _("Open complaints: %(count)s"),
        "record": _("Record a visit"),
        "all": _("All visits"),
        "failed": _("The field visits could not be loaded."),
    }


# Plans: choosing the sites, the plan and its changes --------------------------------------------

PLANS_PER_PAGE = 25


@officials_only
@require_safe
def plan_list(request):
    """The plans of the user's scope, newest first, with their days, visits and distance."""
    plans = (
        plans_for(request.user)
        .select_related("created_by")
        .annotate(stop_count=Count("stops"))
        .order_by("-created_at", "-id")
    )
    page = Paginator(plans, PLANS_PER_PAGE).get_page(request.GET.get("page"))
    for plan in page:
        plan.day_count = len(services.working_days(plan.first_day, plan.last_day))
        plan.km = plan.summary.get("metres", 0) / 1000
    return _private(render(request, "inspections/plan_list.html", {"page": page}))


def _selection_form(request):
    """The selection as the page shows it: bound to the address's query when there is one. The
    communes offered are those of the province chosen (or the officer's)."""
    province = province_id_of(request.user)
    form = SelectionForm(request.GET or None, user=request.user, initial={"province": province})
    chosen = request.GET.get("province") or province
    communes = form.fields["commune"].queryset
    form.fields["commune"].queryset = (
        communes.filter(parent_id=chosen) if str(chosen).isdecimal() else communes.none()
    )
    form.fields["province"].empty_label = _("all provinces in your scope")
    form.fields["commune"].empty_label = _("all communes")
    form.fields["instrument"].empty_label = _("all instruments")
    return form


def _add_service_error(form, error):
    """A refusal of services.create_plan, shown on the form in the user's language."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))


@officials_only
@require_http_methods(["GET", "HEAD", "POST"])
def new_plan(request):
    """Choosing the sites on a map and in a list, then the plan's days and hours; the plan is
    made in the order the sites were picked, then optimised."""
    form = PlanForm(request.POST or None, user=request.user, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(
                request.user, form.cleaned_data["sites"], **form.plan_fields()
            )
        except (ValidationError, PermissionDenied) as error:
            _add_service_error(form, error)
        else:
            return redirect("inspections:plan_detail", plan.pk)
    context = {
        "selection": _selection_form(request),
        "form": form,
        "texts": plan_pages.page_texts(),
    }
    return _private(render(request, "inspections/plan_new.html", context))


@officials_only
@require_safe
def candidate_sites(request):
    """The sites a selection picks, as GeoJSON (at most plan_pages.CANDIDATES_SHOWN)."""
    form = SelectionForm(request.GET, user=request.user)
    if not form.is_valid():
        errors = {
            name: [f"{capfirst(form.fields[name].label)}: {problem}" for problem in problems]
            if name in form.fields
            else list(problems)
            for name, problems in form.errors.items()
        }
        return _private(JsonResponse({"errors": errors}, status=400))
    body = plan_pages.candidate_collection(request.user, form.cleaned_data, timezone.localdate())
    response = JsonResponse(body, content_type="application/geo+json")
    return _private(response)


@officials_only
@require_safe
def plan_detail(request, pk):
    """The plan: its routes on the map, its days in order, changed by hand or re-optimised."""
    plan = plan_of(request, pk)
    context = {
        "plan": plan,
        "document": plan_pages.plan_document(plan),
        "texts": plan_pages.page_texts(),
    }
    return _private(render(request, "inspections/plan_detail.html", context))


@officials_only
@require_safe
def plan_data(request, pk):
    return _private(JsonResponse(plan_pages.plan_document(plan_of(request, pk))))


def _order_of(body: bytes) -> tuple[list[list[int]], set[int]]:
    """{"days": [[stop ids] per day], "pinned": [stop ids]}, read strictly."""

    def ids(value):
        if not isinstance(value, list) or not all(type(item) is int for item in value):
            raise ValueError(value)
        return value

    try:
        given = json.loads(body)
        return [ids(day) for day in given["days"]], set(ids(given.get("pinned", [])))
    except (ValueError, TypeError, KeyError):
        raise ValidationError(_("The new order was not understood: reload the page.")) from None


def _changed(request, pk, change):
    """The plan after `change(plan)`, as JSON; a refused change answers 400 with the reason."""
    plan = plan_of(request, pk)
    try:
        change(plan)
    except ValidationError as error:
        return _private(JsonResponse({"error": " ".join(error.messages)}, status=400))
    return _private(JsonResponse(plan_pages.plan_document(plan)))


@officials_only
@require_POST
def plan_order(request, pk):
    """Stores the order given by hand (drag and drop, or the move buttons) and the pins."""

    def reorder(plan):
        days, pinned = _order_of(request.body)
        services.reorder(plan, days, pinned)

    return _changed(request, pk, reorder)


@officials_only
@require_POST
def plan_optimise(request, pk):
    """Orders the stops again; the pinned ones stay on their days."""
    return _changed(request, pk, services.optimise)


# Exports ----------------------------------------------------------------------------------------


def _download(content, content_type: str, name: str):
    """A file to save, under a name made safe for every client, that no browser runs in place."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(name, name[name.rindex(".") :])
    for header, value in SAFE_HEADERS.items():
        response[header] = value
    return _private(response)


@officials_only
@require_safe
def plan_gpx(request, pk):
    """The plan for navigation apps: the visits as waypoints, a route a day."""
    plan = plan_of(request, pk)
    return _download(exports.gpx(plan), exports.GPX_TYPE, exports.file_name(plan, ".gpx"))


@officials_only
@require_safe
def plan_csv(request, pk):
    """The day sheets as CSV: a row a visit."""
    plan = plan_of(request, pk)
    content = exports.day_sheets_csv(plan, timezone.localdate())
    return _download(content, CSV_TYPE, exports.file_name(plan, ".csv"))


@officials_only
@require_safe
def plan_xlsx(request, pk):
    """The day sheets as a workbook: the summary, then a sheet a day."""
    plan = plan_of(request, pk)
    content = exports.day_sheets_xlsx(plan, timezone.localdate())
    return _download(content, XLSX_TYPE, exports.file_name(plan, ".xlsx"))


@officials_only
@require_safe
def day_page(request, pk, day):
    """A day's printable page, to download and open without a connection."""
    plan = plan_of(request, pk)
    if not 1 <= day <= len(exports.plan_dates(plan)):
        raise Http404(_("The plan has no such day."))
    content = exports.day_page(plan, day, timezone.localdate())
    return _download(content, exports.HTML_TYPE, exports.file_name(plan, ".html", day))
