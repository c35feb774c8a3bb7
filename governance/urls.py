"""/api/v1/registry/ (the registry's records, for those with a role) and
/api/v1/change-requests/ (proposals and their decisions)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from governance import api

app_name = "governance"

router = SimpleRouter()
router.register("registry/sites", api.SiteViewSet, basename="registry-site")
router.register("registry/organisations", api.OrganisationViewSet, basename="registry-organisation")
router.register("registry/documents", api.DocumentViewSet, basename="registry-document")
router.register("change-requests", api.ChangeRequestViewSet, basename="change-request")

urlpatterns = [
    path("registry/me/", api.Caller.as_view(), name="me"),
    *router.urls,
]
