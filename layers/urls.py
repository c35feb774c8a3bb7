from django.urls import path

from layers import api

app_name = "layers"
urlpatterns = [
    path("sites/", api.SiteList.as_view(), name="sites"),
    path("sites/<int:site_id>/", api.SiteDetail.as_view(), name="site"),
    path("documents/<int:document_id>/", api.DocumentDownload.as_view(), name="document"),
    path("boundaries/provinces/", api.ProvinceBoundaries.as_view(), name="province-boundaries"),
]
