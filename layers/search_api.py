"""/api/v1/search/: suggestions for the search box."""

import json

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from geodata.text import words
from layers import schemas, search
from layers.api import PublishedView, read
from layers.filters import MAX_QUERY_LENGTH


class SearchParameters(serializers.Serializer):
    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        help_text=_(
            "What was typed: a name, a place (current or before 1/7/2025), a standard, a "
            "measuring instrument or a field, with or without diacritics"
        ),
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=search.MAX_SUGGESTIONS,
        default=search.DEFAULT_SUGGESTIONS,
        help_text=_("Suggestions (at most %(n)s)") % {"n": search.MAX_SUGGESTIONS},
    )  # fmt: skip

    def validate_q(self, value):
        if not words(value):
            raise serializers.ValidationError(_("Type at least one letter or digit."))
        return value


class Search(PublishedView):
    """Suggestions as one types, best first: published sites and organisations, places (current,
    and as they were before 1/7/2025, centred on what they became), standards held by published
    sites, measuring-instrument types and fields, each with what the map needs (a point, a bbox,
    or the parameters of /api/v1/sites/ that select it). Diacritics and small typos do not
    matter."""

    @extend_schema(
        parameters=[SearchParameters],
        responses={200: OpenApiResponse(schemas.SEARCH), 400: OpenApiResponse(schemas.ERRORS)},
        operation_id="search",
        summary="Suggestions for the search box: sites, organisations, places, standards, "
        "measuring instruments, fields",
    )
    def get(self, request):
        parameters = read(SearchParameters, request).validated_data
        body = {
            "q": parameters["q"],
            "suggestions": search.suggestions(parameters["q"], parameters["limit"]),
        }
        return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")
