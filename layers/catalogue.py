"""The vocabularies of the filters and the catalogue of map layers with their styles, so that
the map builds its filter panel and its legend from the API, in Vietnamese and English."""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from geodata import status
from geodata.models import Field, InstrumentType, Scheme, ServiceKind
from map_portal.routers import read_connection

# One colour per service kind from the Okabe–Ito palette, which people with any common colour
# blindness tell apart, and a distinct shape as well, so that no layer is told by colour alone.
KIND_STYLES = {
    ServiceKind.TESTING: {"colour": "#0072B2", "shape": "circle", "symbol": "T"},
    ServiceKind.CALIBRATION: {"colour": "#E69F00", "shape": "square", "symbol": "C"},
    ServiceKind.VERIFICATION: {"colour": "#009E73", "shape": "triangle", "symbol": "V"},
    ServiceKind.CERTIFICATION: {"colour": "#CC79A7", "shape": "diamond", "symbol": "S"},
    ServiceKind.INSPECTION: {"colour": "#D55E00", "shape": "hexagon", "symbol": "I"},
    ServiceKind.ACCREDITATION: {"colour": "#56B4E9", "shape": "star", "symbol": "A"},
}
STATUS_STYLES = {
    status.VALID: "#1B7F3B",
    status.EXPIRING: "#B25E00",
    status.SUSPENDED: "#8A4FBF",
    status.EXPIRED: "#B3261E",
    status.WITHDRAWN: "#5F6368",
    status.NOT_YET_VALID: "#1A5FB4",
}
# Below this zoom the communes are too small to tell apart, and their tiles too slow to make
# (over 30 ms at zoom 9): their tiles are empty there (layers.tiles).
COMMUNES_MIN_ZOOM = 10
BOUNDARY_STYLES = {
    "provinces": {"colour": "#3C4043", "weight": 1.5, "fill_opacity": 0.04},
    "communes": {
        "colour": "#80868B",
        "weight": 0.6,
        "fill_opacity": 0,
        "min_zoom": COMMUNES_MIN_ZOOM,
    },
}


def labels(text) -> dict[str, str]:
    """A lazily translated label in Vietnamese and in English."""
    result = {}
    for language in ("vi", "en"):
        with translation.override(language):
            result[f"name_{language}"] = str(text)
    return result


def vocabularies() -> dict:
    return {
        "kinds": [{"code": k.value, **labels(k.label)} for k in ServiceKind],
        "statuses": [
            {"code": code, **labels(status.LABELS[code]), "colour": STATUS_STYLES[code]}
            for code in status.RANKED
        ],
        "fields": list(Field.objects.values("code", "name_vi", "name_en")),
        "instruments": list(
            InstrumentType.objects.values(
                "code", "name_vi", "name_en", "group_2", "verification_interval_months"
            )
        ),
        "schemes": [
            {
                **scheme,
                "credential_kind_label": labels(
                    Scheme.CredentialKind(scheme["credential_kind"]).label
                ),
            }
            for scheme in Scheme.objects.values("code", "name_vi", "name_en", "credential_kind")
        ],
        "provinces": _provinces(),
    }


def _provinces() -> list[dict]:
    """The current provinces with their extent, to zoom the map to one."""
    with read_connection().cursor() as cursor:
        cursor.execute(
            """SELECT code, name, full_name, unit_type,
                      ARRAY[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)]
               FROM (SELECT code, name, full_name, unit_type, boundary::box2d AS b
                     FROM geodata_administrativeunit
                     WHERE level = 'province' AND current ORDER BY name) p"""
        )
        columns = ("code", "name", "full_name", "unit_type", "bbox")
        return [
            {**dict(zip(columns, row, strict=True)), "bbox": [round(v, 4) for v in row[4]]}
            for row in cursor.fetchall()
        ]


def tile_url_template(absolute, layer: str, query: str = "") -> str:
    """The absolute URL of a layer's vector tiles with {z}/{x}/{y} left for the map to fill in
    (reversed with zeros: a URL would escape the braces)."""
    prefix = reverse("tiles:tile", args=[layer, 0, 0, 0]).removesuffix("0/0/0.mvt")
    return absolute(prefix) + "{z}/{x}/{y}.mvt" + (f"?{query}" if query else "")


def layer_catalogue(absolute) -> list[dict]:
    """Every layer the map can show: one per service kind, then the boundaries. `absolute`
    makes a path an absolute URL."""
    sites = [
        {
            "id": f"sites-{kind.value}",
            "type": "sites",
            "kind": kind.value,
            **labels(kind.label),
            "style": KIND_STYLES[kind],
            "links": {
                "geojson": absolute(f"{reverse('layers:sites')}?kind={kind.value}"),
                "clusters": absolute(f"{reverse('layers:clusters')}?kind={kind.value}"),
                "ogc_items": absolute(f"/ogc/collections/sites-{kind.value}/items"),
                "tiles": tile_url_template(absolute, "sites", f"kind={kind.value}"),
            },
        }
        for kind in ServiceKind
    ]
    boundaries = [
        {
            "id": "provinces",
            "type": "boundaries",
            **labels(_("Provinces")),
            "style": BOUNDARY_STYLES["provinces"],
            "links": {
                "geojson": absolute(reverse("layers:province-boundaries")),
                "ogc_items": absolute("/ogc/collections/provinces/items"),
                "tiles": tile_url_template(absolute, "provinces"),
            },
        },
        {
            "id": "communes",
            "type": "boundaries",
            **labels(_("Communes")),
            "style": BOUNDARY_STYLES["communes"],
            "links": {
                "ogc_items": absolute("/ogc/collections/communes/items"),
                "tiles": tile_url_template(absolute, "communes"),
            },
        },
    ]
    return sites + boundaries
