"""JSON Schemas of the published responses, for the OpenAPI document (and so for schemathesis,
which checks every response against them)."""

from geodata.models import GUIDE_TEXTS

_TEXT = {"type": "string"}
_CODES = {"type": "array", "items": _TEXT}
_STATUS = {
    "type": ["string", "null"],
    "enum": ["valid", "expiring", "suspended", "expired", "withdrawn", "not_yet_valid", None],
}
POINT = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"const": "Point"},
        "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2},
    },
}
SITE_PROPERTIES = {
    "type": "object",
    "description": "Every property, or those named by `properties=`",
    "properties": {
        "name": _TEXT,
        "organisation_id": {"type": "integer"},
        "organisation": _TEXT,
        "organisation_short_name": _TEXT,
        "kinds": _CODES,
        "address": _TEXT,
        "province_code": _TEXT,
        "province": _TEXT,
        "commune_code": _TEXT,
        "commune": _TEXT,
        "phone": _TEXT,
        "email": _TEXT,
        "website": _TEXT,
        "opening_hours": _TEXT,
        "status": _STATUS,
        "schemes": _CODES,
        "credential_numbers": _CODES,
        "fields": _CODES,
        "instruments": _CODES,
        "location_method": _TEXT,
        "location_accuracy_m": {"type": ["integer", "null"]},
        "updated_at": _TEXT,
        "distance_m": {"type": "integer", "description": "Only with near=lon,lat"},
    },
}
SITE_FEATURE = {
    "type": "object",
    "required": ["type", "id", "geometry", "properties"],
    "properties": {
        "type": {"const": "Feature"},
        "id": {"type": "integer"},
        "geometry": POINT,
        "properties": SITE_PROPERTIES,
    },
}
LINK = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {"href": _TEXT, "rel": _TEXT, "type": _TEXT, "title": _TEXT},
}
SITE_COLLECTION = {
    "type": "object",
    "required": ["type", "features", "links", "numberReturned"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": SITE_FEATURE},
        "links": {"type": "array", "items": LINK},
        "numberReturned": {"type": "integer"},
        "timeStamp": _TEXT,
        "removed": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "With updated_since: the sites withdrawn from publication since then",
        },
    },
}
_NAMED = {
    "type": ["object", "null"],
    "properties": {"code": _TEXT, "name_vi": _TEXT, "name_en": _TEXT},
}
CREDENTIAL = {
    "type": "object",
    "required": ["id", "number", "scheme", "issuer", "issued_on", "status", "scope"],
    "properties": {
        "id": {"type": "integer"},
        "number": _TEXT,
        "scheme": _NAMED,
        "standard": _TEXT,
        "issuer": _NAMED,
        "issued_on": {"type": "string", "format": "date"},
        "valid_until": {"type": ["string", "null"], "format": "date"},
        "status": _STATUS,
        "events": {"type": "array", "items": {"type": "object"}},
        "scope": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": _NAMED,
                    "product": _TEXT,
                    "test": _TEXT,
                    "method": _TEXT,
                    "method_reference": _TEXT,
                    "range": _TEXT,
                    "instrument": _NAMED,
                },
            },
        },
        "documents": {"type": "array", "items": {"type": "object"}},
    },
}
_GUIDE_SUBJECT = {
    "type": "object",
    "description": "What the guide is about: a service kind or a measuring-instrument type",
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {"kind": _TEXT, "instrument": _TEXT},
}
_GUIDE_LINKS = {
    "url": {"type": "string", "description": "The guide's page"},
    "api": {"type": "string", "description": "The guide in this API"},
}
GUIDE_SUMMARY = {
    "type": "object",
    "required": [
        *("slug", "subject", "title_vi", "title_en", "summary_vi", "summary_en", "url", "api")
    ],
    "properties": {
        "slug": _TEXT,
        "subject": _GUIDE_SUBJECT,
        "title_vi": _TEXT,
        "title_en": _TEXT,
        "summary_vi": _TEXT,
        "summary_en": _TEXT,
        **_GUIDE_LINKS,
    },
}
_GUIDE_TEXTS = [f"{name}_{language}" for name in GUIDE_TEXTS for language in ("vi", "en")]
GUIDE = {
    "type": "object",
    "description": "Texts are plain text, paragraphs separated by a blank line; an English text "
    "that officials left empty is the Vietnamese one",
    "required": ["slug", "subject", *_GUIDE_TEXTS, "updated_at", "url", "api"],
    "properties": {
        "slug": _TEXT,
        "subject": _GUIDE_SUBJECT,
        **dict.fromkeys(_GUIDE_TEXTS, _TEXT),
        "verification_interval_months": {
            "type": ["integer", "null"],
            "description": "Only for an instrument type: how often it must be verified, in "
            "months; null when no fixed interval is set",
        },
        "updated_at": {"type": "string", "format": "date-time"},
        **_GUIDE_LINKS,
    },
}
GUIDES = {
    "type": "object",
    "required": ["guides"],
    "properties": {"guides": {"type": "array", "items": GUIDE}},
}
SITE_DETAIL = {
    **SITE_FEATURE,
    "properties": {
        **SITE_FEATURE["properties"],
        "properties": {
            **SITE_PROPERTIES,
            "required": [
                *("name", "organisation_id", "organisation", "kinds", "province_code", "status"),
                *("credentials", "directions", "guides"),
            ],
            "properties": {
                **SITE_PROPERTIES["properties"],
                "credentials": {"type": "array", "items": CREDENTIAL},
                "directions": {"type": "object", "additionalProperties": _TEXT},
                "legacy_address": {"type": "object", "additionalProperties": _TEXT},
                "guides": {
                    "type": "array",
                    "items": GUIDE_SUMMARY,
                    "description": "The published guides of the site's services and of the "
                    "instrument types in its scope",
                },
            },
        },
    },
}
ERRORS = {
    "type": "object",
    "description": "What is wrong with each parameter, in the language asked for",
    "additionalProperties": {"type": "array", "items": _TEXT},
}
NOT_FOUND = {"type": "object", "properties": {"detail": _TEXT}}
CLUSTER_COLLECTION = {
    "type": "object",
    "required": ["type", "features", "cell_degrees"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "cell_degrees": {"type": "number"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"const": "Feature"},
                    "geometry": POINT,
                    "properties": {
                        "type": "object",
                        "required": ["count", "kinds", "bbox"],
                        "properties": {
                            "count": {"type": "integer", "minimum": 1},
                            "site_id": {"type": ["integer", "null"]},
                            "kinds": {
                                "type": "object",
                                "additionalProperties": {"type": "integer"},
                            },
                            "bbox": {"type": "array", "items": {"type": "number"}},
                        },
                    },
                },
            },
        },
    },
}
_LABELLED = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "name_vi", "name_en"],
        "properties": {"code": _TEXT, "name_vi": _TEXT, "name_en": _TEXT},
    },
}
VOCABULARIES = {
    "type": "object",
    "required": ["kinds", "statuses", "fields", "instruments", "schemes", "provinces"],
    "properties": {
        "kinds": _LABELLED,
        "statuses": _LABELLED,
        "fields": _LABELLED,
        "instruments": _LABELLED,
        "schemes": _LABELLED,
        "provinces": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "name", "bbox"],
                "properties": {
                    "code": _TEXT,
                    "name": _TEXT,
                    "full_name": _TEXT,
                    "bbox": {"type": "array", "items": {"type": "number"}},
                },
            },
        },
    },
}
LAYERS = {
    "type": "object",
    "required": ["layers"],
    "properties": {
        "layers": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "type", "name_vi", "name_en", "style", "links"],
                "properties": {
                    "id": _TEXT,
                    "type": {"enum": ["sites", "boundaries"]},
                    "kind": _TEXT,
                    "name_vi": _TEXT,
                    "name_en": _TEXT,
                    "style": {"type": "object"},
                    "links": {"type": "object", "additionalProperties": _TEXT},
                },
            },
        }
    },
}
COMPARISON = {
    "type": "object",
    "required": ["sites", "scope"],
    "properties": {
        "sites": {"type": "array", "items": SITE_FEATURE},
        "scope": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["sites", "coverage"],
                "properties": {
                    "field": {"type": ["string", "null"]},
                    "instrument": {"type": ["string", "null"]},
                    "product": _TEXT,
                    "test": _TEXT,
                    "method_reference": _TEXT,
                    "coverage": {"type": "integer"},
                    "sites": {
                        "type": "object",
                        "description": "For each site id, the credentials that cover the line",
                        "additionalProperties": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
        },
    },
}
_BBOX = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 4,
    "maxItems": 4,
    "description": "west, south, east, north (WGS 84)",
}
SEARCH_SUGGESTION = {
    "type": "object",
    "required": ["type", "label", "label_en", "detail"],
    "properties": {
        "type": {"enum": ["site", "organisation", "place", "standard", "instrument", "field"]},
        "id": {"type": "integer", "description": "A site's or an organisation's id"},
        "code": {
            "type": "string",
            "description": "A place's NSO code, a standard's reference, a vocabulary code",
        },
        "label": {"type": "string", "description": "In Vietnamese"},
        "label_en": {"type": ["string", "null"]},
        "detail": {
            "type": "string",
            "description": "Where it is, what it became on 1/7/2025, how many sites hold it",
        },
        "level": {"enum": ["province", "district", "commune"]},
        "current": {"type": "boolean", "description": "A place in force since 1/7/2025"},
        "sites": {"type": "integer", "description": "Published sites"},
        "point": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
            "description": "longitude, latitude: where the map centres (for a place: its "
            "current unit or units)",
        },
        "bbox": _BBOX,
        "filter": {
            "type": "object",
            "description": "The query parameters of /api/v1/sites/ that select it",
            "additionalProperties": {"type": "string"},
        },
    },
}
SEARCH = {
    "type": "object",
    "required": ["q", "suggestions"],
    "properties": {
        "q": {"type": "string"},
        "suggestions": {"type": "array", "items": SEARCH_SUGGESTION, "maxItems": 19},
    },
}
