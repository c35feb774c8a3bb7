"""The published layers, read-only."""

from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from layers import selectors


@require_safe
@cache_control(public=True, max_age=3600)
def province_boundaries(request):
    """The 34 current provinces as a GeoJSON FeatureCollection, built by PostGIS."""
    return HttpResponse(
        selectors.province_boundaries_geojson(), content_type="application/geo+json"
    )
