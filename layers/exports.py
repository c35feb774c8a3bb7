"""Open-data files of the published sites: CSV, XLSX and GeoJSON of a filtered set, and the
national dump (a zip with a Frictionless Data Package). The writers take rows or Features
already read (layers.selectors) and never touch the database; `national_zip` puts them together.

Text cells that a spreadsheet would read as a formula (OWASP, CSV injection) get a leading
apostrophe in CSV and XLSX alike, so no cell is ever a formula."""

import csv
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from geodata import status
from layers import selectors
from layers.filters import SiteFilter
from layers.indexing import registry_state

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_TYPE = "application/geo+json"
ZIP_TYPE = "application/zip"

LIST_SEPARATOR = "; "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_575  # a worksheet's 1,048,576 rows, less the header
REMOVED = "removed"  # the last column of a synchronisation (updated_since) download


def neutralise(text: str) -> str:
    """Text that a spreadsheet would run as a formula, made plain text by an apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value):
    """A value as a spreadsheet cell: lists joined, instants in ISO 8601, text neutralised;
    numbers, booleans and None as they are."""
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(map(str, value))
    elif isinstance(value, datetime):
        value = value.isoformat()
    return neutralise(value) if isinstance(value, str) else value


def with_removals(rows: Iterable[tuple], removed: Callable[[], list[int]], width: int):
    """The rows of a synchronisation: each changed site with `removed` false, then each site
    withdrawn since (asked once the rows are read) as its id alone with `removed` true."""
    for row in rows:
        yield (*row, False)
    for site_id in removed():
        yield (site_id, *[None] * (width - 1), True)


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_chunks(columns: list[str], rows: Iterable[tuple], rows_per_chunk=500) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (Excel then reads Vietnamese right), a header row, and the
    rows, as bytes a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(columns)
    for count, row in enumerate(rows, 1):
        writer.writerow([_csv_text(cell(value)) for value in row])
        if count % rows_per_chunk == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()


class TooManyRows(Exception):
    pass


_WIDE_COLUMNS = {"name": 50, "organisation": 50, "address": 60, "opening_hours": 30}


def write_xlsx(columns: list[str], rows: Iterable[tuple], file) -> None:
    """One worksheet: a bold, frozen header row, then the rows (TooManyRows past the sheet's
    limit, the file then unusable). Written in openpyxl's write-only mode, row by row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("sites")
    sheet.freeze_panes = "A2"
    for number, name in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(number)].width = _WIDE_COLUMNS.get(name, 16)
    header = [WriteOnlyCell(sheet, name) for name in columns]
    for title in header:
        title.font = Font(bold=True)
    sheet.append(header)
    try:
        for count, row in enumerate(rows, 1):
            if count > XLSX_MAX_ROWS:
                raise TooManyRows
            sheet.append([xlsx_cell(value) for value in row])
    finally:
        workbook.save(file)  # also when cut short: it removes openpyxl's temporary files


def xlsx_cell(value):
    """A value as an XLSX cell: as `cell`, without the control characters XLSX refuses, dropped
    before neutralising (dropping them afterwards could uncover a formula)."""
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(map(str, value))
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return cell(value)


def feature_collection_chunks(
    features: Iterable[str],
    head: dict,
    tail: Callable[[], dict] | None = None,
    features_per_chunk=500,
) -> Iterator[bytes]:
    """A FeatureCollection around Features already serialised (as text), streamed a few
    hundred Features at a time: the members of `head` first, those of `tail` (asked once the
    Features are written) last."""
    opening = json.dumps({"type": "FeatureCollection", **head}, ensure_ascii=False)
    chunk = [f'{opening[:-1]}, "features": [']
    for count, feature in enumerate(features):
        chunk.append(f",{feature}" if count else feature)
        if len(chunk) >= features_per_chunk:
            yield "".join(chunk).encode()
            chunk = []
    members = json.dumps(tail() if tail else {}, ensure_ascii=False)[1:]
    chunk.append(f"]{', ' if members != '}' else ''}{members}")
    yield "".join(chunk).encode()


# The data dictionary: every column of the site files, with its Table Schema type and its
# meaning in Vietnamese and English. A column of SITE_COLUMNS missing here fails the tests.
_STATUS_VI = (
    "valid (còn hiệu lực), expiring (sắp hết hiệu lực, trong 90 ngày), suspended (bị đình chỉ), "
    "expired (hết hiệu lực), withdrawn (bị thu hồi), not_yet_valid (chưa có hiệu lực)"
)
_LOCATION_METHODS_VI = (
    "surveyed (đo đạc hoặc xác định trên bản đồ), supplied (tọa độ kèm hồ sơ), geocoded (tìm từ "
    "địa chỉ), commune_point, district_point, province_point (điểm đại diện của xã, huyện cũ, "
    "tỉnh: gần đúng)"
)
SITE_FIELDS = {
    "id": ("integer", "Số hiệu của điểm cung cấp dịch vụ; ổn định, là khóa để đồng bộ",
           "Number of the site; stable, the key to synchronise on"),
    "name": ("string", "Tên điểm cung cấp dịch vụ", "Name of the site"),
    "organisation_id": ("integer", "Số hiệu của tổ chức", "Number of the organisation"),
    "organisation": ("string", "Tên tổ chức", "Name of the organisation (Vietnamese)"),
    "organisation_short_name": ("string", "Tên viết tắt của tổ chức",
                                "Short name of the organisation"),
    "kinds": ("list", "Loại dịch vụ: testing (thử nghiệm), calibration (hiệu chuẩn), "
              "verification (kiểm định phương tiện đo), certification (chứng nhận), inspection "
              "(giám định), accreditation (công nhận)",
              "Service kinds: testing, calibration, verification (of measuring instruments), "
              "certification, inspection, accreditation"),
    "address": ("string", "Địa chỉ như ghi trong hồ sơ (có thể theo đơn vị hành chính trước "
                "ngày 1/7/2025)", "Address as written in the record (it may name the "
                "administrative units in force before 1 July 2025)"),
    "province_code": ("string", "Mã tỉnh, thành phố hiện hành (mã thống kê, công văn "
                      "915/CTK-CSCL)", "Code of the current province (statistical code, letter "
                      "915/CTK-CSCL)"),
    "province": ("string", "Tên tỉnh, thành phố hiện hành", "Name of the current province"),
    "commune_code": ("string", "Mã xã, phường, đặc khu hiện hành (công văn 1027/CTK-CSCL); "
                     "trống khi chưa xác định", "Code of the current commune (letter "
                     "1027/CTK-CSCL); empty when not known"),
    "commune": ("string", "Tên xã, phường, đặc khu hiện hành", "Name of the current commune"),
    "phone": ("string", "Điện thoại của điểm, nếu không có thì của tổ chức",
              "Telephone of the site, else of the organisation"),
    "email": ("string", "Thư điện tử của điểm, nếu không có thì của tổ chức",
              "Email of the site, else of the organisation"),
    "website": ("string", "Trang web của tổ chức", "Website of the organisation"),
    "opening_hours": ("string", "Giờ làm việc, theo cú pháp opening_hours của OpenStreetMap",
                      "Opening hours, in OpenStreetMap's opening_hours syntax"),
    "status": ("string", "Tình trạng vào ngày xuất dữ liệu, tốt nhất trong các giấy chứng "
               f"nhận, quyết định của điểm: {_STATUS_VI}; trống khi điểm không có",
               "Status on the day of the export, the best among the site's credentials: "
               f"{', '.join(status.RANKED)}; empty when it has none"),
    "schemes": ("list", "Mã loại giấy chứng nhận, quyết định, công nhận (vd. vilas, vicas, "
                "dk-dgsph, cd-qcvn)", "Scheme codes of its credentials (e.g. vilas, vicas, "
                "dk-dgsph, cd-qcvn)"),
    "credential_numbers": ("list", "Số hiệu các giấy chứng nhận đăng ký, quyết định chỉ định, "
                           "công nhận", "Numbers of its registration certificates, designation "
                           "decisions and accreditations"),
    "fields": ("list", "Mã lĩnh vực trong phạm vi (danh mục tại /api/v1/vocabularies/)",
               "Field codes of its scope (listed at /api/v1/vocabularies/)"),
    "instruments": ("list", "Mã loại phương tiện đo trong phạm vi (danh mục tại "
                    "/api/v1/vocabularies/)", "Measuring-instrument type codes of its scope "
                    "(listed at /api/v1/vocabularies/)"),
    "location_method": ("string", f"Cách xác định vị trí: {_LOCATION_METHODS_VI}",
                        "How the location was obtained: surveyed, supplied, geocoded, or the "
                        "representative point of the commune, former district or province "
                        "(commune_point, district_point, province_point: approximate)"),
    "location_accuracy_m": ("integer", "Độ chính xác ước tính của vị trí, mét; trống khi "
                            "không rõ", "Estimated accuracy of the location, in metres; empty "
                            "when unknown"),
    "updated_at": ("datetime", "Thời điểm dữ liệu công bố của điểm thay đổi lần cuối "
                   "(ISO 8601)", "When the published data of the site last changed (ISO 8601)"),
    "longitude": ("number", "Kinh độ, WGS 84 (EPSG:4326), độ thập phân",
                  "Longitude, WGS 84 (EPSG:4326), decimal degrees"),
    "latitude": ("number", "Vĩ độ, WGS 84 (EPSG:4326), độ thập phân",
                 "Latitude, WGS 84 (EPSG:4326), decimal degrees"),
}  # fmt: skip
SYNC_FIELD = (
    "boolean",
    "Chỉ khi có updated_since: true khi điểm đã bị gỡ khỏi công bố (xóa hoặc thôi công bố) "
    "từ thời điểm đó; khi ấy các ô khác để trống",
    "Only with updated_since: true when the site left publication (deleted or unpublished) "
    "since then; its other cells are then empty",
)
BOUNDARY_FIELDS = {
    "code": ("string", "Mã đơn vị hành chính (mã thống kê)", "Code of the unit (statistical)"),
    "name": ("string", "Tên", "Name"),
    "full_name": ("string", "Tên đầy đủ", "Full name"),
    "type": ("string", "Loại đơn vị (tỉnh, thành phố, xã, phường, đặc khu)",
             "Type of unit (province, city, commune, ward, special zone)"),
    "province_code": ("string", "Mã tỉnh, thành phố của xã; trống với tỉnh",
                      "Code of a commune's province; empty for a province"),
}  # fmt: skip

_TITLE = "Bản đồ hạ tầng chất lượng Việt Nam · Viet Nam quality-infrastructure map"
_DATA_LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
_BOUNDARY_SOURCES = {
    "provinces": (
        [_DATA_LICENCE],
        [{"title": "geoBoundaries VNM ADM1, dissolved with Resolution 202/2025/QH15",
          "path": "https://www.geoboundaries.org"}],
    ),
    "communes": (
        [{"name": "MIT", "path": "https://opensource.org/license/mit",
          "title": "MIT (the repository; the terms of the polygons from gis.vn are not stated)"}],
        [{"title": "lamngockhuong/vietnam-3d-map",
          "path": "https://github.com/lamngockhuong/vietnam-3d-map"}],
    ),
}  # fmt: skip
_LICENCE_FILES = Path(settings.BASE_DIR) / "geodata" / "reference_data" / "licenses"
_LICENCE_TEXT = f"""# Giấy phép và ghi công · Licence and attributions

{_TITLE}

## sites.csv, sites.geojson

Dữ liệu các điểm cung cấp dịch vụ được cấp phép Creative Commons Ghi công 4.0 Quốc tế
(CC BY 4.0): được sao chép, phân phối, sửa đổi và dùng cho mọi mục đích, kể cả thương mại, miễn là
ghi nguồn "{_TITLE}".

The site data is licensed under Creative Commons Attribution 4.0 International (CC BY 4.0):
copy, share, adapt and use it for any purpose, commercial included, crediting "{_TITLE}".
https://creativecommons.org/licenses/by/4.0/

## provinces.geojson

Boundaries: geoBoundaries (CC BY 4.0), https://www.geoboundaries.org. The 34 provinces in force
since 1 July 2025 were made from geoBoundaries VNM ADM1 (build of 2023-12-12; source Wikimedia
Commons, public domain) by dissolving the 63 former provinces with the merger list of Resolution
202/2025/QH15. Coarse outlines. See licenses/geoBoundaries_CITATION-AND-USE.txt.

## communes.geojson

The 3,321 communes in force since 1 July 2025, from GitHub lamngockhuong/vietnam-3d-map
(repository under the MIT licence, licenses/lamngockhuong-vietnam-3d-map_LICENSE_MIT.txt); the
polygons themselves come from gis.vn, whose terms are not stated.

## Codes and places · Mã và địa danh

- Province and commune codes: National Statistics Office letters 915/CTK-CSCL and
  1027/CTK-CSCL.
- Former addresses are placed in the current units with the old-to-new mapping of GitHub
  dvhcvn/20250701 (MIT, licenses/dvhcvn-20250701_LICENSE_MIT.txt), built from resolutions
  NQ 1654–1687/NQ-UBTVQH15; it is not an official crosswalk.
"""


def _schema_field(name: str, described: tuple) -> dict:
    kind, vietnamese, english = described
    field = {"name": name, "type": kind, "description": english, "description_vi": vietnamese}
    if kind == "list":
        field.update(delimiter=LIST_SEPARATOR, itemType="string")
    if name == "status":
        field["constraints"] = {"enum": list(status.RANKED)}
    return field


def datapackage(version: str, created: datetime) -> dict:
    """The Frictionless Data Package (v2) that describes the national dump."""
    sites_schema = {
        "fields": [_schema_field(name, SITE_FIELDS[name]) for name in selectors.SITE_COLUMNS],
        "primaryKey": ["id"],
        "missingValues": [""],
    }
    resources = [
        {
            "name": "sites", "path": "sites.csv", "type": "table", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8",
            "description": "Published sites, one per row; UTF-8 with a byte-order mark; lists "
                           f"joined with '{LIST_SEPARATOR}'; text beginning with = + - @, tab or "
                           "carriage return carries a leading apostrophe.",
            "dialect": {"delimiter": ",", "header": True},
            "schema": sites_schema,
        },
        {
            "name": "sites-geojson", "path": "sites.geojson", "format": "geojson",
            "mediatype": GEOJSON_TYPE,
            "description": "The same sites as GeoJSON Features (the properties of sites.csv, "
                           "lists as arrays, text as written).",
        },
    ]  # fmt: skip
    for name, (licences, sources) in _BOUNDARY_SOURCES.items():
        resources.append({
            "name": name, "path": f"{name}.geojson", "format": "geojson",
            "mediatype": GEOJSON_TYPE, "licenses": licences, "sources": sources,
            "description": f"Feature properties: {', '.join(BOUNDARY_FIELDS)} "
                           "(DATA_DICTIONARY.md).",
        })  # fmt: skip
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "vn-quality-infrastructure-sites",
        "title": _TITLE,
        "description": "Every published site of the organisations that provide standards, "
        "metrology and quality services in Viet Nam, with the current province and commune "
        "boundaries. Statuses are computed for the day of the export.",
        "version": str(version),
        "created": created.isoformat(timespec="seconds"),
        "keywords": ["quality infrastructure", "metrology", "accreditation", "Viet Nam"],
        "licenses": [_DATA_LICENCE],
        "resources": resources,
    }


def data_dictionary(version: str, created: datetime) -> str:
    """DATA_DICTIONARY.md: the files and every column, in Vietnamese and English."""
    lines = [
        f"# Từ điển dữ liệu · Data dictionary\n\n{_TITLE}\n",
        f"Phiên bản sổ đăng ký · Registry version {version}; "
        f"xuất ngày · exported {created.isoformat(timespec='seconds')}.\n",
        "| tệp · file | nội dung · content |\n| --- | --- |",
        "| sites.csv | các điểm đã công bố · the published sites |",
        "| sites.geojson | như trên, GeoJSON (WGS 84) · the same, as GeoJSON (WGS 84) |",
        "| provinces.geojson | 34 tỉnh, thành phố từ 1/7/2025 · the 34 provinces since "
        "1 July 2025 |",
        "| communes.geojson | 3.321 xã, phường, đặc khu · the 3,321 communes |",
        "| datapackage.json | Frictionless Data Package |",
        "| LICENSE.md, licenses/ | giấy phép, ghi công · licence and attributions |\n",
        "sites.csv: UTF-8 có BOM; danh sách nối bằng `; `; ô văn bản bắt đầu bằng = + - @, tab "
        "hoặc xuống dòng có thêm dấu nháy đơn (') ở đầu để bảng tính không chạy như công thức. "
        "· UTF-8 with a byte-order mark; lists joined with `; `; a text cell beginning with = + "
        "- @, tab or carriage return starts with an added apostrophe (') so that no spreadsheet "
        "runs it as a formula: drop that apostrophe to get the text as written. "
        "sites.geojson holds the text as written.\n",
        "## sites.csv, sites.geojson\n",
    ]
    lines += _field_table({**SITE_FIELDS, REMOVED: SYNC_FIELD})
    lines += ["\n## provinces.geojson, communes.geojson\n", *_field_table(BOUNDARY_FIELDS)]
    return "\n".join(lines) + "\n"


def _field_table(fields: dict) -> list[str]:
    rows = ["| cột · column | kiểu · type | mô tả | description |", "| --- | --- | --- | --- |"]
    return rows + [f"| {name} | {kind} | {vi} | {en} |" for name, (kind, vi, en) in fields.items()]


def national_zip_name(version: str, day: date) -> str:
    # Statuses are computed for the day, so the dump is made once per registry version and day.
    return f"national-{day.isoformat()}-{hashlib.sha256(version.encode()).hexdigest()[:12]}.zip"


def served_directory() -> Path:
    """Where the API keeps the national dump (and the cron job writes it by default)."""
    return Path(settings.MEDIA_ROOT) / "exports"


class Busy(Exception):
    """Another process is making the dump of this directory."""


def national_zip(directory: Path, prune: bool = False) -> Path:
    """The national dump of the current registry version and day in `directory`, made when
    missing, by one process at a time (Busy for the others). `prune` removes earlier dumps."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / national_zip_name(registry_state(), timezone.localdate())
    if not path.exists():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_try_advisory_xact_lock(hashtext(%s))", [str(directory.resolve())]
                )
                if not cursor.fetchone()[0]:
                    raise Busy
            version = registry_state()  # it may have moved while we waited
            path = directory / national_zip_name(version, timezone.localdate())
            if not path.exists():
                _write_national_zip(path, version)
    if prune:
        for older in directory.glob("national-*.zip"):
            if older != path:
                older.unlink(missing_ok=True)
    return path


def _write_national_zip(path: Path, version: str) -> None:
    """Written beside, then renamed: a reader never sees half a file."""
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=".national-", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as file:
            _write_national_entries(file, version)
        os.chmod(partial, 0o644)  # public data, for a web server to read
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)


def _write_national_entries(file, version: str) -> None:
    created = timezone.now()
    everything = SiteFilter()
    files = {
        "sites.csv": csv_chunks(selectors.SITE_COLUMNS, selectors.site_rows(everything)),
        "sites.geojson": feature_collection_chunks(selectors.site_feature_texts(everything), {}),
        "provinces.geojson": feature_collection_chunks(
            selectors.boundary_feature_texts("province"), {}
        ),
        "communes.geojson": feature_collection_chunks(
            selectors.boundary_feature_texts("commune"), {}
        ),
        "datapackage.json": [
            json.dumps(datapackage(version, created), ensure_ascii=False, indent=2).encode()
        ],
        "DATA_DICTIONARY.md": [data_dictionary(version, created).encode()],
        "LICENSE.md": [_LICENCE_TEXT.encode()],
        **{f"licenses/{f.name}": [f.read_bytes()] for f in sorted(_LICENCE_FILES.iterdir())},
    }
    stamp = timezone.localtime(created).timetuple()[:6]
    with zipfile.ZipFile(file, "w") as archive:
        for name, chunks in files.items():
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            with archive.open(entry, "w") as target:
                for chunk in chunks:
                    target.write(chunk)
