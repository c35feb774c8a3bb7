"""The import map of the pages: one bare name per ES module, built from the files themselves.

Every `.js` file under frontend/static/frontend/js/ is named by its path there without `.js`
(`map/api.js` → `"map/api"`); every `.js` file under <app>/static/<app>/js/ of an app in
APP_MODULES by its path there prefixed by the app (`inspections/plan.js` → `"inspections/plan"`).
Static file names are hashed in production, so modules import one another by these bare names,
never by relative paths."""

import json
from pathlib import Path

from django.apps import apps
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe

MODULES_PREFIX = "frontend/js"
MODULES_DIR = Path(__file__).resolve().parent / "static" / MODULES_PREFIX
VENDORED_MODULES = {  # by scripts/vendor, named as their packages import one another
    "leaflet": "vendor/leaflet/leaflet-src.esm.js",
    "pbf": "vendor/pbf/index.js",
    "@mapbox/vector-tile": "vendor/mapbox-vector-tile/index.js",
    "@mapbox/point-geometry": "vendor/mapbox-point-geometry/index.js",
}
APP_MODULES = ("inspections", "certificates")  # other apps whose pages have modules of their own
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _modules_in(directory: Path, static_prefix: str, name_prefix: str = "") -> dict:
    modules = {}
    for path in sorted(directory.rglob("*.js")):
        relative = path.relative_to(directory)
        name = f"{name_prefix}{relative.with_suffix('').as_posix()}"
        modules[name] = f"{static_prefix}/{relative.as_posix()}"
    return modules


def module_paths():
    """Bare name → static path of every module the pages may import."""
    modules = _modules_in(MODULES_DIR, MODULES_PREFIX)
    for app in APP_MODULES:
        static_dir = Path(apps.get_app_config(app).path) / "static" / app / "js"
        modules.update(_modules_in(static_dir, f"{app}/js", f"{app}/"))
    return {**VENDORED_MODULES, **modules}


def import_map():
    """The import map, with the URLs of the static files as served (hashed in production)."""
    return {"imports": {name: static(path) for name, path in module_paths().items()}}


def import_map_script(nonce):
    """The `<script type="importmap">` element, allowed by the Content Security Policy through
    the request's nonce. It must come before the first module script of the page."""
    body = mark_safe(json.dumps(import_map()).translate(_SCRIPT_ESCAPES))  # noqa: S308
    return format_html('<script type="importmap" nonce="{}">{}</script>', nonce, body)
