"""Security headers of every kind of page: the Content Security Policy allows no inline script
but the import map, by a nonce made afresh for each request."""

import json
import re

import pytest
from django.urls import reverse

from frontend import assets
from tests.factories import make_site

IMPORT_MAP = re.compile(r'<script type="importmap" nonce="([^"]+)">(.*?)</script>', re.S)
PAGES = ["/", "/api/v1/layers/", "/admin/login/"]


def policy(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def header_nonce(response):
    (nonce,) = [source for source in policy(response)["script-src"] if source.startswith("'nonce-")]
    return nonce.removeprefix("'nonce-").removesuffix("'")


@pytest.mark.parametrize("url", PAGES)
def test_every_kind_of_page_sends_the_security_headers(client, db, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == "geolocation=(self), camera=(), microphone=()"
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == directives["form-action"] == ["'self'"]
    assert directives["connect-src"] == directives["font-src"] == ["'self'"]


@pytest.mark.parametrize("url", PAGES)
def test_no_page_allows_inline_scripts_or_eval(client, db, url):
    script_sources = policy(client.get(url))["script-src"]

    assert script_sources[0] == "'self'"
    assert "'unsafe-inline'" not in script_sources
    assert "'unsafe-eval'" not in script_sources


def test_images_may_come_from_the_tile_servers_of_the_configured_base_maps(client, db):
    image_sources = policy(client.get("/"))["img-src"]

    assert image_sources[:3] == ["'self'", "data:", "blob:"]
    assert "https://tile.openstreetmap.org" in image_sources
    assert "https://*.tile.openstreetmap.fr" in image_sources


def test_the_import_map_carries_the_nonce_of_its_response(client, db):
    response = client.get("/")
    nonce, body = IMPORT_MAP.search(response.text).groups()

    assert nonce == header_nonce(response)
    imports = json.loads(body)["imports"]
    assert imports["leaflet"].startswith("/static/vendor/leaflet/leaflet-src.esm.")
    assert imports["basemap"].startswith("/static/frontend/js/basemap.")


def test_each_request_gets_its_own_nonce(client, db):
    nonces = {header_nonce(client.get("/")) for _ in range(3)}

    assert len(nonces) == 3


def test_a_page_that_uses_no_nonce_does_not_put_one_in_its_policy(client, db):
    script_sources = policy(client.get("/api/v1/layers/"))["script-src"]

    assert script_sources == ["'self'"]


def test_the_admin_map_widget_import_map_carries_the_nonce_of_its_response(admin_client):
    site = make_site()
    response = admin_client.get(reverse("admin:geodata_site_change", args=[site.pk]))
    nonce, body = IMPORT_MAP.search(response.text).groups()

    assert nonce == header_nonce(response)
    assert json.loads(body) == assets.import_map()


def test_every_module_is_named_by_its_path_without_js(tmp_path, monkeypatch):
    (tmp_path / "map").mkdir()
    for name in ("basemap.js", "map/api.js", "map/state.js", "notes.txt"):
        (tmp_path / name).write_text("export {};\n")
    monkeypatch.setattr(assets, "MODULES_DIR", tmp_path)
    monkeypatch.setattr(assets, "APP_MODULES", ())

    assert assets.module_paths() == {
        **assets.VENDORED_MODULES,
        "basemap": "frontend/js/basemap.js",
        "map/api": "frontend/js/map/api.js",
        "map/state": "frontend/js/map/state.js",
    }


def test_an_apps_own_modules_are_named_by_the_app_and_their_path():
    modules = assets.module_paths()

    assert modules["inspections/plan_page"] == "inspections/js/plan_page.js"
    assert modules["basemap"] == "frontend/js/basemap.js"


def test_the_import_map_cannot_end_its_script_element(monkeypatch):
    monkeypatch.setattr(
        assets, "import_map", lambda: {"imports": {"x</script><script>": "/static/x.js"}}
    )

    html = assets.import_map_script("abc")

    assert html.count("</script>") == 1
    assert "\\u003C/script\\u003E" in html
