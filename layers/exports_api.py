"""Open-data downloads of the published sites: /api/v1/exports/.

The filtered set (the query parameters of /api/v1/sites/, without paging) as CSV, XLSX or
GeoJSON, and the national dump as a zip. With `updated_since` a download carries the sites
changed since then and the sites removed since then (a `removed` column, or member); every CSV
and GeoJSON download names in `X-Next-Updated-Since` the instant to ask from next time."""

import io
from functools import partial

from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from layers import exports, schemas, selectors
from layers.api import PublishedView, read, under_public_timeout
from layers.caching import published
from layers.filters import SiteFilterParameters
from map_portal.security import ApiThrottle, ExportThrottle

NEXT_UPDATED_SINCE = "X-Next-Updated-Since"


class FileNegotiation(BaseContentNegotiation):
    """A download answers in its own format whatever the Accept header says; errors in JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class TextDownload(PublishedView):
    """CSV or GeoJSON, streamed and gzipped; ETags, no stored body."""

    content_negotiation_class = FileNegotiation
    renderer_classes = [JSONRenderer]
    throttle_classes = [ApiThrottle, ExportThrottle]  # heavier: a lower limit (EXPORT_RATE_LIMIT)


class FileDownload(APIView):
    """XLSX or zip (compressed already): cached with ETags, not gzipped."""

    authentication_classes = permission_classes = ()  # anyone may read
    http_method_names = ["get", "head", "options"]  # and only read: anything else is a 405
    content_negotiation_class = FileNegotiation
    renderer_classes = [JSONRenderer]
    throttle_classes = [ApiThrottle, ExportThrottle]  # heavier: a lower limit (EXPORT_RATE_LIMIT)

    @method_decorator(published)
    @method_decorator(under_public_timeout)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


def _attach(response, stem: str, extension: str):
    name = f"{stem}-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _site_table(site_filter):
    """The columns and rows of a download; with updated_since, the removed sites too."""
    rows = selectors.site_rows(site_filter)
    if not site_filter.updated_since:
        return selectors.SITE_COLUMNS, rows
    removed = partial(selectors.removed_sites, site_filter.updated_since)
    width = len(selectors.SITE_COLUMNS)
    return [*selectors.SITE_COLUMNS, exports.REMOVED], exports.with_removals(rows, removed, width)


def _streamed(chunks, content_type: str, watermark, extension: str):
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response[NEXT_UPDATED_SINCE] = watermark.isoformat()
    return _attach(response, "sites", extension)


_NEXT_HEADER = OpenApiParameter(
    NEXT_UPDATED_SINCE,
    OpenApiTypes.DATETIME,
    OpenApiParameter.HEADER,
    response=[200],
    description="The value of updated_since for the next synchronisation: no change that "
    "commits after this download is older than it.",
)
_SYNC = (
    " With updated_since, only the sites changed since then, then the sites removed since then "
    "(deleted or unpublished) as rows with their id alone and `removed` true. Apply the rows "
    "in order, and ask next time with updated_since set to the X-Next-Updated-Since header."
)
_BINARY = OpenApiResponse(OpenApiTypes.BINARY)
_ERRORS = OpenApiResponse(schemas.ERRORS)


class SitesCsv(TextDownload):
    @extend_schema(
        parameters=[SiteFilterParameters, _NEXT_HEADER],
        responses={(200, "text/csv"): _BINARY, 400: _ERRORS},
        operation_id="export_sites_csv",
        summary="Published sites as CSV (UTF-8 with BOM), the whole filtered set",
        description="The filters of /api/v1/sites/, without paging; by id. Columns: "
        f"{', '.join(selectors.SITE_COLUMNS)}; lists joined with '; '; text beginning with "
        "= + - @, tab or carriage return starts with an added apostrophe." + _SYNC,
    )
    def get(self, request):
        site_filter = read(SiteFilterParameters, request).site_filter()
        watermark = selectors.sync_watermark()
        columns, rows = _site_table(site_filter)
        return _streamed(exports.csv_chunks(columns, rows), exports.CSV_TYPE, watermark, "csv")


class SitesXlsx(FileDownload):
    @extend_schema(
        parameters=[SiteFilterParameters],
        responses={(200, exports.XLSX_TYPE): _BINARY, 400: _ERRORS},
        operation_id="export_sites_xlsx",
        summary="Published sites as an Excel workbook, the whole filtered set",
        description="The columns of sites.csv in one worksheet, the header row bold and frozen; "
        "no cell is a formula. With updated_since, the removed sites as in sites.csv.",
    )
    def get(self, request):
        site_filter = read(SiteFilterParameters, request).site_filter()
        columns, rows = _site_table(site_filter)
        workbook = io.BytesIO()
        try:
            exports.write_xlsx(columns, rows, workbook)
        except exports.TooManyRows:
            rows.close()  # the cursor and its transaction end now
            message = _("More than %(n)s sites match: narrow the filters or download CSV.")
            raise serializers.ValidationError(
                {"non_field_errors": [message % {"n": exports.XLSX_MAX_ROWS}]}
            ) from None
        return _attach(
            HttpResponse(workbook.getvalue(), content_type=exports.XLSX_TYPE), "sites", "xlsx"
        )


_EXPORT_COLLECTION = {
    "type": "object",
    "required": ["type", "features", "timeStamp", "nextUpdatedSince"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": schemas.SITE_FEATURE},
        "timeStamp": {"type": "string", "format": "date-time"},
        "nextUpdatedSince": {"type": "string", "format": "date-time"},
        "removed": schemas.SITE_COLLECTION["properties"]["removed"],
    },
}


def _removed_member(since) -> dict:
    return {"removed": selectors.removed_sites(since)}


class SitesGeoJSON(TextDownload):
    @extend_schema(
        parameters=[SiteFilterParameters, _NEXT_HEADER],
        responses={(200, exports.GEOJSON_TYPE): OpenApiResponse(_EXPORT_COLLECTION), 400: _ERRORS},
        operation_id="export_sites_geojson",
        summary="Published sites as one GeoJSON FeatureCollection, the whole filtered set",
        description="The filters of /api/v1/sites/, without paging; by id. With updated_since, "
        "the sites changed since then, and `removed`: the ids of the sites removed since then. "
        "`nextUpdatedSince` (also the X-Next-Updated-Since header) is the updated_since of the "
        "next synchronisation.",
    )
    def get(self, request):
        site_filter = read(SiteFilterParameters, request).site_filter()
        watermark = selectors.sync_watermark()
        head = {
            "timeStamp": timezone.now().isoformat(timespec="seconds"),
            "nextUpdatedSince": watermark.isoformat(),
        }
        since = site_filter.updated_since
        tail = partial(_removed_member, since) if since else None
        features = selectors.site_feature_texts(site_filter)
        chunks = exports.feature_collection_chunks(features, head, tail)
        return _streamed(chunks, exports.GEOJSON_TYPE, watermark, "geojson")


class NationalDump(FileDownload):
    @extend_schema(
        responses={
            (200, exports.ZIP_TYPE): _BINARY,
            503: OpenApiResponse(schemas.NOT_FOUND, description="Being made: retry later"),
        },
        operation_id="export_national_zip",
        summary="Every published site with the province and commune boundaries, a data "
        "dictionary and the licence, as a zip",
        description="sites.csv, sites.geojson, provinces.geojson, communes.geojson, "
        "datapackage.json (Frictionless Data Package), DATA_DICTIONARY.md, LICENSE.md and "
        "licenses/. Made once per registry version and day.",
    )
    def get(self, request):
        try:
            path = exports.national_zip(exports.served_directory(), prune=True)
        except exports.Busy:
            busy = JsonResponse(
                {"detail": str(_("The national dump is being made: try again in a minute."))},
                status=503,
            )
            busy["Retry-After"] = "60"
            return busy
        return FileResponse(
            path.open("rb"), as_attachment=True, filename=path.name, content_type=exports.ZIP_TYPE
        )
