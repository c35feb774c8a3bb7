from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

handler404 = "layers.api.not_found"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # The registry, for those with a role (session or API key): /api/v1/registry/, change-requests.
    path("api/v1/", include("governance.urls")),
    path("api/v1/", include("layers.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("ogc/", include("layers.ogc_urls")),
    path("tiles/", include("layers.tile_urls")),
    path("admin/", admin.site.urls),
    path("inspections/", include("inspections.urls")),
    path("", include("certificates.urls")),
    path("", include("frontend.urls")),
]

# Media files are never served by their path, not even in development: documents may be private
# and imported spreadsheets always are. Document files go out through layers:document only.
