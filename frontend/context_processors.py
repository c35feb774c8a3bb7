from django.conf import settings


def base_map(request):
    """The base-map configuration every map page needs."""
    return {
        "base_map": {
            "tileUrl": settings.BASE_MAP_TILE_URL,
            "attribution": settings.BASE_MAP_ATTRIBUTION,
            "maxZoom": settings.BASE_MAP_MAX_ZOOM,
            "boundaryAttribution": settings.BOUNDARY_ATTRIBUTION,
        }
    }
