"""The import map of the pages: one bare name per ES module, built from the files themselves.

Every `.js` file under frontend/static/frontend/js/ is named by its path there without `.js`
(`map/api.js` → `"map/api"`). Static file names are hashed in production, so modules import one
another by these bare names, never by relative paths."""

import json
from pathlib import Path

from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe

MODULES_PREFIX = "frontend/js"
MODULES_DIR = Path(__file__).resolve().parent / "static" / MODULES_PREFIX
VENDORED_MODULES = {"leaflet": "vendor/leaflet/leaflet-src.esm.js"}
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def module_paths():
    """Bare name → static path of every module the pages may import."""
    modules = {}
    for path in sorted(MODULES_DIR.rglob("*.js")):
        relative = path.relative_to(MODULES_DIR)
        modules[relative.with_suffix("").as_posix()] = f"{MODULES_PREFIX}/{relative.as_posix()}"
    return {**VENDORED_MODULES, **modules}


def import_map():
    """The import map, with the URLs of the static files as served (hashed in production)."""
    return {"imports": {name: static(path) for name, path in module_paths().items()}}


def import_map_script(nonce):
    """The `<script type="importmap">` element, allowed by the Content Security Policy through
    the request's nonce. It must come before the first module script of the page."""
    body = mark_safe(json.dumps(import_map()).translate(_SCRIPT_ESCAPES))  # noqa: S308
    return format_html('<script type="importmap" nonce="{}">{}</script>', nonce, body)
