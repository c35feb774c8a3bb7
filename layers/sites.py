"""One published site in full: what its panel on the map shows."""

from django.db.models import Prefetch
from django.urls import reverse

from geodata.models import Credential, Document, ScopeItem, Site
from layers.filters import SiteFilter
from layers.guides import guide_summary, published_guides
from layers.selectors import site_properties


def site_detail(site_id: int, site_filter: SiteFilter, absolute) -> dict | None:
    """The site as a GeoJSON Feature with its credentials (status on the filter's date, events,
    scope, public documents), directions links and the guides of its services and of the
    instrument types in its scope; None when it is not published. `absolute` makes a path an
    absolute URL."""
    feature = site_properties(site_id, site_filter)
    if feature is None:
        return None
    credentials = (
        Credential.objects.filter(sites=site_id)
        .select_related("scheme", "issuer")
        .prefetch_related(
            "events",
            Prefetch("scope", ScopeItem.objects.select_related("field", "instrument_type")),
            Prefetch("documents", Document.objects.filter(public=True)),
        )
        .order_by("scheme__code", "number")
    )
    lon, lat = feature["geometry"]["coordinates"]
    properties = feature["properties"]
    guides = published_guides(properties["kinds"], properties["instruments"])
    properties.update(
        credentials=[_credential(c, site_filter.on, absolute) for c in credentials],
        directions=_directions(lon, lat),
        legacy_address=_legacy_address(site_id),
        guides=[guide_summary(guide, absolute) for guide in guides],
    )
    return feature


def _credential(credential: Credential, on, absolute) -> dict:
    scheme, issuer = credential.scheme, credential.issuer
    return {
        "id": credential.pk,
        "number": credential.number,
        "scheme": {
            "code": scheme.code,
            "name_vi": scheme.name_vi,
            "name_en": scheme.name_en,
            "credential_kind": scheme.credential_kind,
        },
        "standard": credential.standard,
        "issuer": {"code": issuer.code, "name_vi": issuer.name_vi, "name_en": issuer.name_en},
        "issued_on": credential.issued_on.isoformat(),
        "valid_until": credential.valid_until.isoformat() if credential.valid_until else None,
        "status": credential.status_on(on),
        "events": [
            {
                "kind": event.kind,
                "effective_on": event.effective_on.isoformat(),
                "reason": event.reason,
                "decision_number": event.decision_number,
            }
            for event in credential.events.all()
        ],
        "scope": [_scope_item(item) for item in credential.scope.all()],
        "documents": [
            {
                "id": document.pk,
                "kind": document.kind,
                "number": document.number,
                "title": document.title,
                "issued_on": document.issued_on.isoformat() if document.issued_on else None,
                "size_bytes": document.size_bytes,
                "url": absolute(reverse("layers:document", args=[document.pk])),
            }
            for document in credential.documents.all()
        ],
    }


def _scope_item(item: ScopeItem) -> dict:
    field, instrument = item.field, item.instrument_type
    return {
        "field": field and {"code": field.code, "name_vi": field.name_vi, "name_en": field.name_en},
        "product": item.product,
        "test": item.test,
        "method": item.method,
        "method_reference": item.method_reference,
        "range": item.range,
        "instrument": instrument
        and {"code": instrument.code, "name_vi": instrument.name_vi, "name_en": instrument.name_en},
    }


def _directions(lon: float, lat: float) -> dict:
    return {
        "openstreetmap": (
            f"https://www.openstreetmap.org/directions?route=%3B{lat:.6f}%2C{lon:.6f}"
        ),
        "google_maps": f"https://www.google.com/maps/dir/?api=1&destination={lat:.6f},{lon:.6f}",
        "geo_uri": f"geo:{lat:.6f},{lon:.6f}",
    }


def _legacy_address(site_id: int) -> dict:
    names = Site.objects.values(
        "legacy_province_name", "legacy_district_name", "legacy_commune_name"
    ).get(pk=site_id)
    return {key.removeprefix("legacy_").removesuffix("_name"): v for key, v in names.items()}
