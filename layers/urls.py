from django.urls import path

from layers import api, documents_api, exports_api, guides_api, search_api

app_name = "layers"
urlpatterns = [
    path("sites/", api.SiteList.as_view(), name="sites"),
    path("sites/<int:site_id>/", api.SiteDetail.as_view(), name="site"),
    path("clusters/", api.SiteClusters.as_view(), name="clusters"),
    path("compare/", api.Compare.as_view(), name="compare"),
    path("vocabularies/", api.Vocabularies.as_view(), name="vocabularies"),
    path("layers/", api.Layers.as_view(), name="layers"),
    path("search/", search_api.Search.as_view(), name="search"),
    path("guides/", guides_api.GuideList.as_view(), name="guides"),
    path("guides/<slug:slug>/", guides_api.GuideDetail.as_view(), name="guide"),
    path(
        "documents/<int:document_id>/",
        documents_api.DocumentDownload.as_view(),
        name="document",
    ),
    path("boundaries/provinces/", api.ProvinceBoundaries.as_view(), name="province-boundaries"),
    path("exports/sites.csv", exports_api.SitesCsv.as_view(), name="export-csv"),
    path("exports/sites.xlsx", exports_api.SitesXlsx.as_view(), name="export-xlsx"),
    path("exports/sites.geojson", exports_api.SitesGeoJSON.as_view(), name="export-geojson"),
    path("exports/national.zip", exports_api.NationalDump.as_view(), name="export-national"),
]
