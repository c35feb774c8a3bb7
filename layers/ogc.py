"""OGC API Features, Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) at /ogc/, for GIS clients such as
GDAL's OAPIF driver and QGIS. The sites' collections read the same filters and the same features
as /api/v1/sites/ (layers.filters, layers.selectors); provinces and communes are the current
administrative units with their boundaries. JSON answers are cached with ETags (layers.caching);
HTML pages are not, because they carry the visitor's CSRF token (the language switch)."""

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from geodata import status
from geodata.models import ServiceKind
from layers import api, schemas, selectors
from layers.caching import compressed
from layers.filters import CodeList, SiteFilter, SiteFilterParameters, current_units

JSON = "application/json"
GEOJSON = api.GEOJSON
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{name}"
    for name in ("core", "geojson", "html", "oas30")
]
DEFAULT_LIMIT = 10
MAX_LIMIT = api.MAX_LIMIT
TITLE = _("Viet Nam's quality infrastructure map")
DESCRIPTION = _(
    "The published sites of the organisations that provide standards, metrology and quality "
    "services in Viet Nam, and the current provinces and communes, as OGC API Features."
)


@dataclass(frozen=True)
class Collection:
    id: str
    title: str  # in Vietnamese, as the registry names it
    description: str
    kind: str = ""  # the sites of one service kind
    level: str = ""  # the current administrative units of this level, not sites


_SITE_COLUMNS = [
    ("name", _("Name")),
    ("organisation", _("Organisation")),
    ("address", _("Address")),
    ("province", _("Province")),
    ("status", _("Status")),
]
_UNIT_COLUMNS = [("code", _("Code")), ("full_name", _("Name"))]
COLUMNS = {
    "": _SITE_COLUMNS,
    "province": _UNIT_COLUMNS,
    "commune": [*_UNIT_COLUMNS, ("province_code", _("Province code"))],
}

COLLECTIONS = {
    collection.id: collection
    for collection in [
        Collection(
            "sites",
            "Cơ sở dịch vụ tiêu chuẩn, đo lường, chất lượng",
            _(
                "Every published site of an organisation that provides standards, metrology or "
                "quality services, with its status today."
            ),
        ),
        Collection(
            "sites-testing",
            "Cơ sở thử nghiệm",
            _("Published sites of testing laboratories."),
            kind=ServiceKind.TESTING,
        ),
        Collection(
            "sites-calibration",
            "Cơ sở hiệu chuẩn",
            _("Published sites of calibration laboratories."),
            kind=ServiceKind.CALIBRATION,
        ),
        Collection(
            "sites-verification",
            "Cơ sở kiểm định phương tiện đo",
            _("Published sites that verify measuring instruments."),
            kind=ServiceKind.VERIFICATION,
        ),
        Collection(
            "sites-certification",
            "Cơ sở chứng nhận",
            _("Published sites of certification bodies."),
            kind=ServiceKind.CERTIFICATION,
        ),
        Collection(
            "sites-inspection",
            "Cơ sở giám định",
            _("Published sites of inspection bodies."),
            kind=ServiceKind.INSPECTION,
        ),
        Collection(
            "sites-accreditation",
            "Cơ sở công nhận",
            _("Published sites of accreditation bodies."),
            kind=ServiceKind.ACCREDITATION,
        ),
        Collection(
            "provinces",
            "Tỉnh, thành phố (từ 1/7/2025)",
            _(
                "The provinces and centrally governed cities in force since 1 July 2025, with "
                "their boundaries."
            ),
            level="province",
        ),
        Collection(
            "communes",
            "Xã, phường, đặc khu (từ 1/7/2025)",
            _(
                "The communes, wards and special zones in force since 1 July 2025, with their "
                "boundaries and the code of their province."
            ),
            level="commune",
        ),
    ]
}


def collection_or_404(collection_id: str) -> Collection:
    if collection_id not in COLLECTIONS:
        raise NotFound(_("No collection is called %(id)s.") % {"id": collection_id})
    return COLLECTIONS[collection_id]


# Query parameters ------------------------------------------------------------------------------


class Limit(serializers.IntegerField):
    """OGC API Features: a limit above the maximum is no error, the maximum is used."""

    def to_internal_value(self, data):
        return min(super().to_internal_value(data), MAX_LIMIT)


class Paging(serializers.Serializer):
    limit = Limit(
        required=False, min_value=1, default=DEFAULT_LIMIT,
        help_text=_("Features per page (default %(default)s, at most %(n)s)") % {
            "default": DEFAULT_LIMIT, "n": MAX_LIMIT
        },
    )  # fmt: skip
    offset = api.Paging().fields["offset"]
    resultType = serializers.ChoiceField(  # GDAL counts the features with it
        ["results", "hits"], required=False, default="results",
        help_text=_("hits: only numberMatched, no features"),
    )  # fmt: skip


class SiteItemsParameters(SiteFilterParameters, Paging):
    """The filters of /api/v1/sites/. A GIS client filters a property by its value, and a site's
    `province` and `commune` properties are names: names are read as the units' codes."""

    def to_internal_value(self, data):
        codes = {key: _unit_codes(key, data[key]) for key in ("province", "commune") if key in data}
        return super().to_internal_value({**data, **codes})


def _unit_codes(level: str, text: str) -> str:
    values = [value.strip() for value in text.split(",")]
    names = [value for value in values if not value.isdecimal()]
    if not names or "\x00" in text:  # CodeList refuses a NUL; the database cannot read one
        return text
    codes = selectors.unit_codes(level, names)
    return ",".join(code for value in values for code in codes.get(value, [value]))


class UnitItemsParameters(Paging):
    bbox = SiteFilterParameters().fields["bbox"]

    def unit_filter(self, level: str) -> selectors.UnitFilter:
        data = self.validated_data
        return selectors.UnitFilter(
            level,
            codes=tuple(data.get("code", ())),
            provinces=tuple(data.get("province", ())),
            bbox=data.get("bbox"),
        )


class ProvinceItemsParameters(UnitItemsParameters):
    code = CodeList(
        _("province"), current_units("province"), required=False,
        help_text=_("Province codes, comma-separated"),
    )  # fmt: skip


class CommuneItemsParameters(UnitItemsParameters):
    code = CodeList(
        _("commune"), current_units("commune"), required=False,
        help_text=_("Commune codes, comma-separated"),
    )  # fmt: skip
    province = SiteFilterParameters().fields["province"]


ITEMS_PARAMETERS = {
    "": SiteItemsParameters,
    "province": ProvinceItemsParameters,
    "commune": CommuneItemsParameters,
}


def read(parameters_class, request, **fixed):
    """The checked query parameters; `fixed` ones are the collection's, not the client's. A
    parameter that the API does not define is a 400, as OGC API Features requires."""
    known = set(parameters_class().fields) - set(fixed) | {"f"}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise ValidationError(
            _("Unknown parameter: %(names)s. The parameters are described at %(url)s.")
            % {"names": ", ".join(unknown), "url": reverse("ogc:api")}
        )
    data = request.query_params.dict()
    data.pop("f", None)
    parameters = parameters_class(data={**data, **fixed})
    parameters.is_valid(raise_exception=True)
    return parameters


def output_format(request) -> str | None:
    """json or html, from `f` or else from the Accept header; None for an unknown `f`."""
    if "f" in request.GET:
        return request.GET["f"] if request.GET["f"] in ("json", "html") else None
    preferred = request.get_preferred_type([JSON, HTML])
    return "html" if preferred == HTML else "json"


# Links -----------------------------------------------------------------------------------------


def link(href: str, rel: str, media_type: str, title="") -> dict:
    titled = {"title": str(title)} if title else {}
    return {"href": href, "rel": rel, "type": media_type, **titled}


def here(request, **changes) -> str:
    """This resource's absolute URL, with some query parameters changed."""
    query = request.GET.copy()
    for name, value in changes.items():
        query[name] = value
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def url(request, name: str, *args, **query) -> str:
    path = reverse(f"ogc:{name}", args=args)
    return request.build_absolute_uri(f"{path}?{urlencode(query)}" if query else path)


def self_links(request, media_type=JSON) -> list[dict]:
    """self and alternate: this resource in the format asked for, and in the other one."""
    as_json = link(here(request, f="json"), "self", media_type)
    as_html = link(here(request, f="html"), "alternate", HTML)
    if output_format(request) == "html":
        as_json["rel"], as_html["rel"] = "alternate", "self"
        return [as_html, as_json]
    return [as_json, as_html]


def page_links(request, media_type, matched, returned, limit, offset) -> list[dict]:
    links = self_links(request, media_type)
    f, own = ("html", HTML) if output_format(request) == "html" else ("json", media_type)
    if offset + returned < matched:
        links.append(link(here(request, f=f, offset=offset + limit, limit=limit), "next", own))
    if offset > 0:
        previous = max(offset - limit, 0)
        links.append(link(here(request, f=f, offset=previous, limit=limit), "prev", own))
    return links


# Documents -------------------------------------------------------------------------------------


def landing_page(request) -> dict:
    return {
        "title": str(TITLE),
        "description": str(DESCRIPTION),
        "links": [
            *self_links(request),
            link(url(request, "api"), "service-desc", OPENAPI, _("The API definition")),
            link(url(request, "api", f="html"), "service-doc", HTML, _("The API documentation")),
            link(url(request, "conformance"), "conformance", JSON, _("Conformance classes")),
            link(url(request, "collections"), "data", JSON, _("Collections")),
        ],
    }


def collection_document(request, collection: Collection, bbox) -> dict:
    document = {
        "id": collection.id,
        "title": collection.title,
        "description": str(collection.description),
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            link(url(request, "collection", collection.id, f="json"), "self", JSON),
            link(url(request, "collection", collection.id, f="html"), "alternate", HTML),
            # GDAL reads a feature at this address + "/{featureId}": no query string.
            link(url(request, "items", collection.id), "items", GEOJSON),
            link(url(request, "items", collection.id, f="html"), "items", HTML),
        ],
    }
    if bbox:
        document["extent"] = {"spatial": {"bbox": [bbox], "crs": CRS84}}
    return document


def items_page(request, collection: Collection) -> bytes:
    """One page of the collection as a FeatureCollection (text)."""
    if collection.level:
        parameters = read(ITEMS_PARAMETERS[collection.level], request)
        query = parameters.unit_filter(collection.level)
        page, count = selectors.unit_features, selectors.unit_count
    else:
        fixed = {"kind": collection.kind} if collection.kind else {}
        parameters = read(SiteItemsParameters, request, **fixed)
        query = parameters.site_filter()
        page, count = _site_page, selectors.site_count
    data = parameters.validated_data
    limit, offset, hits = data["limit"], data["offset"], data["resultType"] == "hits"
    features, matched = [] if hits else page(query, limit, offset), count(query)
    if hits:
        links = self_links(request, GEOJSON)
    else:
        links = page_links(request, GEOJSON, matched, len(features), limit, offset)
    links.append(link(url(request, "collection", collection.id), "collection", JSON))
    return api.feature_collection(
        features,
        numberMatched=matched,
        numberReturned=len(features),
        timeStamp=timezone.now().isoformat(timespec="seconds"),
        links=links,
    )


def _site_page(site_filter, limit: int, offset: int) -> list[bytes]:
    return selectors.site_features(site_filter, limit, offset).features


def feature_or_404(collection: Collection, feature_id: str) -> dict:
    """The feature; a 404 otherwise. Unit codes and site numbers are digits."""
    digits = feature_id.isascii() and feature_id.isdigit() and len(feature_id) < 19
    feature = digits and _feature(collection, feature_id)
    if not feature:
        raise NotFound(_("The collection %(id)s has no feature %(feature)s.") % {
            "id": collection.id, "feature": feature_id
        })  # fmt: skip
    return feature


def _feature(collection: Collection, feature_id: str) -> dict | None:
    if collection.level:
        unit_filter = selectors.UnitFilter(collection.level, codes=(feature_id,))
        features = selectors.unit_features(unit_filter, limit=1)
        return json.loads(features[0]) if features else None
    feature = selectors.site_properties(int(feature_id), SiteFilter())
    if feature and collection.kind and collection.kind not in feature["properties"]["kinds"]:
        return None
    return feature


# Views -----------------------------------------------------------------------------------------


class AnyAccept(BaseContentNegotiation):
    """The views choose between JSON and HTML themselves (`f`, then Accept)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OGCView(api.PublishedView):
    """JSON as every published view serves it (cached with ETags, compressed, under the public
    statement timeout), or an HTML page of the same document."""

    schema = None  # described by /ogc/api, not by /api/schema/
    authentication_classes = permission_classes = ()  # public and read-only: GET only
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAccept
    template = ""
    media_type = JSON
    reads_only_f = True  # the items read their own parameters

    def dispatch(self, request, *args, **kwargs):
        if output_format(request) == "html":
            return self.page_dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    @method_decorator(compressed)
    @method_decorator(api.under_public_timeout)
    def page_dispatch(self, request, *args, **kwargs):
        """A page holds the visitor's CSRF token (the language switch): it is never shared."""
        return APIView.dispatch(self, request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if output_format(request) is None:
            raise ValidationError({"f": _("The format is json or html.")})
        if self.reads_only_f:
            read(serializers.Serializer, request)

    def get(self, request, **kwargs):
        document = self.document(request, **kwargs)
        if output_format(request) == "html":
            if isinstance(document, bytes):
                document = json.loads(document)
            context = {"document": document, "json_url": here(request, f="json")}
            return render(request._request, self.template, {**context, **self.page(document)})
        if not isinstance(document, bytes):
            document = json.dumps(document, ensure_ascii=False)
        return HttpResponse(document, content_type=self.media_type)

    def document(self, request, **kwargs):
        """The resource as JSON: a dict, or UTF-8 text already serialised."""
        raise NotImplementedError

    def page(self, document) -> dict:
        """What the HTML page shows besides the document."""
        return {}

    def handle_exception(self, exc):
        if isinstance(exc, ValidationError):
            return self.exception(400, "InvalidParameterValue", _describe(exc.detail))
        if isinstance(exc, Http404 | NotFound):
            return self.exception(404, "NotFound", str(exc))
        return super().handle_exception(exc)

    def exception(self, status: int, code: str, description: str) -> HttpResponse:
        """An OGC exception: {"code", "description"}, or a page saying the same."""
        request, body = self.request, {"code": code, "description": description}
        if output_format(request) == "html":
            context = {**body, "json_url": here(request, f="json")}
            return render(request._request, "layers/ogc/exception.html", context, status=status)
        return HttpResponse(json.dumps(body, ensure_ascii=False), JSON, status=status)


def _describe(detail) -> str:
    if isinstance(detail, dict):
        return " ".join(
            _describe(value) if name == "non_field_errors" else f"{name}: {_describe(value)}"
            for name, value in detail.items()
        )
    if isinstance(detail, list):
        return " ".join(_describe(value) for value in detail)
    return str(detail)


class LandingPage(OGCView):
    template = "layers/ogc/landing.html"

    def document(self, request):
        return landing_page(request)


class Conformance(OGCView):
    template = "layers/ogc/conformance.html"

    def document(self, request):
        return {"conformsTo": CONFORMANCE, "links": self_links(request)}


class APIDefinition(OGCView):
    template = "layers/ogc/api.html"
    media_type = OPENAPI

    def document(self, request):
        return openapi(request)

    def page(self, document):
        operations = [
            {"path": path, **item["get"], "parameters": [
                _resolve(document, parameter) for parameter in item["get"]["parameters"]
            ]}
            for path, item in document["paths"].items()
        ]  # fmt: skip
        return {"operations": operations, "server": document["servers"][0]["url"]}


class Collections(OGCView):
    template = "layers/ogc/collections.html"

    def document(self, request):
        bbox = selectors.country_bbox()
        return {
            "links": self_links(request),
            "collections": [collection_document(request, c, bbox) for c in COLLECTIONS.values()],
        }


class CollectionView(OGCView):
    template = "layers/ogc/collection.html"

    def document(self, request, collection_id):
        collection = collection_or_404(collection_id)
        return collection_document(request, collection, selectors.country_bbox())

    def page(self, document):
        return {"filters": [item["name"] for item in _filters(COLLECTIONS[document["id"]])]}


class Items(OGCView):
    template = "layers/ogc/items.html"
    media_type = GEOJSON
    reads_only_f = False

    def document(self, request, collection_id):
        return items_page(request, collection_or_404(collection_id))

    def page(self, document):
        collection = COLLECTIONS[self.kwargs["collection_id"]]
        columns = COLUMNS[collection.level]
        rows = [
            {
                "href": url(self.request, "item", collection.id, feature["id"]),
                "cells": [_shown(name, feature["properties"].get(name)) for name, _l in columns],
            }
            for feature in document["features"]
        ]
        links = {item["rel"]: item["href"] for item in document["links"]}
        offset = int(self.request.GET.get("offset", 0) or 0)
        return {
            "collection": collection,
            "columns": [label for _name, label in columns],
            "rows": rows,
            "first": offset + 1,
            "last": offset + len(rows),
            "next": links.get("next"),
            "prev": links.get("prev"),
        }


class Item(OGCView):
    template = "layers/ogc/item.html"
    media_type = GEOJSON

    def document(self, request, collection_id, feature_id):
        collection = collection_or_404(collection_id)
        feature = feature_or_404(collection, feature_id)
        feature["links"] = [
            *self_links(request, GEOJSON),
            link(url(request, "collection", collection.id), "collection", JSON, collection.title),
        ]
        return feature

    def page(self, document):
        properties, geometry = document["properties"], document["geometry"]
        return {
            "collection": COLLECTIONS[self.kwargs["collection_id"]],
            "name": properties.get("full_name") or properties["name"],
            "properties": [(name, _shown(name, value)) for name, value in properties.items()],
            "coordinates": geometry["coordinates"] if geometry["type"] == "Point" else None,
        }


def _shown(name: str, value) -> str:
    """A property's value as the HTML page shows it."""
    if value is None:
        return ""
    if name == "status":
        return str(status.LABELS.get(value, value))
    if name == "kinds":
        return ", ".join(str(ServiceKind(kind).label) for kind in value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


# The API definition (OpenAPI 3.0) ---------------------------------------------------------------


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _resolve(document: dict, item: dict) -> dict:
    if "$ref" not in item:
        return item
    kind, name = item["$ref"].split("/")[2:]
    return document["components"][kind][name]


def _oas30(schema):
    """A JSON Schema as layers.schemas writes them, in OpenAPI 3.0's dialect (no type lists,
    no const)."""
    if isinstance(schema, list):
        return [_oas30(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {}
    for key, value in schema.items():
        if key == "properties":
            converted[key] = {name: _oas30(item) for name, item in value.items()}
        elif key == "const":
            converted["enum"] = [value]
        elif key == "type" and isinstance(value, list):
            converted["type"] = next(item for item in value if item != "null")
            converted["nullable"] = "null" in value
        else:
            converted[key] = _oas30(value)
    return converted


def _field_schema(field) -> dict:
    if isinstance(field, serializers.BooleanField):
        return {"type": "boolean", **({"nullable": True} if field.allow_null else {})}
    if isinstance(field, serializers.DateTimeField):
        return {"type": "string", "format": "date-time"}
    if isinstance(field, serializers.DateField):
        return {"type": "string", "format": "date"}
    if isinstance(field, serializers.FloatField):
        bounds = {"minimum": field.min_value, "maximum": field.max_value}
        return {"type": "number", **{key: n for key, n in bounds.items() if n is not None}}
    if isinstance(field, serializers.ChoiceField):
        return {"type": "string", "enum": list(field.choices)}
    return {"type": "string", **({"maxLength": field.max_length} if field.max_length else {})}


def _filters(collection: Collection) -> list[dict]:
    fields = ITEMS_PARAMETERS[collection.level]().fields
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": str(field.help_text or ""),
            "schema": _field_schema(field),
            "style": "form",
            "explode": False,
        }
        for name, field in fields.items()
        if name not in ("bbox", "limit", "offset") and not (name == "kind" and collection.kind)
    ]


def _content(schema: dict, media_type=JSON) -> dict:
    return {media_type: {"schema": schema}, HTML: {"schema": {"type": "string"}}}


def _operation(operation_id, summary, content, parameters=(), not_found=False) -> dict:
    responses = {
        "200": {"description": str(summary), "content": content},
        "400": {"$ref": "#/components/responses/InvalidParameter"},
    }
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {
        "get": {
            "operationId": operation_id,
            "summary": str(summary),
            "parameters": [_ref("parameters", "f"), *parameters],
            "responses": responses,
        }
    }


def _collection_paths(collection: Collection) -> dict:
    of = f"/collections/{collection.id}"
    key = collection.id.replace("-", "_")
    feature = _ref("schemas", "unitFeature" if collection.level else "siteFeature")
    return {
        of: _operation(
            f"describe_{key}", _("Describe the collection %(title)s") % {"title": collection.title},
            _content(_ref("schemas", "collection")), not_found=True,
        ),
        f"{of}/items": _operation(
            f"get_{key}_features", collection.title,
            _content(_feature_collection(feature), GEOJSON),
            [_ref("parameters", "bbox"), _ref("parameters", "limit"),
             _ref("parameters", "offset"), *_filters(collection)],
        ),
        f"{of}/items/{{featureId}}": _operation(
            f"get_{key}_feature", _("One feature of %(title)s") % {"title": collection.title},
            _content(feature, GEOJSON),
            [_ref("parameters", "unitId" if collection.level else "siteId")], not_found=True,
        ),
    }  # fmt: skip


def _feature_collection(feature: dict) -> dict:
    return {
        "type": "object",
        "required": ["type", "features", "links", "numberMatched", "numberReturned"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": feature},
            "links": {"type": "array", "items": _ref("schemas", "link")},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
            "timeStamp": {"type": "string", "format": "date-time"},
        },
    }


_LINKS = {"type": "array", "items": _ref("schemas", "link")}
_TEXT = {"type": "string"}
_ERROR = {"content": {JSON: {"schema": _ref("schemas", "exception")}, HTML: {"schema": _TEXT}}}


def _components() -> dict:
    unit_properties = {name: _TEXT for name, _sql in selectors.UNIT_PROPERTIES["commune"]}
    site_feature = _oas30(schemas.SITE_FEATURE)
    site_feature["properties"]["links"] = _LINKS
    return {
        "parameters": {
            "f": {
                "name": "f", "in": "query", "required": False,
                "description": str(_("The format of the answer (default: from Accept)")),
                "schema": {"type": "string", "enum": ["json", "html"]},
                "style": "form", "explode": False,
            },
            "bbox": {
                "name": "bbox", "in": "query", "required": False,
                "description": str(_("Only features that meet this box: west,south,east,north "
                                     "in degrees (WGS 84, CRS84)")),
                "schema": {"type": "array", "minItems": 4, "maxItems": 4,
                           "items": {"type": "number"}},
                "style": "form", "explode": False,
            },
            "limit": {
                "name": "limit", "in": "query", "required": False,
                "description": str(Paging().fields["limit"].help_text),
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                           "default": DEFAULT_LIMIT},
                "style": "form", "explode": False,
            },
            "offset": {
                "name": "offset", "in": "query", "required": False,
                "description": str(_("How many features to skip (the next links set it)")),
                "schema": {"type": "integer", "minimum": 0, "maximum": 10**7, "default": 0},
                "style": "form", "explode": False,
            },
            "siteId": {
                "name": "featureId", "in": "path", "required": True,
                "description": str(_("The number of the site")),
                "schema": {"type": "integer", "minimum": 1},
            },
            "unitId": {
                "name": "featureId", "in": "path", "required": True,
                "description": str(_("The code of the unit")), "schema": _TEXT,
            },
        },
        "responses": {
            "InvalidParameter": {"description": str(_("A parameter is wrong")), **_ERROR},
            "NotFound": {"description": str(_("No such collection or feature")), **_ERROR},
        },
        "schemas": {
            "exception": {
                "type": "object", "required": ["code"],
                "properties": {"code": _TEXT, "description": _TEXT},
            },
            "link": _oas30(schemas.LINK),
            "landingPage": {
                "type": "object", "required": ["links"],
                "properties": {"title": _TEXT, "description": _TEXT, "links": _LINKS},
            },
            "confClasses": {
                "type": "object", "required": ["conformsTo"],
                "properties": {"conformsTo": {"type": "array", "items": _TEXT}, "links": _LINKS},
            },
            "collection": {
                "type": "object", "required": ["id", "links"],
                "properties": {
                    "id": _TEXT, "title": _TEXT, "description": _TEXT, "links": _LINKS,
                    "itemType": _TEXT, "crs": {"type": "array", "items": _TEXT},
                    "extent": {"type": "object"},
                },
            },
            "collections": {
                "type": "object", "required": ["links", "collections"],
                "properties": {
                    "links": _LINKS,
                    "collections": {"type": "array", "items": _ref("schemas", "collection")},
                },
            },
            "siteFeature": site_feature,
            "unitFeature": {
                "type": "object", "required": ["type", "id", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": _TEXT,
                    "geometry": {
                        "type": "object", "required": ["type", "coordinates"],
                        "properties": {"type": {"type": "string", "enum": ["MultiPolygon"]},
                                       "coordinates": {"type": "array"}},
                    },
                    "properties": {"type": "object", "properties": unit_properties},
                    "links": _LINKS,
                },
            },
        },
    }  # fmt: skip


def openapi(request) -> dict:
    """The API definition: the paths of every collection with the filters it reads."""
    paths = {
        "/": _operation(
            "get_landing_page", _("Landing page"), _content(_ref("schemas", "landingPage"))
        ),
        "/conformance": _operation(
            "get_conformance", _("Conformance classes"), _content(_ref("schemas", "confClasses"))
        ),
        "/api": _operation(
            "get_api", _("This API definition"), _content({"type": "object"}, OPENAPI)
        ),
        "/collections": _operation(
            "get_collections", _("Collections"), _content(_ref("schemas", "collections"))
        ),
    }
    for collection in COLLECTIONS.values():
        paths.update(_collection_paths(collection))
    return {
        "openapi": "3.0.3",
        "info": {"title": str(TITLE), "description": str(DESCRIPTION), "version": "1.0.0"},
        "servers": [{"url": url(request, "landing").rstrip("/")}],
        "paths": paths,
        "components": _components(),
    }
