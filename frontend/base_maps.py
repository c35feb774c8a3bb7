"""The base maps a deployment offers (settings.BASE_MAPS, a JSON list, the first shown first):
their check at start-up, the origins the Content Security Policy lets tiles come from, and the
configuration every map page is given."""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

DEFAULT_MAX_ZOOM = 19
MAX_ZOOM_LIMIT = 24
FIELDS = ("name", "url", "attribution", "max_zoom")
SUBDOMAIN = "{s}."  # Leaflet's subdomain placeholder, the only one a tile host may hold


def tile_origin(url):
    """The origin the tiles of a URL template come from, as a CSP source (`{s}.` → `*.`), or
    None when the URL has no such origin."""
    parts = urlsplit(url)
    host = parts.netloc
    if host.startswith(SUBDOMAIN):
        host = "*." + host.removeprefix(SUBDOMAIN)
    if parts.scheme not in ("https", "http") or not host or "{" in host:
        return None
    return f"{parts.scheme}://{host}"


def tile_origins(base_maps):
    """The tile origins of the configured base maps, for the CSP `img-src`. Tolerates a broken
    setting (settings are read before the check can say what is wrong with it)."""
    if not isinstance(base_maps, list):
        return []
    urls = (entry.get("url") for entry in base_maps if isinstance(entry, dict))
    origins = (tile_origin(url) if isinstance(url, str) else None for url in urls)
    return sorted({origin for origin in origins if origin})


def _entry_problems(index, entry, require_https):
    where = f"BASE_MAPS[{index}]"
    if not isinstance(entry, dict):
        return [f"{where} is not an object."]
    problems = [f'{where} has no "{key}".' for key in ("name", "url") if not entry.get(key)]
    if unknown := sorted(set(entry) - set(FIELDS)):
        problems.append(f"{where} has unknown keys {unknown}; the keys are {list(FIELDS)}.")
    url = entry.get("url")
    if url and not isinstance(url, str):
        problems.append(f'{where}: "url" must be a text.')
    elif url:
        if not all(f"{{{axis}}}" in url for axis in "zxy"):
            problems.append(f"{where}: the url {url!r} must hold {{z}}, {{x}} and {{y}}.")
        if tile_origin(url) is None:
            problems.append(
                f"{where}: the url {url!r} must be an absolute http(s) URL whose host holds no "
                "placeholder but {s} as its first part."
            )
        elif require_https and not url.startswith("https://"):
            problems.append(f"{where}: the url {url!r} must use https outside development.")
    zoom = entry.get("max_zoom", DEFAULT_MAX_ZOOM)
    if type(zoom) is not int or not 0 <= zoom <= MAX_ZOOM_LIMIT:
        problems.append(f'{where}: "max_zoom" must be a whole number from 0 to {MAX_ZOOM_LIMIT}.')
    return problems


def base_map_problems(base_maps, *, require_https):
    """What is wrong with the BASE_MAPS setting, one sentence each."""
    if isinstance(base_maps, str):
        try:
            json.loads(base_maps)
        except ValueError as error:
            return [f"BASE_MAPS is not valid JSON ({error})."]
    if not isinstance(base_maps, list) or not base_maps:
        return ["BASE_MAPS must be a non-empty JSON list of base maps."]
    problems = []
    for index, entry in enumerate(base_maps):
        problems.extend(_entry_problems(index, entry, require_https))
    names = [entry.get("name") for entry in base_maps if isinstance(entry, dict)]
    if duplicates := sorted({name for name in names if name and names.count(name) > 1}):
        problems.append(f"BASE_MAPS names must differ; repeated: {duplicates}.")
    return problems


def check_base_maps(app_configs, **kwargs):
    """The BASE_MAPS setting, at start-up (runserver, migrate, check; see FrontendConfig)."""
    hint = (
        'A JSON list of objects with "name", "url" (a tile URL template with {z}, {x} and {y}), '
        '"attribution" and "max_zoom"; unset, the default. See .env.example.'
    )
    problems = base_map_problems(settings.BASE_MAPS, require_https=not settings.DEBUG)
    return [checks.Error(problem, hint=hint, id="frontend.E001") for problem in problems]


def base_map_config():
    """What the map pages need to draw the base maps (`basemap.js`), in the current language."""
    return {
        "baseMaps": [
            {
                "name": entry["name"],
                "url": entry["url"],
                "attribution": entry.get("attribution", ""),
                "maxZoom": entry.get("max_zoom", DEFAULT_MAX_ZOOM),
            }
            for entry in settings.BASE_MAPS
        ],
        "noBaseMapLabel": _("No base map (boundaries only)"),
        "offlineMessage": _(
            "The base map cannot be loaded: the map shows the province boundaries only."
        ),
        "boundaryAttribution": settings.BOUNDARY_ATTRIBUTION,
    }
