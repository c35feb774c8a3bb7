"""The base maps a deployment configures (BASE_MAPS): checked at start-up, given to the pages."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from frontend.base_maps import base_map_config, check_base_maps, tile_origins

NATIONAL = {
    "name": "Bản đồ nền quốc gia",
    "url": "https://tiles.example.gov.vn/{z}/{x}/{y}.png",
    "attribution": "© Cục Đo đạc, Bản đồ và Thông tin địa lý Việt Nam",
    "max_zoom": 18,
}


def messages(base_maps, settings, debug=False):
    settings.BASE_MAPS = base_maps
    settings.DEBUG = debug
    return [error.msg for error in check_base_maps(None)]


def test_the_default_base_maps_pass_the_check():
    assert check_base_maps(None) == []
    assert len(django_settings.BASE_MAPS) >= 2


def test_a_national_base_map_passes_the_check(settings):
    assert messages([NATIONAL], settings) == []


def test_base_maps_that_are_not_json_are_reported_with_the_parse_error(settings):
    (message,) = messages('[{"name": "OSM", "url": ', settings)
    assert message.startswith("BASE_MAPS is not valid JSON (Expecting value")


@pytest.mark.parametrize("base_maps", [[], {"name": "OSM"}, "{}"])
def test_base_maps_must_be_a_non_empty_list(settings, base_maps):
    assert messages(base_maps, settings) == [
        "BASE_MAPS must be a non-empty JSON list of base maps."
    ]


def test_a_base_map_without_url_is_reported_by_its_position(settings):
    assert messages([NATIONAL, {"name": "Trống"}], settings) == ['BASE_MAPS[1] has no "url".']


def test_a_misspelt_key_is_reported_rather_than_ignored(settings):
    (message,) = messages([{**NATIONAL, "maxZoom": 18}], settings)
    assert message.startswith("BASE_MAPS[0] has unknown keys ['maxZoom']")


def test_a_url_without_the_tile_placeholders_is_reported(settings):
    (message,) = messages([{**NATIONAL, "url": "https://tiles.example.gov.vn/tile.png"}], settings)
    assert "must hold {z}, {x} and {y}" in message


def test_plain_http_tiles_are_refused_in_production_and_allowed_in_development(settings):
    local = {**NATIONAL, "url": "http://127.0.0.1:8080/{z}/{x}/{y}.png"}
    (message,) = messages([local], settings, debug=False)
    assert "must use https outside development" in message
    assert messages([local], settings, debug=True) == []


def test_a_placeholder_in_the_host_other_than_a_leading_subdomain_is_reported(settings):
    (message,) = messages(
        [{**NATIONAL, "url": "https://tiles{r}.example.vn/{z}/{x}/{y}.png"}], settings
    )
    assert "whose host holds no placeholder but {s}" in message


def test_two_base_maps_of_the_same_name_are_reported(settings):
    assert messages([NATIONAL, NATIONAL], settings) == [
        "BASE_MAPS names must differ; repeated: ['Bản đồ nền quốc gia']."
    ]


def test_a_max_zoom_out_of_range_is_reported(settings):
    (message,) = messages([{**NATIONAL, "max_zoom": 30}], settings)
    assert message == 'BASE_MAPS[0]: "max_zoom" must be a whole number from 0 to 24.'


def test_tile_origins_are_the_tile_hosts_with_subdomains_as_a_wildcard():
    base_maps = [
        NATIONAL,
        {"name": "HOT", "url": "https://{s}.tile.openstreetmap.fr/hot/{z}/{x}/{y}.png"},
        {"name": "broken"},
    ]
    assert tile_origins(base_maps) == [
        "https://*.tile.openstreetmap.fr",
        "https://tiles.example.gov.vn",
    ]
    assert tile_origins("not JSON") == []


def test_the_pages_get_every_base_map_in_order_and_a_translated_no_base_map_choice(settings):
    settings.BASE_MAPS = [NATIONAL, {"name": "OSM", "url": "https://tile.osm.org/{z}/{x}/{y}.png"}]
    with translation.override("en"):
        config = base_map_config()
    assert config["baseMaps"] == [
        {
            "name": "Bản đồ nền quốc gia",
            "url": NATIONAL["url"],
            "attribution": NATIONAL["attribution"],
            "maxZoom": 18,
        },
        {
            "name": "OSM",
            "url": "https://tile.osm.org/{z}/{x}/{y}.png",
            "attribution": "",
            "maxZoom": 19,
        },
    ]
    assert config["noBaseMapLabel"] == "No base map (boundaries only)"
    assert "province boundaries" in config["offlineMessage"]


def test_start_up_stops_with_a_clear_message_when_base_maps_is_not_json():
    environment = {**os.environ, "BASE_MAPS": "[{'name': 'OSM'}]"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "frontend.E001" in result.stderr
    assert "BASE_MAPS is not valid JSON" in result.stderr


def test_start_up_accepts_a_base_maps_list_from_the_environment():
    environment = {**os.environ, "BASE_MAPS": json.dumps([NATIONAL])}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
