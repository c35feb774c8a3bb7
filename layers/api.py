"""The published layers, read-only: /api/v1/."""

import json
from functools import wraps

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiResponse, extend_schema
from psycopg.errors import QueryCanceled
from rest_framework import serializers
from rest_framework.views import APIView

from layers import catalogue, clusters, compare, schemas, selectors
from layers.caching import published
from layers.filters import SiteFilter, SiteFilterParameters
from layers.sites import site_detail
from map_portal.routers import read_alias

GEOJSON = "application/geo+json"
TOO_SLOW = _(
    "The database took too long to answer this request: narrow it (a smaller area, more "
    "filters, a smaller limit) or try again in a moment."
)
DEFAULT_LIMIT = 500
MAX_LIMIT = 5000


class Paging(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT,
        help_text=_("Features per page (at most %(n)s)") % {"n": MAX_LIMIT},
    )  # fmt: skip
    offset = serializers.IntegerField(required=False, min_value=0, max_value=10**7, default=0)


class PropertyNames(serializers.CharField):
    """`properties=name,kinds,status`: only these properties in each feature (the map asks
    for what its markers need: a fifth of the bytes and of the time)."""

    default_error_messages = {"unknown": _("Unknown properties: {names}. Known: {known}.")}

    def to_internal_value(self, data):
        names = [n.strip() for n in super().to_internal_value(data).split(",") if n.strip()]
        known = [name for name, _sql in selectors.SITE_PROPERTIES]
        if unknown := sorted(set(names) - set(known)):
            self.fail("unknown", names=", ".join(unknown), known=", ".join(known))
        return names


class SiteListParameters(SiteFilterParameters, Paging):
    properties = PropertyNames(
        required=False, max_length=1000, help_text=_("The properties to give, comma-separated")
    )


def read(parameters_class, request):
    """The checked query parameters; a 400 listing what is wrong otherwise."""
    parameters = parameters_class(data=request.query_params.dict())
    parameters.is_valid(raise_exception=True)
    return parameters


def under_public_timeout(view):
    """Runs the view in a transaction whose queries are cut off sooner than the editors'
    (PUBLIC_STATEMENT_TIMEOUT_MS): too slow is a 503 that says so."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            alias = read_alias()
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [str(settings.PUBLIC_STATEMENT_TIMEOUT_MS)],
                )
                return view(request, *args, **kwargs)
        except OperationalError as error:
            if not isinstance(error.__cause__, QueryCanceled):
                raise
            return JsonResponse({"detail": str(TOO_SLOW)}, status=503, headers={"Retry-After": "5"})

    return wrapper


class PublishedView(APIView):
    """A read-only view of published data: cached, with ETags, compressed, under the public
    statement timeout. Anyone may read it: no authentication."""

    authentication_classes = permission_classes = ()  # anyone may read
    http_method_names = ["get", "head", "options"]  # and only read: anything else is a 405

    @method_decorator(published)
    @method_decorator(under_public_timeout)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


def page_links(request, more: bool, limit: int, offset: int) -> list[dict]:
    links = [{"href": request.build_absolute_uri(), "rel": "self", "type": GEOJSON}]
    if more:
        query = request.GET.copy()
        query["offset"], query["limit"] = offset + limit, limit
        links.append(
            {
                "href": request.build_absolute_uri(f"{request.path}?{query.urlencode()}"),
                "rel": "next",
                "type": GEOJSON,
            }
        )
    return links


def feature_collection(features: list[bytes], **members) -> bytes:
    """A FeatureCollection around Features already serialised by PostGIS (UTF-8 text)."""
    head = json.dumps({"type": "FeatureCollection", **members}, ensure_ascii=False)
    return b"".join([head[:-1].encode(), b', "features": [', b",".join(features), b"]}"])


class SiteList(PublishedView):
    """Published sites, filtered; nearest first with `near`; paged with `next` links."""

    @extend_schema(
        parameters=[SiteListParameters],
        responses={
            (200, GEOJSON): OpenApiResponse(schemas.SITE_COLLECTION),
            400: OpenApiResponse(schemas.ERRORS),
        },
        operation_id="sites_list",
        summary="Published sites as GeoJSON",
    )
    def get(self, request):
        parameters = read(SiteListParameters, request)
        site_filter = parameters.site_filter()
        limit, offset = parameters.validated_data["limit"], parameters.validated_data["offset"]
        names = parameters.validated_data.get("properties")
        page = selectors.site_features(site_filter, limit, offset, names)
        members = {
            "numberReturned": len(page.features),
            "timeStamp": timezone.now().isoformat(timespec="seconds"),
            "links": page_links(request, page.more, limit, offset),
        }
        if site_filter.updated_since:
            members["removed"] = selectors.removed_sites(site_filter.updated_since)
        return HttpResponse(feature_collection(page.features, **members), content_type=GEOJSON)


class DateParameter(serializers.Serializer):
    at = SiteFilterParameters().fields["at"]


class SiteDetail(PublishedView):
    @extend_schema(
        parameters=[DateParameter],
        responses={
            (200, GEOJSON): OpenApiResponse(schemas.SITE_DETAIL),
            404: OpenApiResponse(schemas.NOT_FOUND),
            400: OpenApiResponse(schemas.ERRORS),
        },
        operation_id="site_detail",
        summary="One published site with its credentials, scope and documents",
    )
    def get(self, request, site_id: int):
        site_filter = read(SiteFilterParameters, request).site_filter()
        feature = site_detail(site_id, site_filter, request.build_absolute_uri)
        if feature is None:
            raise Http404(_("No published site has this number."))
        return HttpResponse(json.dumps(feature, ensure_ascii=False), content_type=GEOJSON)


class ProvinceBoundaries(PublishedView):
    """The 34 current provinces as a GeoJSON FeatureCollection, built by PostGIS."""

    @extend_schema(
        operation_id="province_boundaries",
        responses={(200, GEOJSON): OpenApiResponse(description="FeatureCollection")},
    )
    def get(self, request):
        return HttpResponse(selectors.province_boundaries_geojson(), content_type=GEOJSON)


class ClusterParameters(SiteFilterParameters):
    zoom = serializers.IntegerField(
        min_value=0, max_value=22, help_text=_("Zoom level of the web map, 0 to 22")
    )


class SiteClusters(PublishedView):
    @extend_schema(
        parameters=[ClusterParameters],
        responses={
            (200, GEOJSON): OpenApiResponse(schemas.CLUSTER_COLLECTION),
            400: OpenApiResponse(schemas.ERRORS),
        },
        operation_id="site_clusters",
        summary="Counts of published sites per grid cell, for the country and region views",
    )
    def get(self, request):
        parameters = read(ClusterParameters, request)
        cells = clusters.site_clusters(parameters.site_filter(), parameters.validated_data["zoom"])
        members = {"cell_degrees": clusters.cell_degrees(parameters.validated_data["zoom"])}
        features = [cell.encode() for cell in cells]
        return HttpResponse(feature_collection(features, **members), content_type=GEOJSON)


class Vocabularies(PublishedView):
    @extend_schema(
        responses={200: OpenApiResponse(schemas.VOCABULARIES)},
        operation_id="vocabularies",
        summary="The codes and labels of every filter: kinds, statuses, fields, instruments, "
        "schemes, provinces",
    )
    def get(self, request):
        return JsonResponse(catalogue.vocabularies(), json_dumps_params={"ensure_ascii": False})


class Layers(PublishedView):
    @extend_schema(
        responses={200: OpenApiResponse(schemas.LAYERS)},
        operation_id="layers",
        summary="The map layers with their styles and links, for the legend",
    )
    def get(self, request):
        layers = catalogue.layer_catalogue(request.build_absolute_uri)
        return JsonResponse({"layers": layers}, json_dumps_params={"ensure_ascii": False})


class SiteIds(serializers.CharField):
    default_error_messages = {
        "shape": _("ids is a list of 1 to {n} site numbers separated by commas, e.g. 12,40,7.")
    }

    def to_internal_value(self, data):
        parts = super().to_internal_value(data).split(",")
        if not 1 <= len(parts) <= compare.MAX_SITES or not all(
            p.strip().isdecimal() for p in parts
        ):
            self.fail("shape", n=compare.MAX_SITES)
        return list(dict.fromkeys(int(p) for p in parts))


class CompareParameters(serializers.Serializer):
    ids = SiteIds(max_length=100, help_text=_("Up to four site numbers, comma-separated"))
    at = SiteFilterParameters().fields["at"]
    near = SiteFilterParameters().fields["near"]


class Compare(PublishedView):
    @extend_schema(
        parameters=[CompareParameters],
        responses={
            200: OpenApiResponse(schemas.COMPARISON),
            400: OpenApiResponse(schemas.ERRORS),
            404: OpenApiResponse(schemas.NOT_FOUND),
        },
        operation_id="compare_sites",
        summary="Up to four published sites side by side, their scopes aligned",
    )
    def get(self, request):
        parameters = read(CompareParameters, request)
        data = parameters.validated_data
        site_filter = SiteFilter(on=data.get("at") or timezone.localdate(), near=data.get("near"))
        comparison = compare.compare_sites(data["ids"], site_filter)
        if comparison is None:
            raise Http404(_("One of these sites is not published or does not exist."))
        return JsonResponse(comparison, json_dumps_params={"ensure_ascii": False})


def not_found(request, exception):
    """The API answers an unknown address in JSON, the pages in HTML."""
    if request.path.startswith(("/api/", "/ogc/")):
        return JsonResponse({"detail": str(_("Not found."))}, status=404)
    return page_not_found(request, exception)
