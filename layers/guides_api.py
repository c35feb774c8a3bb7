"""/api/v1/guides/: what to do, for each service kind and measuring-instrument type."""

from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from layers import schemas
from layers.api import PublishedView, read
from layers.filters import SiteFilterParameters
from layers.guides import guide_body, published_guides


class GuideParameters(serializers.Serializer):
    kind = SiteFilterParameters().fields["kind"]
    instrument = SiteFilterParameters().fields["instrument"]


class GuideList(PublishedView):
    """The published guides: service kinds first, then instrument types. With `kind` or
    `instrument` (or both), the guides of any of the codes given."""

    @extend_schema(
        parameters=[GuideParameters],
        responses={200: OpenApiResponse(schemas.GUIDES), 400: OpenApiResponse(schemas.ERRORS)},
        operation_id="guides_list",
        summary="Guides for each service kind and measuring-instrument type: what the service "
        "is, its legal basis, what to bring, how to check a certificate",
    )
    def get(self, request):
        codes = read(GuideParameters, request).validated_data
        guides = published_guides(codes.get("kind"), codes.get("instrument"))
        body = {"guides": [guide_body(guide, request.build_absolute_uri) for guide in guides]}
        return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


class GuideDetail(PublishedView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "slug",
                str,
                OpenApiParameter.PATH,
                description="A service kind (`verification`) or `instrument-` and an "
                "instrument-type code (`instrument-water-meter`)",
            )
        ],
        responses={200: OpenApiResponse(schemas.GUIDE), 404: OpenApiResponse(schemas.NOT_FOUND)},
        operation_id="guide_detail",
        summary="One published guide",
    )
    def get(self, request, slug: str):
        guide = published_guides().by_slug(slug).first()
        if guide is None:
            raise Http404(_("No published guide has this address."))
        body = guide_body(guide, request.build_absolute_uri)
        return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
