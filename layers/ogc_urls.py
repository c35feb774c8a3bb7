"""OGC API Features at /ogc/: the paths that the standard names, without trailing slashes."""

from django.urls import path

from layers import ogc

app_name = "ogc"
urlpatterns = [
    path("", ogc.LandingPage.as_view(), name="landing"),
    path("conformance", ogc.Conformance.as_view(), name="conformance"),
    path("api", ogc.APIDefinition.as_view(), name="api"),
    path("collections", ogc.Collections.as_view(), name="collections"),
    path("collections/<str:collection_id>", ogc.CollectionView.as_view(), name="collection"),
    path("collections/<str:collection_id>/items", ogc.Items.as_view(), name="items"),
    path(
        "collections/<str:collection_id>/items/<str:feature_id>",
        ogc.Item.as_view(),
        name="item",
    ),
]
