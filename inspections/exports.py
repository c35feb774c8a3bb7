"""The exports of a visit plan: GPX 1.1 for navigation apps (OsmAnd, Garmin's tools), the day
sheets as CSV and XLSX, and a printable page a day that works offline once downloaded.

Builders only: each takes a plan (and the date the credentials' statuses are computed for) and
returns the file's content. Spreadsheet text is neutralised as in the open-data exports
(layers.exports: no cell is ever a formula)."""

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, time, timedelta
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import folium
from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.staticfiles import finders
from django.db.models import F, Func, Prefetch, Value
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from geodata import status
from geodata.models import AdministrativeUnit, Credential, ServiceKind
from inspections.models import Plan, Stop
from inspections.services import working_days
from layers.exports import csv_chunks, xlsx_cell

GPX_NAMESPACE = "http://www.topografix.com/GPX/1/1"
GPX_TYPE = "application/gpx+xml"
HTML_TYPE = "text/html; charset=utf-8"
CREATOR = "map-portal (Viet Nam quality-infrastructure map)"

ROUTE_COLOUR = "#1a56db"
# About 100 m: the province's outline as the published boundary layer draws it.
BOUNDARY_TOLERANCE_DEGREES = 0.001
# The land drawn over the map's sea-blue background, light enough for the tiles to show through.
BOUNDARY_STYLE = {"color": "#5f6b73", "weight": 1.5, "fillColor": "#f4f1ea", "fillOpacity": 0.55}


# The plan's days and stops ----------------------------------------------------------------------


def plan_dates(plan: Plan) -> list[date]:
    """The date of each day of the plan: day 1 is the first of the list."""
    return working_days(plan.first_day, plan.last_day)


def day_title(number: int, day: date) -> str:
    return _("Day %(number)d – %(date)s") % {"number": number, "date": f"{day:%d/%m/%Y}"}


def file_name(plan: Plan, suffix: str, day: int | None = None) -> str:
    """The name a download is saved under: the plan's title, and the day for a day's page."""
    if day is None:
        return f"{plan.title}{suffix}"
    label = _("day %(number)d") % {"number": day}
    return f"{plan.title} – {label}{suffix}"


@dataclass(frozen=True)
class Standing:
    """A credential of a stop's site and its status on the day the export was made."""

    number: str
    scheme: str
    valid_until: date | None
    status: str

    @property
    def status_label(self) -> str:
        return str(status.LABELS[self.status])

    def __str__(self):
        texts = {"number": self.number, "scheme": self.scheme, "status": self.status_label}
        if self.valid_until is None:
            return _("%(number)s (%(scheme)s, no end date): %(status)s") % texts
        until = f"{self.valid_until:%d/%m/%Y}"
        return _("%(number)s (%(scheme)s, valid until %(until)s): %(status)s") % {
            **texts,
            "until": until,
        }


def _stops(plan: Plan, today: date) -> list[Stop]:
    """The stops in the order of the days, those that did not fit last; each site with its
    organisation and its credentials, their status on `today` annotated."""
    credentials = Credential.objects.with_status(today).select_related("scheme")
    return list(
        plan.stops.select_related("site__organisation")
        .prefetch_related(Prefetch("site__credentials", queryset=credentials))
        .order_by(F("day").asc(nulls_last=True), "position", "picked")
    )


def _standings(stop: Stop) -> list[Standing]:
    return [
        Standing(c.number, str(c.scheme), c.valid_until, c.status)
        for c in stop.site.credentials.all()
    ]


def _services(stop: Stop) -> list[str]:
    return [str(ServiceKind(kind).label) for kind in stop.site.kinds]


def _stop_code(stop: Stop) -> str:
    # Translators: a stop's short name on a GPS: day and place in the day (Vietnamese: N1-01).
    return _("D%(day)d-%(position)02d") % {"day": stop.day, "position": stop.position + 1}


def _hours(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


# GPX --------------------------------------------------------------------------------------------


def gpx(plan: Plan) -> bytes:
    """Plain GPX 1.1 (no extensions, so every reader takes it): a waypoint for each stop that
    has a day, named by day and position, and a route a day from the start through the stops
    to the end."""
    root = ElementTree.Element(
        "gpx", {"xmlns": GPX_NAMESPACE, "version": "1.1", "creator": CREATOR}
    )
    _metadata(root, plan)
    placed = [stop for stop in _stops(plan, timezone.localdate()) if stop.day is not None]
    for stop in placed:
        _point(root, "wpt", stop.site.location, _waypoint_name(stop), _waypoint_desc(stop))
        _text(root[-1], "type", ", ".join(_services(stop)))
    dates = plan_dates(plan)
    for number in sorted({stop.day for stop in placed}):
        _route(root, plan, number, dates[number - 1], [s for s in placed if s.day == number])
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _metadata(root, plan: Plan):
    metadata = ElementTree.SubElement(root, "metadata")
    _text(metadata, "name", plan.title)
    dates = f"{plan.first_day:%d/%m/%Y} – {plan.last_day:%d/%m/%Y}"
    _text(metadata, "desc", dates)
    made = timezone.now().astimezone(UTC).replace(microsecond=0, tzinfo=None)
    _text(metadata, "time", f"{made.isoformat()}Z")


def _route(root, plan: Plan, number: int, day: date, stops: list[Stop]):
    route = ElementTree.SubElement(root, "rte")
    _text(route, "name", day_title(number, day))
    _text(route, "number", str(number))
    _point(route, "rtept", plan.start, _("Start: %(place)s") % {"place": plan.start_address})
    for stop in stops:
        _point(route, "rtept", stop.site.location, _waypoint_name(stop), _waypoint_desc(stop))
    _point(route, "rtept", plan.end, _("End: %(place)s") % {"place": plan.end_address})


def _waypoint_name(stop: Stop) -> str:
    return f"{_stop_code(stop)} {stop.site.name}"


def _waypoint_desc(stop: Stop) -> str:
    lines = [stop.site.organisation.name_vi, stop.site.address]
    if stop.site.phone:
        lines.append(_("Phone: %(phone)s") % {"phone": stop.site.phone})
    return "\n".join(lines)


def _point(parent, tag: str, point, name: str, desc: str = ""):
    """A wptType element: its children in the schema's order (name, then desc)."""
    place = {"lat": f"{point.y:.6f}", "lon": f"{point.x:.6f}"}
    element = ElementTree.SubElement(parent, tag, place)
    _text(element, "name", name)
    if desc:
        _text(element, "desc", desc)


def _text(parent, tag: str, text: str):
    """A child element holding `text`, without the control characters XML 1.0 forbids."""
    ElementTree.SubElement(parent, tag).text = ILLEGAL_CHARACTERS_RE.sub("", text)


# Day sheets: CSV and XLSX -----------------------------------------------------------------------


def _columns(today: date) -> list[str]:
    return [
        _("Day"),
        _("Date"),
        _("No."),
        _("Arrives"),
        _("Leaves"),
        _("Site"),
        _("Organisation"),
        _("Address"),
        _("Phone"),
        _("Services"),
        _("Credentials (status on %(date)s)") % {"date": f"{today:%d/%m/%Y}"},
        _("What to check"),
        _("Longitude"),
        _("Latitude"),
    ]


def _row(stop: Stop, dates: list[date]) -> list:
    """A stop as a day sheet's row; a stop that did not fit has no day, date, place or times."""
    placed = stop.day is not None
    site = stop.site
    return [
        stop.day,
        dates[stop.day - 1] if placed else None,
        stop.position + 1 if placed else None,
        stop.arrives_at,
        stop.leaves_at,
        site.name,
        site.organisation.name_vi,
        site.address,
        site.phone,
        _services(stop),
        [str(standing) for standing in _standings(stop)],
        stop.what_to_check,
        round(site.location.x, 6),
        round(site.location.y, 6),
    ]


def day_sheets_csv(plan: Plan, today: date) -> bytes:
    """Every stop, a row each, day after day; those that did not fit last, without a day."""
    dates = plan_dates(plan)
    rows = ([_csv_value(v) for v in _row(stop, dates)] for stop in _stops(plan, today))
    return b"".join(csv_chunks(_columns(today), rows))


def _csv_value(value):
    return value.strftime("%H:%M") if isinstance(value, time) else value


_TIME_COLUMNS = (3, 4)  # arrives, leaves (counted from 0)
_COLUMN_WIDTHS = {2: 12, 6: 40, 7: 40, 8: 50, 9: 16, 10: 30, 11: 60, 12: 40}


def day_sheets_xlsx(plan: Plan, today: date) -> bytes:
    """A summary sheet (the days, their distance and time, the totals, the saving against the
    order picked), a sheet for each day that has visits, and one for the visits that did not
    fit, if any: the columns of the CSV."""
    workbook = Workbook()
    _summary_sheet(workbook.active, plan)
    stops, dates = _stops(plan, today), plan_dates(plan)
    for number in sorted({stop.day for stop in stops if stop.day is not None}):
        sheet = workbook.create_sheet(_("Day %(number)d") % {"number": number})
        _stop_sheet(sheet, [s for s in stops if s.day == number], dates, today)
    if unplaced := [stop for stop in stops if stop.day is None]:
        _stop_sheet(workbook.create_sheet(_("Did not fit")), unplaced, dates, today)
    content = io.BytesIO()
    workbook.save(content)
    return content.getvalue()


def _stop_sheet(sheet, stops: list[Stop], dates: list[date], today: date):
    _header(sheet, _columns(today))
    sheet.freeze_panes = "A2"
    for stop in stops:
        sheet.append([xlsx_cell(value) for value in _row(stop, dates)])
    for row in sheet.iter_rows(min_row=2):
        row[1].number_format = "dd/mm/yyyy"
        for index in _TIME_COLUMNS:
            row[index].number_format = "hh:mm"
    for column, width in _COLUMN_WIDTHS.items():
        sheet.column_dimensions[get_column_letter(column)].width = width


def _header(sheet, titles: list[str]):
    sheet.append(titles)
    for title in sheet[sheet.max_row]:
        title.font = Font(bold=True)


def _summary_sheet(sheet, plan: Plan):
    sheet.title = _("Summary")
    summary = plan.summary
    for label, value in [
        (_("Plan"), plan.title),
        (_("Dates"), f"{plan.first_day:%d/%m/%Y} – {plan.last_day:%d/%m/%Y}"),
        (_("Start"), plan.start_address),
        (_("End"), plan.end_address),
        (_("Distances"), plan.get_distances_display()),
    ]:
        sheet.append([label, xlsx_cell(str(value))])
        sheet[sheet.max_row][0].font = Font(bold=True)
    sheet.append([])
    _header(
        sheet,
        [
            _("Day"),
            _("Date"),
            _("Visits"),
            _("Distance (km)"),
            _("Time (travel and visits)"),
            _("Back at"),
        ],
    )
    days = summary.get("days", [])
    for day in days:
        sheet.append(
            [
                day["day"],
                date.fromisoformat(day["date"]),
                day["stops"],
                round(day["metres"] / 1000, 1),
                timedelta(seconds=day["seconds"]),
                day["back_at"],
            ]
        )
        sheet[sheet.max_row][1].number_format = "dd/mm/yyyy"
    sheet.append(
        [
            _("Total"),
            None,
            sum(day["stops"] for day in days),
            round(summary.get("metres", 0) / 1000, 1),
            timedelta(seconds=summary.get("seconds", 0)),
        ]
    )
    for row in sheet.iter_rows(min_row=sheet.max_row - len(days)):
        row[4].number_format = "[h]:mm"
    sheet[sheet.max_row][0].font = Font(bold=True)
    sheet.append([])
    _comparison(sheet, summary)
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 40


def _comparison(sheet, summary: dict):
    """The distance in the order the sites were picked, and how much the plan saves on it."""
    sheet.append([_("Visits that did not fit"), summary.get("unplaced", 0)])
    if (picked := summary.get("picked_metres")) is not None:
        sheet.append([_("Distance in the order picked (km)"), round(picked / 1000, 1)])
    saving = _("Saving against the order picked")
    if (saved := summary.get("saved_percent")) is None:
        sheet.append([saving, _("not comparable: the two orders do not fit as many visits")])
    else:
        sheet.append([saving, saved / 100])
        sheet[sheet.max_row][1].number_format = "0.0%"


# The printable day page -------------------------------------------------------------------------


class OfflineMap(folium.Map):
    """A folium map that links no script nor stylesheet: the page inlines Leaflet, the only
    library it needs (folium's defaults are CDN links to Leaflet, jQuery, Bootstrap, fonts)."""

    default_js = []
    default_css = []


@dataclass(frozen=True)
class MapParts:
    """A rendered folium map, in the three places of the page it goes."""

    head: str
    body: str
    script: str


def day_page(plan: Plan, number: int, today: date) -> str:
    """A standalone HTML page of one day (`number` of plan_dates): a map of the route and the
    stops, then each stop with its times, address, phone, credentials and what to check. It
    loads nothing: Leaflet is inlined, the province's outline drawn from the page; the base map's
    tiles are a bonus when there is a connection."""
    day = plan_dates(plan)[number - 1]
    stops = [stop for stop in _stops(plan, today) if stop.day == number]
    leaflet_js, leaflet_css = _leaflet()
    context = {
        "plan": plan,
        "title": day_title(number, day),
        "stops": [(stop, _standings(stop)) for stop in stops],
        "totals": _day_totals(plan, number),
        "today": today,
        "map": _day_map(plan, stops),
        "leaflet_js": leaflet_js,
        "leaflet_css": leaflet_css,
    }
    return render_to_string("inspections/day_page.html", context)


def _day_totals(plan: Plan, number: int) -> dict | None:
    """The day's visits, distance (km), time (h:mm) and return, as the plan stored them."""
    day = next((d for d in plan.summary.get("days", []) if d["day"] == number), None)
    return day and {**day, "km": day["metres"] / 1000, "hours": _hours(day["seconds"])}


@cache
def _leaflet() -> tuple[str, str]:
    """The vendored Leaflet (the classic build, which folium's scripts expect) and its
    stylesheet, as text to inline."""
    folder = Path(finders.find("vendor/leaflet/leaflet.js")).parent
    return tuple(mark_safe((folder / name).read_text()) for name in ("leaflet.js", "leaflet.css"))  # noqa: S308  (the vendored files)


def _day_map(plan: Plan, stops: list[Stop]) -> MapParts:
    start, end = (plan.start.y, plan.start.x), (plan.end.y, plan.end.x)
    visits = [(stop.site.location.y, stop.site.location.x) for stop in stops]
    route = [start, *visits, end]
    day_map = OfflineMap(location=start, tiles=None, height="480px", control_scale=True)
    _base_map(day_map)
    provinces = {stop.site.province_id for stop in stops} or {plan.province_id} - {None}
    if outline := _outline(provinces):
        folium.GeoJson(
            outline,
            style_function=lambda feature: BOUNDARY_STYLE,
            interactive=False,
            attribution=settings.BOUNDARY_ATTRIBUTION,
        ).add_to(day_map)
    folium.PolyLine(
        route, color=ROUTE_COLOUR, weight=4, opacity=0.85, class_name="day-route"
    ).add_to(day_map)
    for label, point in _ends(start, end):
        _marker(day_map, point, escape(label), "end-marker", (96, 22))
    for stop, point in zip(stops, visits, strict=True):
        _marker(day_map, point, str(stop.position + 1), "stop-marker", (26, 26))
    lats, lons = [p[0] for p in route], [p[1] for p in route]
    bounds = [[min(lats), min(lons)], [max(lats), max(lons)]]
    day_map.fit_bounds(bounds, padding=(30, 30), max_zoom=16)
    root = day_map.get_root()
    root.render()  # fills the head, body and script parts
    return MapParts(
        *(mark_safe(part.render()) for part in (root.header, root.html, root.script))  # noqa: S308  (folium escapes the data it embeds)
    )


def _ends(start, end) -> list[tuple[str, tuple]]:
    if start == end:
        return [(_("Start and end"), start)]
    return [(_("Start"), start), (_("End"), end)]


def _marker(day_map, point, html: str, class_name: str, size: tuple[int, int]):
    icon = folium.DivIcon(
        html=html,
        icon_size=size,
        icon_anchor=(size[0] // 2, size[1] // 2),
        class_name=class_name,
    )
    folium.Marker(point, icon=icon).add_to(day_map)


def _base_map(day_map):
    """The first configured base map: its tiles show when they load, and only then."""
    base = settings.BASE_MAPS[0]
    folium.TileLayer(
        tiles=base["url"],
        attr=base.get("attribution") or base["name"],
        name=base["name"],
        max_zoom=base.get("max_zoom", 19),
    ).add_to(day_map)


def _outline(province_ids: set[int]) -> dict | None:
    """The provinces' boundaries, simplified, as GeoJSON."""
    simplified = Func(
        F("boundary"),
        Value(BOUNDARY_TOLERANCE_DEGREES),
        function="ST_SimplifyPreserveTopology",
        output_field=GeometryField(srid=4326),
    )
    outlines = (
        AdministrativeUnit.objects.filter(pk__in=province_ids, boundary__isnull=False)
        .annotate(outline=AsGeoJSON(simplified, precision=5))
        .values_list("outline", flat=True)
    )
    features = [
        {"type": "Feature", "geometry": json.loads(outline), "properties": {}}
        for outline in outlines
    ]
    return {"type": "FeatureCollection", "features": features} if features else None
