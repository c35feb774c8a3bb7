from django.urls import path

from layers import api

app_name = "layers"
urlpatterns = [
    path("boundaries/provinces/", api.province_boundaries, name="province-boundaries"),
]
