"""The selection of sites to visit, as a form: it reads the query string of the selection page
and of its JSON, and says in the user's language what is wrong with it."""

import json

from django import forms
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point
from django.utils.translation import gettext_lazy as _

from geodata.models import AdministrativeUnit, InstrumentType, ServiceKind
from governance.roles import province_id_of

MAX_POLYGON_VERTICES = 2000
MAX_IDS = 500


class SelectionForm(forms.Form):
    ids = forms.CharField(required=False, label=_("sites"))
    province = forms.ModelChoiceField(
        AdministrativeUnit.objects.filter(level="province", current=True),
        required=False,
        label=_("province"),
    )
    commune = forms.ModelChoiceField(
        AdministrativeUnit.objects.filter(level="commune", current=True),
        required=False,
        label=_("commune"),
    )
    near = forms.CharField(required=False, label=_("around the point (longitude,latitude)"))
    radius_km = forms.FloatField(
        required=False, min_value=0.1, max_value=500, label=_("radius (km)")
    )
    polygon = forms.CharField(required=False, label=_("area drawn on the map"))
    kind = forms.ChoiceField(
        choices=[("", _("all services")), *ServiceKind.choices], required=False, label=_("service")
    )
    instrument = forms.ModelChoiceField(
        InstrumentType.objects.all(),
        to_field_name="code",
        required=False,
        label=_("measuring instrument"),
    )
    credential = forms.MultipleChoiceField(
        choices=[("expiring", _("expiring")), ("expired", _("expired"))],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("credential"),
    )
    within_days = forms.IntegerField(
        required=False, min_value=1, max_value=730, initial=90, label=_("expiring within (days)")
    )
    not_visited_months = forms.IntegerField(
        required=False, min_value=1, max_value=240, label=_("not visited for (months)")
    )
    open_issue = forms.BooleanField(required=False, label=_("open complaint or finding"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        province = province_id_of(user)
        if province is not None:
            self.fields["province"].queryset = self.fields["province"].queryset.filter(pk=province)
            self.fields["commune"].queryset = self.fields["commune"].queryset.filter(
                parent_id=province
            )

    def clean_ids(self):
        text = self.cleaned_data["ids"].strip()
        if not text:
            return []
        try:
            ids = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(
                _("Site numbers are whole numbers separated by commas.")
            ) from None
        if len(ids) > MAX_IDS:
            raise forms.ValidationError(
                _("At most %(count)s sites at a time.") % {"count": MAX_IDS}
            )
        return ids

    def clean_near(self):
        text = self.cleaned_data["near"].strip()
        if not text:
            return None
        try:
            lon, lat = (float(part) for part in text.split(","))
        except ValueError:
            raise forms.ValidationError(_("Give the point as longitude,latitude.")) from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise forms.ValidationError(
                _("Longitude runs from -180 to 180 and latitude from -90 to 90.")
            )
        return Point(lon, lat, srid=4326)

    def clean_polygon(self):
        text = self.cleaned_data["polygon"].strip()
        if not text:
            return None
        try:
            geometry = GEOSGeometry(json.dumps(json.loads(text)), srid=4326)
        except (ValueError, TypeError, GEOSException):
            raise forms.ValidationError(_("The area is not a GeoJSON polygon.")) from None
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.valid:
            raise forms.ValidationError(_("The area must be a polygon whose sides do not cross."))
        if geometry.num_coords > MAX_POLYGON_VERTICES:
            raise forms.ValidationError(
                _("The area has too many corners (at most %(count)s).")
                % {"count": MAX_POLYGON_VERTICES}
            )
        return geometry

    def clean(self):
        data = super().clean()
        if data.get("near") and not data.get("radius_km"):
            self.add_error("radius_km", _("Give the radius around the point."))
        if data.get("credential") and "expiring" in data["credential"]:
            data["within_days"] = data.get("within_days") or 90
        return data
