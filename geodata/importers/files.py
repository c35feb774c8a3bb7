"""A registry file as officials keep it (CSV, XLSX or GeoJSON bytes) read into a table of raw
cells: title rows skipped, the header row found, two-row headers resolved, text in NFC. Values
are not interpreted here."""

import codecs
import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import PureWindowsPath

import openpyxl
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from geodata.importers.columns import is_header
from geodata.importers.report import Problem

ROW_LIMIT = 200_000
HeaderTest = Callable[[str], bool]
HEADER_ZONE = 30  # the header row is looked for in this many first rows

MESSAGES = {
    "unsupported_format": _(
        "“%(name)s” is not a file the importer can read (old .xls workbooks and password-protected "
        "workbooks are not). Open it in Excel and save it as an Excel Workbook (.xlsx) or as "
        "CSV UTF-8, then import that file."
    ),
    "empty_file": _("The file is empty."),
    "no_header": _(
        "No row of column names was found in the first 30 rows: the header row needs at least "
        "two names the importer knows, such as “Tên tổ chức” and “Địa chỉ”."
    ),
    "unreadable": _("The file could not be read: %(reason)s"),
    "not_geojson": _("The file is not a GeoJSON FeatureCollection."),
    "too_many_rows": _("The file has more than %(limit)s data rows; split it into smaller files."),
}

_NOT_TEXT = _(
    "it is not text in UTF-8, UTF-16 or Windows-1258 (Vietnamese); save it as CSV UTF-8 "
    "and import that file."
)


class FileError(Problem):
    """A file the importer cannot read."""

    messages = MESSAGES


@dataclass(frozen=True)
class SourceRow:
    number: int  # as the official sees it: spreadsheet row, CSV record, GeoJSON feature (1-based)
    cells: dict[str, object]  # header -> NFC text ("" when empty) or an XLSX/GeoJSON typed value
    point: tuple[float, float] | None = None  # (lon, lat) of a GeoJSON Point
    geometry_type: str | None = None


@dataclass(frozen=True)
class Table:
    format: str  # "csv" | "xlsx" | "geojson"
    headers: list[str]
    rows: list[SourceRow]
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = None  # number of the last header row


def read_table(data: bytes, filename: str, known_header: HeaderTest = is_header) -> Table:
    """`known_header`: whether a text is a column name the caller knows (the registry's by
    default); the header row is the first with two of them."""
    if not data.strip():
        raise FileError("empty_file")
    file_format = _format_of(data, filename)
    if file_format == "geojson":
        return _read_geojson(data)
    reader = {"csv": _read_csv, "xlsx": _read_xlsx}
    return reader[file_format](data, known_header)


_EXTENSION_FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
}
_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and encrypted workbooks


def _format_of(data: bytes, filename: str) -> str:
    name = PureWindowsPath(filename).name  # a Windows or a POSIX path
    extension = PureWindowsPath(name).suffix.lower()
    if data.startswith(_OLE_SIGNATURE) or (
        extension == ".xls" and not data.startswith(_ZIP_SIGNATURE)
    ):
        raise FileError("unsupported_format", name=name)
    if extension in _EXTENSION_FORMATS:
        return _EXTENSION_FORMATS[extension]
    if data.startswith(_ZIP_SIGNATURE):
        return "xlsx"
    if data.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"{"):
        return "geojson"
    raise FileError("unsupported_format", name=name)


# Control characters (NUL above all, which PostgreSQL cannot store) other than line breaks and tabs
_CONTROL = dict.fromkeys([*range(9), 11, 12, *range(14, 32), 127])


def _text(value: str) -> str:
    """geodata.text.nfc, quicker over many cells, keeping the line breaks of a cell (Alt+Enter
    in Excel separates the items of a list): each line trimmed, its white space runs made one
    space, blank lines dropped."""
    lines = unicodedata.normalize("NFC", value.translate(_CONTROL)).splitlines()
    return "\n".join(filter(None, (" ".join(line.split()) for line in lines)))


def _cell(value: object) -> object:
    if isinstance(value, str):
        return _text(value)
    return "" if value is None else value


# Header rows, in every format but GeoJSON.


def _is_header_cell(value: object, known_header: HeaderTest) -> bool:
    return isinstance(value, str) and known_header(value)


def _header_index(zone: Sequence[Sequence[object]], known_header: HeaderTest) -> int | None:
    """The first row of the zone with at least two known column names."""
    for index, cells in enumerate(zone[:HEADER_ZONE]):
        if sum(_is_header_cell(cell, known_header) for cell in cells) >= 2:
            return index
    return None


def _looks_like_data(value: object) -> bool:
    if isinstance(value, str):
        return any(character.isdigit() for character in value)
    return value is not None


def _is_second_header(cells: Sequence[object], known_header: HeaderTest) -> bool:
    """Whether the row under the header row names columns too ("Kinh độ", "Vĩ độ" under a merged
    "Tọa độ"): it has a known column name and, besides those, nothing a data row has (a number,
    a date, a digit), so that a first data row holding "x" or "Hoạt động" stays data."""
    names = [_is_header_cell(cell, known_header) for cell in cells]
    return any(names) and not any(
        _looks_like_data(cell) for cell, is_name in zip(cells, names, strict=True) if not is_name
    )


def _header_text(value: object) -> str:
    return "" if value is None else _text(str(value))


def _header_texts(upper: Sequence[object], lower: Sequence[object] | None) -> list[str]:
    """Each column's header: the lower header cell when written, else the upper one."""
    lower = lower or ()
    width = max(len(upper), len(lower))
    upper_texts = [_header_text(value) for value in upper] + [""] * (width - len(upper))
    lower_texts = [_header_text(value) for value in lower] + [""] * (width - len(lower))
    return [below or above for above, below in zip(upper_texts, lower_texts, strict=True)]


def _unique(names: Iterable[str]) -> list[str]:
    """The names, a repeated one numbered: "Địa chỉ", "Địa chỉ (2)"."""
    taken: set[str] = set()
    unique = []
    for name in names:
        candidate, count = name, 1
        while candidate in taken:
            count += 1
            candidate = f"{name} ({count})"
        taken.add(candidate)
        unique.append(candidate)
    return unique


def _tabulate(
    headers: list[str],
    records: Iterable[tuple[int, Sequence[object]]],
    fallback_name: Callable[[int], str],
) -> tuple[list[str], list[SourceRow]]:
    """The data rows under the headers: blank rows dropped, a column without header named by its
    position if it holds data, dropped if not."""
    kept: list[tuple[int, list[object]]] = []
    for number, record in records:
        values = [_cell(value) for value in record]
        if all(value == "" for value in values):
            continue
        if len(kept) == ROW_LIMIT:
            raise FileError("too_many_rows", limit=ROW_LIMIT)
        kept.append((number, values))
    width = max([len(headers), *(len(values) for _number, values in kept)])
    headers = headers + [""] * (width - len(headers))
    columns = [
        index
        for index in range(width)
        if headers[index]
        or any(index < len(values) and values[index] != "" for _number, values in kept)
    ]
    names = _unique(headers[index] or fallback_name(index) for index in columns)
    rows = [
        SourceRow(
            number,
            {
                name: values[index] if index < len(values) else ""
                for name, index in zip(names, columns, strict=True)
            },
        )
        for number, values in kept
    ]
    return names, rows


# CSV


_DELIMITERS = ",;\t|"


def _decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding, as Excel writes CSV: BOMs first, then UTF-8, then the
    Vietnamese ANSI code page."""
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1258"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        raise FileError("unreadable", reason=_NOT_TEXT) from error


def _records(text: str, delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise FileError("unreadable", reason=str(error)) from error


def _delimiters_to_try(text: str) -> list[str]:
    """The delimiter csv.Sniffer finds in the first lines, then the others, most frequent first."""
    sample = "".join(islice(io.StringIO(text, newline=""), HEADER_ZONE))
    by_frequency = sorted(_DELIMITERS, key=sample.count, reverse=True)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return by_frequency
    return [sniffed, *(delimiter for delimiter in by_frequency if delimiter != sniffed)]


def _layout(text: str, known_header: HeaderTest) -> tuple[str, list[list[str]], int]:
    """The delimiter, the first records as it splits them and the header row's index among them:
    the delimiter that splits a header row out earliest, the sniffed one first among equals."""
    layouts = []
    for order, delimiter in enumerate(_delimiters_to_try(text)):
        zone = list(islice(_records(text, delimiter), HEADER_ZONE + 1))
        header_index = _header_index(zone, known_header)
        if header_index is not None:
            layouts.append((header_index, order, delimiter, zone))
    if not layouts:
        raise FileError("no_header")
    header_index, _order, delimiter, zone = min(layouts)
    return delimiter, zone, header_index


def _read_csv(data: bytes, known_header: HeaderTest) -> Table:
    text, encoding = _decode(data)
    if not text.strip():
        raise FileError("empty_file")
    delimiter, zone, header_index = _layout(text, known_header)
    below = zone[header_index + 1] if header_index + 1 < len(zone) else None
    second_header = below if below is not None and _is_second_header(below, known_header) else None
    header_row = header_index + 1 + (second_header is not None)
    headers = _header_texts(zone[header_index], second_header)
    records = islice(enumerate(_records(text, delimiter), 1), header_row, None)
    names, rows = _tabulate(headers, records, lambda index: f"Column #{index + 1}")
    return Table("csv", names, rows, encoding=encoding, header_row=header_row)


# XLSX


def _open_workbook(data: bytes) -> openpyxl.Workbook:
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as error:  # a damaged workbook fails in zipfile, XML or openpyxl code alike
        raise FileError("unreadable", reason=str(error)) from error


def _header_cells(
    sheet: Worksheet, zone: Sequence[Sequence[object]], row: int, header_row: int
) -> list[object]:
    """A header row's cells, a merged header cell written in every column it spans."""
    cells = list(zone[row - 1])
    for merged in sheet.merged_cells.ranges:
        if header_row <= merged.min_row <= row <= merged.max_row:
            value = zone[merged.min_row - 1][merged.min_col - 1]
            cells[merged.min_col - 1 : merged.max_col] = [value] * merged.size["columns"]
    return cells


def _merged_downwards(sheet: Worksheet, header_row: int) -> bool:
    return any(
        merged.min_row == header_row < merged.max_row for merged in sheet.merged_cells.ranges
    )


def _sheet_table(
    sheet: Worksheet, zone: Sequence[Sequence[object]], header_row: int, known_header: HeaderTest
) -> Table:
    below = zone[header_row] if header_row < len(zone) else None
    two_rows = below is not None and (
        _merged_downwards(sheet, header_row) or _is_second_header(below, known_header)
    )
    last_header_row = header_row + two_rows
    headers = _header_texts(
        _header_cells(sheet, zone, header_row, header_row),
        _header_cells(sheet, zone, last_header_row, header_row) if two_rows else None,
    )
    data_rows = sheet.iter_rows(min_row=last_header_row + 1, values_only=True)
    names, rows = _tabulate(
        headers,
        enumerate(data_rows, last_header_row + 1),
        lambda index: f"Column {get_column_letter(index + 1)}",
    )
    return Table("xlsx", names, rows, sheet=sheet.title, header_row=last_header_row)


def _has_values(sheet: Worksheet) -> bool:
    return any(_cell(value) != "" for row in sheet.iter_rows(values_only=True) for value in row)


def _read_xlsx(data: bytes, known_header: HeaderTest) -> Table:
    workbook = _open_workbook(data)
    # The active sheet first, then the others in their order.
    sheets = sorted(workbook.worksheets, key=lambda sheet: sheet is not workbook.active)
    for sheet in sheets:
        last_zone_row = min(HEADER_ZONE + 1, sheet.max_row)
        zone = list(sheet.iter_rows(min_row=1, max_row=last_zone_row, values_only=True))
        header_index = _header_index(zone, known_header)
        if header_index is not None:
            return _sheet_table(sheet, zone, header_index + 1, known_header)
    if any(map(_has_values, sheets)):
        raise FileError("no_header")
    raise FileError("empty_file")


# GeoJSON


def _property(value: object) -> object:
    """A property as a cell: a list of plain values one per line, as a list cell is written;
    other structures as JSON."""
    if isinstance(value, list) and not any(isinstance(item, dict | list) for item in value):
        return _text("\n".join("" if item is None else str(item) for item in value))
    if isinstance(value, dict | list):
        return _text(json.dumps(value, ensure_ascii=False))
    return _cell(value)


def _is_coordinate(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _point(geometry: object) -> tuple[float, float] | None:
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coordinates = geometry.get("coordinates")
    if isinstance(coordinates, list) and len(coordinates) >= 2:
        longitude, latitude = coordinates[:2]
        if _is_coordinate(longitude) and _is_coordinate(latitude):
            return float(longitude), float(latitude)
    return None


def _features(document: object) -> list[dict]:
    features = (
        document.get("features")
        if isinstance(document, dict) and document.get("type") == "FeatureCollection"
        else None
    )
    if not isinstance(features, list) or not all(
        isinstance(feature, dict) and isinstance(feature.get("properties") or {}, dict)
        for feature in features
    ):
        raise FileError("not_geojson")
    return features


def _read_geojson(data: bytes) -> Table:
    try:
        document = json.loads(data)
    except ValueError as error:  # bad JSON, or bytes in no Unicode encoding
        raise FileError("unreadable", reason=str(error)) from error
    features = _features(document)
    if not features:
        raise FileError("empty_file")
    if len(features) > ROW_LIMIT:
        raise FileError("too_many_rows", limit=ROW_LIMIT)
    keys = list(
        dict.fromkeys(key for feature in features for key in feature.get("properties") or {})
    )
    names = _unique(_text(key) or f"Column #{position}" for position, key in enumerate(keys, 1))
    rows = []
    for number, feature in enumerate(features, 1):
        properties = feature.get("properties") or {}
        cells = {
            name: _property(properties.get(key)) for key, name in zip(keys, names, strict=True)
        }
        geometry = feature.get("geometry")
        geometry_type = geometry.get("type") if isinstance(geometry, dict) else None
        if geometry_type is None and all(value == "" for value in cells.values()):
            continue
        rows.append(SourceRow(number, cells, _point(geometry), geometry_type))
    return Table("geojson", names, rows)
