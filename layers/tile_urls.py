"""Vector tiles at /tiles/: the numbers are read by the view, so that a malformed one is a 404
in JSON like any other unknown tile."""

from django.urls import path

from layers import tiles

app_name = "tiles"
urlpatterns = [path("<str:layer>/<str:z>/<str:x>/<str:y>.mvt", tiles.Tile.as_view(), name="tile")]
