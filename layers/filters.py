"""The filters of the published sites: read and checked from the query string (a 400 that says
what is wrong, never a 500), then turned into the WHERE clause of one SQL query over
layers.SiteIndex. The same filters serve the list, the clusters, the exports and OGC API."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from geodata import status
from geodata.models import AdministrativeUnit, InstrumentType, Scheme, ServiceKind
from geodata.models import Field as ScopeField
from geodata.text import normalise_standard_reference, words

MAX_RADIUS_KM = 2000  # Viet Nam is 1,650 km from north to south
DEFAULT_RADIUS_KM = 50
MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
MAX_VALUES = 50
STATUSES = list(status.RANKED)

# The site's status on the day `on`: the best status (geodata.status.RANKED) among the columns
# of the days on which one of its credentials has it; NULL for a site without credentials.
STATUS_SQL = (
    "CASE "
    + " ".join(f"WHEN s.{name}_on @> %(on)s::date THEN '{name}'" for name in status.RANKED)
    + " END"
)


class CodeList(serializers.CharField):
    """Comma-separated codes, each one of a vocabulary: `kind=testing,calibration`."""

    default_error_messages = {
        "unknown": _("Unknown {what}: {codes}. The known values are listed at {where}."),
        "too_many": _("At most {n} values, please."),
        "control": _("The value holds a control character: remove it."),
    }

    def __init__(self, what, known, **kwargs):
        self.what, self.known = what, known
        super().__init__(max_length=2000, **kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if "\x00" in text:
            self.fail("control")
        codes = list(dict.fromkeys(c.strip() for c in text.split(",")))
        codes = [c for c in codes if c]
        if len(codes) > MAX_VALUES:
            self.fail("too_many", n=MAX_VALUES)
        unknown = sorted(set(codes) - set(self.known(codes)))
        if unknown:
            self.fail(
                "unknown", what=self.what, codes=", ".join(unknown), where="/api/v1/vocabularies/"
            )
        return codes


def _choices(values):
    return lambda codes: [c for c in codes if c in values]


def _vocabulary(model, **where):
    return lambda codes: model.objects.filter(code__in=codes, **where).values_list(
        "code", flat=True
    )


def current_units(level):
    return _vocabulary(AdministrativeUnit, level=level, current=True)


class BBox(serializers.CharField):
    default_error_messages = {
        "shape": _(
            "bbox is four numbers: west,south,east,north in degrees (WGS 84), "
            "e.g. 105.7,20.9,106.0,21.1."
        ),
        "range": _(
            "bbox must lie within longitude -180 to 180 and latitude -90 to 90, with west not "
            "greater than east and south not greater than north."
        ),
    }

    def to_internal_value(self, data):
        numbers = _numbers(super().to_internal_value(data), 4)
        if numbers is None:
            self.fail("shape")
        west, south, east, north = numbers
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            self.fail("range")
        return tuple(numbers)


class LonLat(serializers.CharField):
    default_error_messages = {
        "shape": _("near is a point: longitude,latitude in degrees (WGS 84), e.g. 105.84,21.03."),
        "range": _("near must have a longitude from -180 to 180 and a latitude from -90 to 90."),
    }

    def to_internal_value(self, data):
        numbers = _numbers(super().to_internal_value(data), 2)
        if numbers is None:
            self.fail("shape")
        lon, lat = numbers
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            self.fail("range")
        return lon, lat


def _numbers(text: str, count: int) -> list[float] | None:
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        return None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        return None
    return numbers


class SiteFilterParameters(serializers.Serializer):
    """The query parameters of every published list of sites."""

    bbox = BBox(required=False, help_text=_("west,south,east,north in degrees (WGS 84)"))
    kind = CodeList(
        _("service kind"), _choices(ServiceKind.values), required=False,
        help_text=_("Service kinds, comma-separated: %(codes)s") % {
            "codes": ", ".join(ServiceKind.values)
        },
    )  # fmt: skip
    field = CodeList(
        _("field"), _vocabulary(ScopeField), required=False,
        help_text=_("Field codes of the scope, comma-separated"),
    )  # fmt: skip
    instrument = CodeList(
        _("measuring-instrument type"), _vocabulary(InstrumentType), required=False,
        help_text=_("Measuring-instrument type codes, comma-separated"),
    )  # fmt: skip
    standard = serializers.CharField(
        required=False, max_length=100,
        help_text=_('A standard or regulation, however written: "TCVN 6165", "qcvn4:2009/bkhcn"'),
    )  # fmt: skip
    province = CodeList(
        _("province"), current_units("province"), required=False,
        help_text=_("Codes of current provinces, comma-separated"),
    )  # fmt: skip
    commune = CodeList(
        _("commune"), current_units("commune"), required=False,
        help_text=_("Codes of current communes, comma-separated"),
    )  # fmt: skip
    scheme = CodeList(
        _("scheme"), _vocabulary(Scheme), required=False,
        help_text=_("Scheme codes, comma-separated: vilas, vicas, ..."),
    )  # fmt: skip
    status = CodeList(
        _("status"), _choices(STATUSES), required=False,
        help_text=_("Statuses on the date `at`, comma-separated: %(codes)s") % {
            "codes": ", ".join(STATUSES)
        },
    )  # fmt: skip
    at = serializers.DateField(
        required=False, help_text=_("The date the status is computed for (default today)")
    )
    accredited = serializers.BooleanField(
        required=False, help_text=_("Holds an accreditation in force on the date `at`")
    )
    q = serializers.CharField(
        required=False, max_length=MAX_QUERY_LENGTH,
        help_text=_("Words to find in names, addresses, credentials and scopes, with or without "
                    "diacritics"),
    )  # fmt: skip
    near = LonLat(required=False, help_text=_("longitude,latitude: nearest sites first"))
    radius_km = serializers.FloatField(
        required=False, min_value=0.01, max_value=MAX_RADIUS_KM,
        help_text=_("Radius around `near`, in km (default %(km)s)") % {"km": DEFAULT_RADIUS_KM},
    )  # fmt: skip
    updated_since = serializers.DateTimeField(
        required=False, help_text=_("Only sites changed after this instant (ISO 8601)")
    )

    def validate_radius_km(self, value):
        if not math.isfinite(value):
            raise serializers.ValidationError(_("A valid number is required."))
        return value

    def validate(self, data):
        if "radius_km" in data and "near" not in data:
            raise serializers.ValidationError({"radius_km": _("radius_km needs near=lon,lat.")})
        return data

    def site_filter(self) -> "SiteFilter":
        data = self.validated_data
        return SiteFilter(
            bbox=data.get("bbox"),
            kinds=data.get("kind", []),
            fields=data.get("field", []),
            instruments=data.get("instrument", []),
            standard=normalise_standard_reference(data["standard"]) if "standard" in data else "",
            provinces=data.get("province", []),
            communes=data.get("commune", []),
            schemes=data.get("scheme", []),
            statuses=data.get("status", []),
            on=data.get("at") or timezone.localdate(),
            accredited=data.get("accredited"),
            words=words(data.get("q", "")).split()[:MAX_WORDS],
            near=data.get("near"),
            radius_km=data.get("radius_km", DEFAULT_RADIUS_KM),
            updated_since=data.get("updated_since"),
        )


@dataclass(frozen=True)
class SiteFilter:
    bbox: tuple | None = None
    kinds: list = field(default_factory=list)
    fields: list = field(default_factory=list)
    instruments: list = field(default_factory=list)
    standard: str = ""
    provinces: list = field(default_factory=list)
    communes: list = field(default_factory=list)
    schemes: list = field(default_factory=list)
    statuses: list = field(default_factory=list)
    on: date = field(default_factory=timezone.localdate)
    accredited: bool | None = None
    words: list = field(default_factory=list)
    near: tuple | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    updated_since: datetime | None = None

    def where(self) -> tuple[str, dict]:
        """The WHERE clause over layers_siteindex aliased `s`, and its parameters."""
        clauses = ["s.published"]
        params = {"on": self.on}
        for column, values in [
            ("kinds", self.kinds),
            ("fields", self.fields),
            ("instruments", self.instruments),
            ("schemes", self.schemes),
        ]:
            if values:
                clauses.append(f"s.{column} && %({column})s::varchar[]")
                params[column] = values
        if self.standard:
            clauses.append("s.standards @> ARRAY[%(standard)s]::varchar[]")
            params["standard"] = self.standard
        if self.provinces:
            clauses.append("s.province_code = ANY(%(provinces)s)")
            params["provinces"] = self.provinces
        if self.communes:
            clauses.append("s.commune_code = ANY(%(communes)s)")
            params["communes"] = self.communes
        if self.statuses:
            clauses.append(f"({STATUS_SQL}) = ANY(%(statuses)s)")
            params["statuses"] = self.statuses
        if self.accredited is not None:
            clauses.append(f"{'' if self.accredited else 'NOT '}s.accredited_on @> %(on)s::date")
        for i, word in enumerate(self.words):
            clauses.append(f"s.search_text LIKE %(word{i})s")
            params[f"word{i}"] = f"% {word}%"
        if self.bbox:
            clauses.append("s.location && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)")
            params.update(zip("wsen", self.bbox, strict=True))
        if self.near:
            clauses.append(f"ST_DWithin(s.location::geography, {NEAR_SQL}, %(radius_m)s)")
            params.update(lon=self.near[0], lat=self.near[1], radius_m=self.radius_km * 1000)
        if self.updated_since:
            clauses.append("s.updated_at > %(updated_since)s")
            params["updated_since"] = self.updated_since
        return " AND ".join(clauses), params


NEAR_SQL = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"
