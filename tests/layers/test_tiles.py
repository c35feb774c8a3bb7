"""Vector tiles at /tiles/{layer}/{z}/{x}/{y}.mvt, read back with GDAL's MVT driver: the same
sites as the API, the same filters, cluster cells when zoomed out, the current units."""

import json
import math
import subprocess
from datetime import date

import pytest
from django.contrib.gis.geos import Point

from layers import tiles
from layers.catalogue import COMMUNES_MIN_ZOOM
from layers.tiles import MVT, tile_bbox
from tests.factories import make_credential, make_organisation, make_site, province

pytestmark = pytest.mark.django_db

HANOI = (105.80, 21.03)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


def tile_url(layer: str, z: int, x: int, y: int) -> str:
    return f"/tiles/{layer}/{z}/{x}/{y}.mvt"


def read_tile(client, tmp_path, layer, tile, **query) -> list[dict]:
    """The tile's features as GDAL reads them: GeoJSON, in degrees."""
    response = client.get(tile_url(layer, *tile), query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == MVT
    path = tmp_path / "tile.mvt"
    path.write_bytes(response.content)
    z, x, y = tile
    options = [arg for o in (f"X={x}", f"Y={y}", f"Z={z}") for arg in ("-oo", o)]
    command = ["ogr2ogr", "-f", "GeoJSON", "-t_srs", "EPSG:4326", "/vsistdout/", str(path)]
    result = subprocess.run([*command, *options, layer], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)["features"]


def site_at(name, lon, lat, **fields):
    return make_site(name=name, location=Point(lon, lat, srid=4326), **fields)


def close(position, expected, z) -> bool:
    """Within one unit of the tile's 4096 grid (a tile spans 360 / 2^z degrees)."""
    unit = 360 / 2**z / 4096
    return all(abs(a - b) <= unit for a, b in zip(position, expected, strict=True))


# Sites, zoomed in -----------------------------------------------------------------------------


def test_a_site_tile_holds_the_sites_of_the_api_in_it_with_their_properties(client, tmp_path):
    organisation = make_organisation("Viện Đo lường Việt Nam")
    lab = site_at("Phòng thử nghiệm", *HANOI, organisation=organisation, kinds=["testing"])
    make_credential(lab)
    site_at("Trạm kiểm định", 105.801, 21.031, kinds=["verification", "calibration"])
    site_at("Chưa công bố", 105.8005, 21.0305, published=False)
    site_at("Sài Gòn", 106.70, 10.78, province=province("79"))
    tile = tile_of(*HANOI, 14)

    features = read_tile(client, tmp_path, "sites", tile)

    bbox = ",".join(str(edge) for edge in tile_bbox(*tile))
    api = client.get("/api/v1/sites/", {"bbox": bbox}).json()["features"]
    assert len(api) == 2
    by_id = {f["properties"]["id"]: f for f in features}
    assert set(by_id) == {f["id"] for f in api}
    for expected in api:
        got = by_id[expected["id"]]
        properties = expected["properties"]
        assert got["properties"]["name"] == properties["name"]
        assert got["properties"]["organisation"] == properties["organisation"]
        assert got["properties"]["kinds"] == ",".join(properties["kinds"])
        assert got["properties"].get("status") == properties["status"]
        assert close(got["geometry"]["coordinates"], expected["geometry"]["coordinates"], 14)
    assert by_id[lab.id]["properties"]["status"] == "valid"


def test_site_tiles_take_the_filters_of_the_api(client, tmp_path):
    lab = site_at("Lab", *HANOI, kinds=["testing"])
    make_credential(lab)
    expired = site_at("Station", 105.801, 21.031, kinds=["verification"])
    make_credential(expired, issued_on=date(2015, 1, 1), valid_until=date(2020, 1, 1))
    tile = tile_of(*HANOI, 14)

    def names(**query):
        features = read_tile(client, tmp_path, "sites", tile, **query)
        return {f["properties"]["name"] for f in features}

    assert names(kind="testing") == {"Lab"}
    assert names(status="expired") == {"Station"}
    assert names(status="valid", at="2016-06-01") == {"Station"}
    assert names(province="01", q="station") == {"Station"}
    assert client.get(tile_url("sites", *tile), {"province": "79"}).status_code == 204


# Sites, zoomed out: cluster cells -------------------------------------------------------------


def test_zoomed_out_site_tiles_hold_cluster_cells_counting_every_site_in_them(client, tmp_path):
    site_at("A", *HANOI, kinds=["testing"])
    site_at("B", 105.81, 21.03, kinds=["testing", "calibration"])
    lone = site_at("C", 104.0, 19.0, kinds=["verification"])  # another cell of the tile
    site_at("Hidden", 105.805, 21.03, published=False)
    tile = tile_of(*HANOI, 6)

    cells = read_tile(client, tmp_path, "sites", tile)

    assert sum(c["properties"]["count"] for c in cells) == 3
    by_count = {c["properties"]["count"]: c["properties"] for c in cells}
    assert by_count[2]["testing"] == 2 and by_count[2]["calibration"] == 1
    assert by_count[2].get("site_id") is None
    assert by_count[1]["site_id"] == lone.id and by_count[1]["verification"] == 1
    counted = read_tile(client, tmp_path, "sites", tile, kind="calibration")
    assert [c["properties"]["count"] for c in counted] == [1]


def test_a_zoomed_in_tile_with_too_many_sites_holds_cells(client, tmp_path, monkeypatch):
    site_at("A", *HANOI)
    site_at("B", 105.8001, 21.0301)
    tile = tile_of(*HANOI, 14)
    monkeypatch.setattr(tiles, "MAX_POINTS", 1)

    (cell,) = read_tile(client, tmp_path, "sites", tile)

    assert cell["properties"]["count"] == 2
    monkeypatch.setattr(tiles, "MAX_POINTS", 2)
    assert len(read_tile(client, tmp_path, "sites", tile, kind="verification")) == 2


def test_a_cell_lies_where_its_sites_are(client, tmp_path):
    site_at("A", *HANOI)
    tile = tile_of(*HANOI, 9)

    (cell,) = read_tile(client, tmp_path, "sites", tile)

    assert close(cell["geometry"]["coordinates"], HANOI, 9)


# Boundaries -----------------------------------------------------------------------------------


def test_province_tiles_hold_the_current_provinces_with_codes_and_names(client, tmp_path):
    provinces = read_tile(client, tmp_path, "provinces", tile_of(*HANOI, 6))

    by_code = {p["properties"]["code"]: p for p in provinces}
    assert by_code["01"]["properties"]["name"] == "Hà Nội"
    assert by_code["01"]["properties"]["full_name"] == "Thành phố Hà Nội"
    assert by_code["01"]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert "79" not in by_code  # Hồ Chí Minh City is far from this tile


def test_commune_tiles_hold_the_current_communes_from_their_minimum_zoom(client, tmp_path):
    tile = tile_of(105.8412, 21.0359, 14)  # Ba Đình, in the middle of Hà Nội

    communes = read_tile(client, tmp_path, "communes", tile)

    properties = {c["properties"]["code"]: c["properties"] for c in communes}
    assert properties["00004"]["name"] == "Ba Đình"
    assert properties["00004"]["full_name"] == "Phường Ba Đình"
    assert {p["province_code"] for p in properties.values()} == {"01"}
    below = tile_of(*HANOI, COMMUNES_MIN_ZOOM - 1)
    assert client.get(tile_url("communes", *below)).status_code == 204
    assert read_tile(client, tmp_path, "communes", tile_of(*HANOI, COMMUNES_MIN_ZOOM))


# Errors, empty tiles, caching -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/roads/5/25/14.mvt",
        "/tiles/sites/23/0/0.mvt",
        "/tiles/sites/5/32/14.mvt",
        "/tiles/sites/5/25/32.mvt",
        "/tiles/sites/5/-1/14.mvt",
        "/tiles/sites/five/25/14.mvt",
        "/tiles/sites/5/25/1.5.mvt",
    ],
)
def test_an_unknown_layer_or_tile_is_a_404_in_json(client, path):
    response = client.get(path, HTTP_ACCEPT=MVT)

    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize("query", [{"kind": "roads"}, {"at": "yesterday"}, {"province": "99"}])
def test_bad_filters_are_a_400_in_json(client, query):
    response = client.get(tile_url("sites", *tile_of(*HANOI, 12)), query, HTTP_ACCEPT=MVT)

    assert response.status_code == 400
    assert set(query) == set(response.json())


def test_a_tile_without_features_is_a_204(client):
    site_at("A", *HANOI)

    assert client.get(tile_url("sites", *tile_of(112.0, 12.0, 12))).status_code == 204  # the sea
    assert client.get(tile_url("provinces", *tile_of(112.0, 12.0, 12))).status_code == 204


def test_a_tile_has_an_etag_and_a_repeated_request_gets_a_304(client):
    site_at("A", *HANOI)
    url = tile_url("sites", *tile_of(*HANOI, 12))
    first = client.get(url)

    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first["ETag"]
    assert again.status_code == 304
    site_at("B", 105.801, 21.03)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_the_layer_catalogue_links_each_layer_to_its_tiles(client, tmp_path):
    site_at("A", *HANOI, kinds=["testing"])
    layers = {layer["id"]: layer for layer in client.get("/api/v1/layers/").json()["layers"]}

    testing = layers["sites-testing"]["links"]["tiles"]
    assert testing.endswith("/tiles/sites/{z}/{x}/{y}.mvt?kind=testing")
    assert layers["communes"]["links"]["tiles"].endswith("/tiles/communes/{z}/{x}/{y}.mvt")
    assert layers["communes"]["style"]["min_zoom"] == COMMUNES_MIN_ZOOM
    z, x, y = tile_of(*HANOI, 14)
    for template in (testing, layers["provinces"]["links"]["tiles"]):
        assert client.get(template.format(z=z, x=x, y=y)).status_code == 200
