"""Column headers as officials write them, in Vietnamese or English, with or without diacritics,
mapped to the fields the importer knows."""

import re
from dataclasses import dataclass, field

from geodata.text import words

# Each field and the headers that mean it, written in the matching form of header_key().
ALIASES: dict[str, tuple[str, ...]] = {
    "row_number": ("stt", "tt", "so thu tu", "so tt", "no", "#"),
    "organisation_name": (
        "ten to chuc",
        "ten don vi",
        "ten co quan",
        "to chuc",
        "don vi",
        "ten doanh nghiep",
        "ten to chuc danh gia su phu hop",
        "ten to chuc kiem dinh",
        "ten to chuc chung nhan",
        "co quan chu quan",
        "organisation",
        "organization",
        "organisation name",
        "organization name",
        "name of organisation",
        "name of organization",
        "name",
    ),
    "organisation_name_en": (
        "ten tieng anh",
        "ten to chuc tieng anh",
        "ten giao dich quoc te",
        "ten quoc te",
        "english name",
        "name english",
        "name en",
        "organisation name english",
        "organization name english",
    ),
    "short_name": ("ten viet tat", "viet tat", "short name", "abbreviation", "acronym"),
    "tax_code": (
        "ma so thue",
        "mst",
        "ma so doanh nghiep",
        "ma doanh nghiep",
        "tax code",
        "tax id",
        "enterprise code",
    ),
    "site_name": (
        "ten dia diem",
        "ten co so",
        "ten phong thi nghiem",
        "phong thi nghiem",
        "ten phong",
        "ten tram",
        "ten tram kiem dinh",
        "site",
        "site name",
        "laboratory",
        "laboratory name",
        "lab name",
    ),
    "kinds": (
        "loai hinh",
        "loai hinh dich vu",
        "loai dich vu",
        "dich vu",
        "hoat dong",
        "loai hinh hoat dong",
        "kind",
        "kinds",
        "service",
        "services",
        "type of service",
        "service type",
    ),
    "address": (
        "dia chi",
        "dia chi dia diem",
        "dia chi co so",
        "dia chi phong thi nghiem",
        "dia diem",
        "dia diem hoat dong",
        "address",
        "site address",
        "location address",
    ),
    "head_office_address": (
        "dia chi tru so",
        "dia chi tru so chinh",
        "tru so",
        "tru so chinh",
        "head office",
        "head office address",
        "registered address",
    ),
    "province": (
        "tinh",
        "tinh thanh",
        "tinh thanh pho",
        "tinh tp",
        "thanh pho",
        "province",
        "province city",
        "city province",
    ),
    "district": ("quan huyen", "quan", "huyen", "district"),
    "commune": (
        "phuong xa",
        "xa phuong",
        "phuong",
        "xa",
        "phuong xa dac khu",
        "commune",
        "ward",
        "commune ward",
        "ward commune",
    ),
    "longitude": ("kinh do", "longitude", "lon", "lng", "long"),
    "latitude": ("vi do", "latitude", "lat"),
    "coordinates": (
        "toa do",
        "toa do gps",
        "vi tri",
        "coordinates",
        "location",
        "gps",
        "lat lon",
        "vi do kinh do",
    ),
    "vn2000_x": ("x", "toa do x", "x vn2000", "toa do x vn2000", "northing"),
    "vn2000_y": ("y", "toa do y", "y vn2000", "toa do y vn2000", "easting"),
    "vn2000_zone": (
        "kinh tuyen truc",
        "ktt",
        "mui chieu",
        "mui",
        "he toa do",
        "he quy chieu",
        "zone",
        "crs",
        "epsg",
        "central meridian",
    ),
    "phone": ("dien thoai", "so dien thoai", "sdt", "dt", "tel", "phone", "telephone"),
    "email": ("email", "e mail", "thu dien tu"),
    "website": ("website", "trang web", "web", "trang thong tin dien tu"),
    "opening_hours": ("gio lam viec", "thoi gian lam viec", "opening hours", "hours"),
    "scheme": (
        "chuong trinh",
        "chuong trinh cong nhan",
        "he thong cong nhan",
        "loai giay chung nhan",
        "loai van ban",
        "hinh thuc",
        "scheme",
        "accreditation scheme",
        "credential type",
    ),
    "credential_number": (
        "so hieu",
        "so hieu cong nhan",
        "ma so cong nhan",
        "so giay chung nhan",
        "so gcn",
        "so gcn dang ky",
        "so giay chung nhan dang ky",
        "so giay chung nhan dang ky hoat dong",
        "so chung chi",
        "so dang ky",
        "so quyet dinh",
        "so quyet dinh chi dinh",
        "so van ban",
        "credential number",
        "certificate number",
        "accreditation number",
        "registration number",
        "number",
    ),
    "standard": (
        "chuan muc",
        "chuan muc cong nhan",
        "tieu chuan cong nhan",
        "standard",
        "accreditation standard",
    ),
    "issuer": (
        "co quan cap",
        "don vi cap",
        "noi cap",
        "co quan ban hanh",
        "issued by",
        "issuer",
        "issuing authority",
    ),
    "issued_on": (
        "ngay cap",
        "ngay ky",
        "ngay ban hanh",
        "ngay hieu luc",
        "ngay cong nhan",
        "tu ngay",
        "issued on",
        "issue date",
        "date of issue",
        "valid from",
    ),
    "valid_until": (
        "ngay het han",
        "han hieu luc",
        "hieu luc den",
        "co gia tri den",
        "gia tri den",
        "den ngay",
        "thoi han",
        "valid until",
        "valid to",
        "expiry",
        "expiry date",
        "expires",
    ),
    "fields": (
        "linh vuc",
        "linh vuc thu nghiem",
        "linh vuc hieu chuan",
        "linh vuc cong nhan",
        "fields",
        "field",
    ),
    "instrument_types": (
        "phuong tien do",
        "loai phuong tien do",
        "instrument types",
        "instrument type",
        "measuring instruments",
        "instruments",
    ),
    "methods": (
        "tieu chuan phuong phap",
        "phuong phap",
        "phuong phap thu",
        "tieu chuan",
        "quy chuan",
        "tieu chuan quy chuan",
        "methods",
        "method",
        "standards",
    ),
    "scope": (
        "pham vi",
        "pham vi cong nhan",
        "pham vi dang ky",
        "pham vi chi dinh",
        "san pham",
        "scope",
        "products",
    ),
    "published": ("cong bo", "cong khai", "hien thi", "published", "public"),
    "notes": ("ghi chu", "notes", "note", "remarks"),
}

# Scheme names in a header ("Số hiệu VILAS") say what its numbers are; rows.py reads them there.
SCHEME_WORDS = frozenset({"vilas", "vicas", "vias"})


def header_key(header: str) -> str:
    """The matching form of a header: folded words ("Tỉnh/TP (*)" -> "tinh tp")."""
    return words(str(header))


_FIELD_BY_KEY = {alias: name for name, aliases in ALIASES.items() for alias in aliases}


def recognise(header: str) -> str | None:
    """The field a header means: read whole, then without a parenthesised note ("Kinh độ
    (WGS84)"), then without a scheme name ("Số hiệu VILAS")."""
    key = header_key(header)
    without_note = header_key(re.sub(r"\([^)]*\)", " ", str(header)))
    without_scheme = " ".join(word for word in key.split() if word not in SCHEME_WORDS)
    for candidate in (key, without_note, without_scheme):
        if candidate in _FIELD_BY_KEY:
            return _FIELD_BY_KEY[candidate]
    if key and not without_scheme:  # a column headed just "VILAS" holds VILAS numbers
        return "credential_number"
    return None


def is_header(text: str) -> bool:
    return bool(text) and recognise(text) is not None


@dataclass
class ColumnMapping:
    """Which header (as written) gives each field; what was not understood."""

    headers: dict[str, str] = field(default_factory=dict)  # field -> header
    unknown: list[str] = field(default_factory=list)  # headers no field matched
    repeated: list[str] = field(default_factory=list)  # second headers of a field, ignored


def map_columns(headers: list[str]) -> ColumnMapping:
    mapping = ColumnMapping()
    for header in headers:
        if not str(header).strip():
            continue
        name = recognise(header)
        if name is None:
            mapping.unknown.append(header)
        elif name in mapping.headers:
            mapping.repeated.append(header)
        else:
            mapping.headers[name] = header
    return mapping
