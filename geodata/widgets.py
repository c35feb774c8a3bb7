"""Form widgets of the registry: a point placed on a Leaflet map that works without tiles."""

import math

from django.contrib.gis.forms.widgets import BaseGeometryWidget
from django.forms.widgets import MediaAsset, Script
from django.urls import reverse

from frontend.assets import import_map_script
from frontend.base_maps import base_map_config
from frontend.middleware import current_nonce


class ImportMap(MediaAsset):
    """The pages' import map (frontend.assets) as a media asset. It must come before the first
    module script of the page; in the admin, form media are rendered in <head>, before any widget
    template, so the map is rendered with them, ahead of the module script. Media render without
    the request, so the CSP nonce is the one of the request being answered."""

    def __init__(self):
        super().__init__("importmap")

    @property
    def path(self):  # a name to compare media by, not a static file
        return self._path

    def __str__(self):
        return import_map_script(current_nonce())


def _coordinate(value):
    return f"{value:.7f}".rstrip("0").rstrip(".")


class MapPointWidget(BaseGeometryWidget):
    """A point on a map of Viet Nam: click the map, drag the marker or type the longitude and
    latitude. The province boundaries are drawn from the project's own data, so the widget keeps
    working when no map tile can be loaded.

    The value travels in a hidden textarea as EWKT ("SRID=4326;POINT (lon lat)"). The two number
    inputs are submitted too, so that typed coordinates are kept even when JavaScript does not
    run."""

    template_name = "geodata/widgets/map_point.html"
    geom_type = "POINT"
    map_srid = 4326

    class Media:
        css = {"all": ("vendor/leaflet/leaflet.css", "frontend/css/site.css")}
        js = (ImportMap(), Script("geodata/js/map_point_widget.js", type="module"))

    def serialize(self, value):
        return f"SRID={self.map_srid};{value.wkt}" if value else ""

    def value_from_datadict(self, data, files, name):
        lon, lat = data.get(f"{name}_lon"), data.get(f"{name}_lat")
        if lon is None or lat is None:  # not posted by this widget's form: the textarea alone
            return super().value_from_datadict(data, files, name)
        lon, lat = lon.strip().replace(",", "."), lat.strip().replace(",", ".")
        if not lon and not lat:
            return ""
        try:
            x, y = float(lon), float(lat)
        except ValueError:
            x = y = math.nan
        if not (math.isfinite(x) and math.isfinite(y)):
            return "POINT (invalid)"  # rejected by the field as an invalid geometry
        return f"SRID={self.map_srid};POINT ({x!r} {y!r})"

    def id_for_label(self, id_):
        return f"{id_}_lon" if id_ else id_

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_lon" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        point = self.deserialize(context["serialized"]) if context["serialized"] else None
        widget_id = context.get("id") or f"id_{name}"
        context.update(
            {
                "id": widget_id,
                "lon": _coordinate(point.x) if point and not point.empty else "",
                "lat": _coordinate(point.y) if point and not point.empty else "",
                "base_map": base_map_config(),
                "config_id": f"{widget_id}_base_map",
                "boundaries_url": reverse("layers:province-boundaries"),
            }
        )
        return context
