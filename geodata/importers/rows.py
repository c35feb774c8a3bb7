"""A spreadsheet row read into the organisation, site, credential and scope it describes, with
what is wrong with it. No writes; the place of the site is settled afterwards (placing.py)."""

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _

from geodata.importers.columns import ColumnMapping
from geodata.importers.coordinates import (
    CoordinateError,
    Degrees,
    Vn2000Zone,
    parse_degrees,
    parse_pair,
    parse_zone,
)
from geodata.importers.report import ERROR, WARNING, Issue, Problem, RowResult
from geodata.importers.values import (
    ValueProblem,
    parse_date,
    parse_kinds,
    parse_number,
    parse_tax_code,
    parse_yes_no,
    split_list,
    text,
)
from geodata.models import Authority, Field, InstrumentType, Scheme, Standard
from geodata.text import normalise_standard_reference, words

FIELD_LABELS = {
    "organisation_name": _("organisation name"),
    "address": _("address"),
    "issued_on": _("issue date"),
}
# At least one header of each group must be in the file.
REQUIRED_COLUMNS = (("organisation_name",), ("address", "commune", "province"))
COLUMN_EXAMPLES = {
    "organisation_name": "Tên tổ chức",
    "address": "Địa chỉ",
    "issued_on": "Ngày cấp",
}
# The services a credential of these schemes is for, when the file does not say.
SCHEME_KINDS = {
    "vicas": ["certification"],
    "vias": ["inspection"],
    "dk-dvdl": ["verification"],
    "cd-pt-nhom-2": ["verification"],
}

MESSAGES = {
    "missing_column": _(
        "The file has no column for the %(field)s (a header such as “%(example)s”)."
    ),
    "missing_value": _("“%(field)s” is empty; it is required."),
    "missing_column_value": _("The %(field)s is needed: add a column such as “%(example)s”."),
    "kinds_needed": _(
        "The row does not say which services the site provides: add a column “Loại hình” "
        "(thử nghiệm, hiệu chuẩn, kiểm định, chứng nhận, giám định)."
    ),
    "unknown_scheme": _(
        "“%(value)s” is not a known scheme: write VILAS, VICAS, VIAS, foreign accreditation, "
        "registration (đăng ký) or designation (chỉ định)."
    ),
    "scheme_needed": _(
        "The number “%(value)s” does not say its scheme: add a column “Chương trình” "
        "(VILAS, VICAS, VIAS, đăng ký, chỉ định)."
    ),
    "malformed_number": _(
        "“%(value)s” is not a %(scheme)s number; they are written like %(example)s."
    ),
    "unknown_issuer": _("“%(value)s” is not a known issuing authority."),
    "issuer_needed": _(
        "Add the issuer of the credential (a column “Cơ quan cấp”): the scheme %(scheme)s has no "
        "default issuer."
    ),
    "valid_until_before_issue": _(
        "The validity ends (%(valid_until)s) before the issue date (%(issued_on)s)."
    ),
    "unknown_standard": _(
        "“%(value)s” is not an accreditation standard (ISO/IEC 17025, ISO 15189, ISO/IEC 17065, "
        "ISO/IEC 17021-1, ISO/IEC 17020 ...)."
    ),
    "unknown_field": _("“%(value)s” is not a known field (the list is kept in the admin: Fields)."),
    "unknown_instrument": _(
        "“%(value)s” is not a known measuring-instrument type (the list is kept in the admin)."
    ),
    "credential_without_number": _(
        "Credential details are given, but no credential number: add it or clear them."
    ),
    "scope_without_credential": _("The scope is ignored: the row has no credential number."),
    "invalid_email": _("“%(value)s” is not an email address."),
    "invalid_website": _("“%(value)s” is not a web address."),
    "zone_without_x_y": _("A VN-2000 zone is given without both X and Y."),
    "half_coordinates": _("Only one of longitude and latitude is given."),
}

NUMBER_EXAMPLES = {"vilas": "VILAS 216", "vicas": "VICAS 012 - PRO", "vias": "VIAS 018"}
_ACCREDITATION_NUMBER = re.compile(r"^(VILAS|VICAS|VIAS)[\s\-.:]*(MED)?[\s\-.:]*(\d.*)$")


class RowProblem(Problem):
    messages = MESSAGES


def normalise_credential_number(number: str) -> str:
    """As stored: upper case, single spaces, "vilas216" -> "VILAS 216", "Vilas Med 12" ->
    "VILAS MED 12"."""
    upper = text(number).upper()
    if match := _ACCREDITATION_NUMBER.match(upper):
        return " ".join(filter(None, match.groups()))
    return upper


def _authority_key(written: str) -> str:
    return words(written).replace("kh cn", "khcn").replace("khoa hoc va cong nghe", "khcn")


@dataclass
class Vocabularies:
    """The controlled terms of the registry, read once per import, found however written."""

    schemes: dict[str, Scheme]
    authorities: dict[str, Authority]
    _scheme_keys: dict[str, Scheme]
    _authority_keys: dict[str, Authority]
    _fields: dict[str, Field]
    _instruments: dict[str, InstrumentType]

    @classmethod
    def from_database(cls) -> "Vocabularies":
        schemes = {s.code: s for s in Scheme.objects.all()}
        authorities = {a.code: a for a in Authority.objects.all()}
        return cls(
            schemes,
            authorities,
            _keyed(schemes.values(), "code", "name_vi", "name_en", key=words),
            _keyed(
                authorities.values(), "code", "short_name", "name_vi", "name_en", key=_authority_key
            ),
            _keyed(Field.objects.all(), "code", "name_vi", "name_en", key=words),
            _keyed(InstrumentType.objects.all(), "code", "name_vi", "name_en", key=words),
        )

    def scheme(self, written: str) -> Scheme | None:
        key = words(written)
        if key in self._scheme_keys:
            return self._scheme_keys[key]
        code = _scheme_code_by_words(key)
        return self.schemes.get(code) if code else None

    def scheme_of_number(self, number: str) -> Scheme | None:
        match = _ACCREDITATION_NUMBER.match(number)
        return self.schemes.get(match[1].lower()) if match else None

    def authority(self, written: str) -> Authority | None:
        return self._authority_keys.get(_authority_key(written))

    def default_issuer(self, scheme: Scheme, issued_on: date | None) -> Authority | None:
        """BoA for the Vietnamese accreditation schemes; for registrations and designations the
        Directorate, or the body that superseded it when the credential was issued later."""
        if scheme.credential_kind == Scheme.CredentialKind.ACCREDITATION:
            return self.authorities.get("boa") if scheme.code in NUMBER_EXAMPLES else None
        issuer = self.authorities.get("tcdlcl")
        while issuer and issued_on and issuer.active_until and issued_on > issuer.active_until:
            issuer = issuer.superseded_by
        return issuer

    def field(self, written: str) -> Field | None:
        """ "Hóa học" (chemistry) is the field "Hóa", "Sinh học" is "Sinh"."""
        key = words(written)
        return self._fields.get(key) or self._fields.get(key.removesuffix(" hoc"))

    def instrument(self, written: str) -> InstrumentType | None:
        return self._instruments.get(words(written))


def _keyed(records, *attributes, key) -> dict:
    index = {}
    for record in records:
        for attribute in attributes:
            value = getattr(record, attribute)
            if value:
                index.setdefault(key(value), record)
                if ":" in value:  # "Đo lường: Khối lượng" is also "Khối lượng"
                    index.setdefault(key(value.split(":", 1)[1]), record)
    return index


MEASURING_WORDS = (
    "phuong tien do",
    "do luong",
    "nhom 2",
    "105",
    "kiem dinh",
    "hieu chuan",
    "measuring",
    "verification",
    "calibration",
)


def _scheme_code_by_words(key: str) -> str | None:
    """The scheme that words name: "VILAS", "Đăng ký kiểm định" (Decree 105), "chỉ định"."""
    for word in ("vilas", "vicas", "vias"):
        if word in key.split():
            return word
    if any(word in key for word in ("nuoc ngoai", "foreign", "a2la", "ukas", "dakks", "nata")):
        return "foreign-accreditation"
    measuring = any(word in key for word in MEASURING_WORDS)
    if "chi dinh" in key or "designation" in key:
        return "cd-pt-nhom-2" if measuring else "cd-qcvn"
    if "dang ky" in key or "registration" in key:
        return "dk-dvdl" if measuring else "dk-dgsph"
    return None


@dataclass
class RowRecord:
    """What one row says, parsed; `result` collects its issues and, later, its outcome."""

    result: RowResult
    organisation: dict = field(default_factory=dict)  # Organisation field -> value
    site: dict = field(default_factory=dict)  # Site field -> value (place excluded)
    addresses: list[str] = field(default_factory=list)  # to normalise, the written one first
    degrees: tuple[Degrees, Degrees] | None = None  # (longitude, latitude) as the columns mean
    degrees_stated: bool = False  # separate columns said which is which
    vn2000: tuple[float, float, Vn2000Zone | None] | None = None
    coordinate_column: str | None = None
    credential: dict | None = None  # Credential field -> value
    scope: list[dict] = field(default_factory=list)  # ScopeItem field -> value
    point: object = None  # placing.Point, once placed
    address_column: str | None = None  # the header the address was read from

    @property
    def number(self) -> int:
        return self.result.number

    def problem(self, problem, column=None, severity=ERROR):
        self.result.issues.append(Issue.of(problem, column, severity))


class RowReader:
    """Reads rows of one table, given how its columns map to fields."""

    def __init__(self, mapping: ColumnMapping, vocabularies: Vocabularies):
        self.mapping, self.vocabularies = mapping, vocabularies

    def missing_columns(self) -> list[Issue]:
        issues = []
        for group in REQUIRED_COLUMNS:
            if not any(name in self.mapping.headers for name in group):
                problem = RowProblem(
                    "missing_column",
                    field=FIELD_LABELS[group[0]],
                    example=COLUMN_EXAMPLES[group[0]],
                )
                issues.append(Issue.of(problem))
        return issues

    def read(self, number: int, cells: dict, point: tuple[float, float] | None) -> RowRecord:
        record = RowRecord(RowResult(number))
        row = _Cells(cells, self.mapping, record)
        self._organisation(row, record)
        self._site(row, record)
        self._coordinates(row, record, point)
        self._credential(row, record)
        self._scope(row, record)
        if not record.site["kinds"] and not row.has("kinds"):
            self._infer_kinds(row, record)
        return record

    # Parts of a row

    def _organisation(self, row: "_Cells", record: RowRecord):
        name = row.required("organisation_name")
        record.organisation = {
            "name_vi": name,
            "name_en": row.text("organisation_name_en"),
            "short_name": row.text("short_name"),
            "tax_code": row.parsed("tax_code", parse_tax_code) or "",
            "head_office_address": row.text("head_office_address"),
            "website": row.checked("website", URLValidator(), "invalid_website", _as_url),
        }

    def _site(self, row: "_Cells", record: RowRecord):
        address = row.text("address")
        parts = [row.text(name) for name in ("commune", "district", "province")]
        written = address or ", ".join(filter(None, parts))
        record.address_column = next(
            (row.header(name) for name in ("address", "commune", "province") if row.has(name)),
            row.header("address"),
        )
        if not written:
            problem = RowProblem(
                "missing_value", field=row.header("address") or FIELD_LABELS["address"]
            )
            record.problem(problem, record.address_column)
        record.addresses = [a for a in (written, ", ".join(filter(None, [address, *parts]))) if a]
        record.site = {
            "name": row.text("site_name") or record.organisation["name_vi"],
            "kinds": row.parsed("kinds", parse_kinds) or [],
            "address": written,
            "phone": row.text("phone"),
            "email": row.checked("email", EmailValidator(), "invalid_email"),
            "opening_hours": row.text("opening_hours"),
        }
        if row.has("published"):
            record.site["published"] = row.parsed("published", parse_yes_no)

    def _coordinates(self, row: "_Cells", record: RowRecord, point):
        if point:
            record.degrees = (Degrees(point[0], 1, "lon"), Degrees(point[1], 1, "lat"))
            return
        if row.has("longitude") or row.has("latitude"):
            self._degree_columns(row, record)
        elif row.has("coordinates"):
            pair = row.parsed("coordinates", parse_pair)
            if pair:
                record.degrees = _lon_lat(*pair)
                record.coordinate_column = row.header("coordinates")
        elif row.has("vn2000_x") or row.has("vn2000_y"):
            self._vn2000(row, record)
        elif row.has("vn2000_zone"):
            record.problem(RowProblem("zone_without_x_y"), row.header("vn2000_zone"), WARNING)

    def _degree_columns(self, row: "_Cells", record: RowRecord):
        if not (row.has("longitude") and row.has("latitude")):
            record.problem(RowProblem("half_coordinates"), row.header("longitude"))
            return
        lon, lat = row.parsed("longitude", parse_degrees), row.parsed("latitude", parse_degrees)
        if lon and lat:
            record.degrees = (lat, lon) if (lon.axis, lat.axis) == ("lat", "lon") else (lon, lat)
            record.degrees_stated = True
            record.coordinate_column = row.header("longitude")

    def _vn2000(self, row: "_Cells", record: RowRecord):
        if not (row.has("vn2000_x") and row.has("vn2000_y")):
            record.problem(RowProblem("half_coordinates"), row.header("vn2000_x"))
            return
        x, y = row.parsed("vn2000_x", parse_number), row.parsed("vn2000_y", parse_number)
        zone = row.parsed("vn2000_zone", parse_zone) if row.has("vn2000_zone") else None
        if x is not None and y is not None:
            record.vn2000 = (x, y, zone)
            record.coordinate_column = row.header("vn2000_x")

    def _credential(self, row: "_Cells", record: RowRecord):
        number = normalise_credential_number(row.text("credential_number"))
        details = ("scheme", "standard", "issuer", "issued_on", "valid_until")
        if not number:
            if any(row.has(name) for name in details):
                record.problem(RowProblem("credential_without_number"), row.header("scheme"))
            return
        scheme = self._scheme(row, record, number)
        issued_on = row.parsed("issued_on", parse_date, required=True)
        valid_until = row.parsed("valid_until", parse_date)
        if issued_on and valid_until and valid_until < issued_on:
            problem = RowProblem(
                "valid_until_before_issue",
                valid_until=f"{valid_until:%d/%m/%Y}",
                issued_on=f"{issued_on:%d/%m/%Y}",
            )
            record.problem(problem, row.header("valid_until"))
        record.credential = {
            "scheme": scheme,
            "number": number,
            "standard": self._standard(row, record, scheme, number),
            "issuer": self._issuer(row, record, scheme, issued_on),
            "issued_on": issued_on,
            "valid_until": valid_until,
        }

    def _scheme(self, row: "_Cells", record: RowRecord, number: str) -> Scheme | None:
        column = row.header("credential_number")
        if row.has("scheme"):
            scheme = self.vocabularies.scheme(row.text("scheme"))
            if scheme is None:
                record.problem(
                    RowProblem("unknown_scheme", value=row.text("scheme")), row.header("scheme")
                )
                return None
        else:
            # "Số hiệu VILAS", "Số GCN đăng ký" with "Kiểm định": the header and the services
            said = " ".join([column, *record.site["kinds"]])
            scheme = self.vocabularies.scheme_of_number(number) or self.vocabularies.scheme(said)
            if scheme is None:
                record.problem(RowProblem("scheme_needed", value=number), column)
                return None
        if scheme.number_pattern and not re.fullmatch(scheme.number_pattern, number):
            example = NUMBER_EXAMPLES.get(scheme.code, scheme.number_pattern)
            problem = RowProblem(
                "malformed_number", value=number, scheme=scheme.code.upper(), example=example
            )
            record.problem(problem, column)
        return scheme

    def _standard(self, row: "_Cells", record: RowRecord, scheme, number: str) -> str:
        if row.has("standard"):
            written = normalise_standard_reference(row.text("standard")).split(":")[0]
            if written in Standard.values:
                return written
            record.problem(
                RowProblem("unknown_standard", value=row.text("standard")), row.header("standard")
            )
            return ""
        if scheme and scheme.code == "vilas":
            return Standard.ISO_15189 if " MED " in number else Standard.ISO_IEC_17025
        return Standard.ISO_IEC_17020 if scheme and scheme.code == "vias" else ""

    def _issuer(self, row: "_Cells", record: RowRecord, scheme, issued_on) -> Authority | None:
        if row.has("issuer"):
            issuer = self.vocabularies.authority(row.text("issuer"))
            if issuer is None:
                record.problem(
                    RowProblem("unknown_issuer", value=row.text("issuer")), row.header("issuer")
                )
            return issuer
        if scheme is None:
            return None
        issuer = self.vocabularies.default_issuer(scheme, issued_on)
        if issuer is None:
            record.problem(
                RowProblem("issuer_needed", scheme=scheme.code), row.header("credential_number")
            )
        return issuer

    def _infer_kinds(self, row: "_Cells", record: RowRecord):
        """The services a credential's scheme implies: VICAS certification, VIAS inspection, a
        measuring-instrument registration or designation verification, VILAS calibration when
        every field of its scope is a metrology field, testing otherwise."""
        scheme = record.credential["scheme"] if record.credential else None
        kinds = SCHEME_KINDS.get(scheme.code) if scheme else None
        if scheme and scheme.code == "vilas":
            fields = [item["field"] for item in record.scope if "field" in item]
            metrology = fields and all(f.name_vi.startswith("Đo lường") for f in fields)
            kinds = ["calibration"] if metrology else ["testing"]
        if kinds:
            record.site["kinds"] = kinds
        else:
            record.problem(RowProblem("kinds_needed"), row.header("kinds"))

    def _scope(self, row: "_Cells", record: RowRecord):
        items = [
            *row.terms("fields", self.vocabularies.field, "unknown_field", "field"),
            *row.terms(
                "instrument_types",
                self.vocabularies.instrument,
                "unknown_instrument",
                "instrument_type",
            ),
            *({"method": m} for m in split_list(row.value("methods"))),
            *({"product": p} for p in split_list(row.value("scope"))),
        ]
        if items and record.credential is None:
            columns = ("fields", "instrument_types", "methods", "scope")
            column = next(row.header(name) for name in columns if row.has(name))
            record.problem(RowProblem("scope_without_credential"), column, WARNING)
        elif items:
            record.scope = items


def _lon_lat(first: Degrees, second: Degrees) -> tuple[Degrees, Degrees]:
    """A pair in one column: by its hemisphere letters, else as map applications copy it
    (latitude first); the Viet Nam test swaps it back if need be."""
    if first.axis == "lon" or second.axis == "lat":
        return first, second
    return second, first


def _as_url(value: str) -> str:
    return value if "://" in value else f"https://{value}"


class _Cells:
    """The cells of one row by field, parsing with problems recorded against their column."""

    def __init__(self, cells: dict, mapping: ColumnMapping, record: RowRecord):
        self.cells, self.mapping, self.record = cells, mapping, record

    def header(self, name: str) -> str | None:
        return self.mapping.headers.get(name)

    def value(self, name: str):
        header = self.header(name)
        return self.cells.get(header) if header else None

    def text(self, name: str) -> str:
        return text(self.value(name))

    def has(self, name: str) -> bool:
        return self.text(name) != ""

    def required(self, name: str) -> str:
        value = self.text(name)
        if value:
            return value
        if self.header(name):
            problem = RowProblem("missing_value", field=self.header(name))
        else:
            problem = RowProblem(
                "missing_column_value", field=FIELD_LABELS[name], example=COLUMN_EXAMPLES[name]
            )
        self.record.problem(problem, self.header(name))
        return value

    def parsed(self, name: str, parse, required: bool = False):
        if not self.has(name):
            if required:
                self.required(name)
            return None
        try:
            return parse(self.value(name))
        except (ValueProblem, CoordinateError, RowProblem) as problem:
            self.record.problem(problem, self.header(name))
            return None

    def checked(self, name: str, validator, code: str, convert=lambda v: v) -> str:
        value = self.text(name)
        if not value:
            return ""
        try:
            validator(convert(value))
        except ValidationError:
            self.record.problem(RowProblem(code, value=value), self.header(name))
            return ""
        return convert(value)

    def terms(self, name: str, find, code: str, attribute: str) -> list[dict]:
        found = []
        for written in split_list(self.value(name)):
            term = find(written)
            if term is None:
                self.record.problem(RowProblem(code, value=written), self.header(name))
            else:
                found.append({attribute: term})
        return found
