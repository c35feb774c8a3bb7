"""The forms of the field-visit pages."""

from datetime import time, timedelta

from django import forms
from django.conf import settings
from django.contrib.gis.geos import Point
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from geodata.models import OUTSIDE_VIET_NAM, ServiceKind, Site
from inspections import attachments
from inspections.models import DEFAULT_VISIT_MINUTES, Visit
from inspections.services import MAX_STOPS, default_office

# VisitForm ------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files at once, each examined (inspections.attachments): the cleaned value is the
    list of accepted files, every problem of every file told at once."""

    widget = MultipleFileInput(attrs={"accept": attachments.ACCEPT})

    def clean(self, data, initial=None):
        one = super().clean
        given = data if isinstance(data, list | tuple) else [data]
        uploads = [one(upload, initial) for upload in given if upload]
        if self.required and not uploads:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(uploads) > attachments.MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("Attach at most %(count)s files to a visit."),
                code="too_many",
                params={"count": attachments.MAX_ATTACHMENTS},
            )
        return attachments.examined(uploads)


class VisitForm(forms.ModelForm):
    """What an inspector found at a site: the day (not in the future), who visited (the user by
    default), the outcome, notes, a follow-up (not before the visit) and files."""

    attachments = AttachmentsField(required=False, label=_("attached files"))

    class Meta:
        model = Visit
        fields = ["visited_on", "inspector", "outcome", "notes", "follow_up_on"]
        widgets = {
            "visited_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()
        self.fields["inspector"].initial = user.get_full_name() or user.get_username()
        self.fields["attachments"].help_text = gettext(
            "Reports as PDF, photographs as JPEG or PNG; several at once, each at most %(limit)s."
        ) % {"limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)}


# PlanForm -------------------------------------------------------------------------------------

MAX_PLAN_DAYS = 31


class LonLatField(forms.CharField):
    """A point in Viet Nam typed or picked on the map as "longitude, latitude" (WGS 84)."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            lon, lat = (float(part) for part in text.replace(";", ",").split(","))
        except ValueError:
            raise forms.ValidationError(
                _("Give the point as longitude, latitude in decimal degrees."), code="invalid"
            ) from None
        point = Point(lon, lat, srid=4326)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not Site.in_viet_nam(point):
            raise forms.ValidationError(OUTSIDE_VIET_NAM, params={"lon": lon, "lat": lat})
        return point

    def prepare_value(self, value):
        if isinstance(value, Point):
            return f"{value.x:.5f}, {value.y:.5f}"
        return value


def picked_sites(ids: list[int]) -> list[Site]:
    """The sites of `ids`, in that order; a site missing is an error."""
    found = Site.objects.in_bulk(ids)
    if len(found) < len(set(ids)):
        raise forms.ValidationError(_("Some of the sites chosen no longer exist: choose again."))
    return [found[pk] for pk in ids]


class PlanForm(forms.Form):
    """A new plan: the sites in the order picked, where the tours start and end, the days, the
    hours, how many visits a day and how long a visit of each service takes."""

    sites = forms.CharField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("title"), max_length=200)
    start_address = forms.CharField(label=_("start address"), max_length=500)
    start = LonLatField(label=_("start point (longitude, latitude)"))
    end_address = forms.CharField(label=_("end address"), max_length=500)
    end = LonLatField(label=_("end point (longitude, latitude)"))
    first_day = forms.DateField(
        label=_("first day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_day = forms.DateField(
        label=_("last day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    day_starts = forms.TimeField(
        label=_("working day starts"),
        initial=time(8, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    day_ends = forms.TimeField(
        label=_("working day ends"),
        initial=time(17, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    max_visits_per_day = forms.IntegerField(
        label=_("maximum visits a day"), min_value=1, max_value=20, initial=5
    )

    def __init__(self, *args, user, today, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, minutes in DEFAULT_VISIT_MINUTES.items():
            self.fields[f"minutes_{kind}"] = forms.IntegerField(
                label=ServiceKind(kind).label, min_value=10, max_value=600, initial=minutes
            )
        office = default_office(user)
        monday = today + timedelta(days=7 - today.weekday())
        self.initial = {
            "title": gettext("Field visits from %(date)s") % {"date": f"{monday:%d/%m/%Y}"},
            "start_address": office.address,
            "start": office.point,
            "end_address": office.address,
            "end": office.point,
            "first_day": monday,
            "last_day": monday + timedelta(days=4),
            **self.initial,
        }

    def minutes_fields(self):
        return [self[f"minutes_{kind}"] for kind in DEFAULT_VISIT_MINUTES]

    def clean_sites(self):
        text = self.cleaned_data["sites"]
        try:
            ids = list(dict.fromkeys(int(part) for part in text.split(",") if part.strip()))
        except ValueError:
            raise forms.ValidationError(_("The sites chosen were not understood.")) from None
        if not ids:
            raise forms.ValidationError(_("Choose at least one site to visit."))
        if len(ids) > MAX_STOPS:
            raise forms.ValidationError(
                _("A plan holds at most %(count)s sites.") % {"count": MAX_STOPS}
            )
        return picked_sites(ids)

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day must not come before the first."))
        elif first and last and (last - first).days >= MAX_PLAN_DAYS:
            self.add_error(
                "last_day", _("A plan covers at most %(count)s days.") % {"count": MAX_PLAN_DAYS}
            )
        starts, ends = data.get("day_starts"), data.get("day_ends")
        if starts and ends and ends <= starts:
            self.add_error("day_ends", _("The working day must end after it starts."))
        return data

    def plan_fields(self) -> dict:
        """The keyword arguments of services.create_plan."""
        data = self.cleaned_data
        fields = ("title", "start_address", "start", "end_address", "end", "first_day")
        fields += ("last_day", "day_starts", "day_ends", "max_visits_per_day")
        return {
            **{name: data[name] for name in fields},
            "visit_minutes": {str(kind): data[f"minutes_{kind}"] for kind in DEFAULT_VISIT_MINUTES},
        }
