"""Files of issued certificates (CSV, XLSX, or JSON: a list of objects) read into the rows
certificates.services.register takes, with Vietnamese or English column names. CSV and XLSX are
read by the registry's reader (geodata.importers.files: encodings, title rows, header row), told
which column names mean certificate fields."""

import codecs
import json
from dataclasses import dataclass, field
from pathlib import PureWindowsPath

from django.utils.translation import gettext_lazy as _

from certificates import services
from geodata.importers.files import FileError, read_table
from geodata.importers.report import Problem
from geodata.text import words

# Each field and the column names that mean it, in matching form (geodata.text.words).
ALIASES = {
    "site": ("site", "site id", "ma dia diem", "id dia diem", "ma co so", "dia diem cap", "co so"),
    "credential": (
        "credential", "credential number", "credential id", "so dang ky", "giay chung nhan dang ky",
        "so giay chung nhan dang ky", "so quyet dinh chi dinh", "quyet dinh chi dinh",
        "so chung chi cong nhan", "hieu luc theo",
    ),
    "kind": ("kind", "type", "loai", "loai giay", "loai giay chung nhan", "loai chung thu"),
    "number": (
        "number", "certificate number", "certificate no", "so", "so giay chung nhan",
        "so giay chung nhan kiem dinh", "so giay chung nhan hieu chuan", "so phieu ket qua",
        "so chung thu", "so tem",
    ),
    "instrument_type": (
        "instrument type", "instrument", "instrument type code", "loai phuong tien do",
        "ma phuong tien do", "phuong tien do",
    ),
    "subject": ("subject", "item", "ten phuong tien do", "doi tuong", "ten mau", "ten san pham"),
    "maker": ("maker", "manufacturer", "hang san xuat", "nha san xuat", "noi san xuat"),
    "model": ("model", "kieu", "kieu loai", "ky ma hieu", "kieu ky hieu"),
    "serial_number": (
        "serial number", "serial", "serial no", "so san xuat", "so seri", "so serial", "so may",
    ),
    "owner": ("owner", "chu so huu", "don vi su dung", "chu phuong tien", "khach hang"),
    "place_of_use": ("place of use", "noi su dung", "dia diem su dung", "vi tri lap dat"),
    "issued_on": (
        "issued on", "issue date", "date of issue", "ngay cap", "ngay kiem dinh",
        "ngay hieu chuan", "ngay ban hanh", "ngay",
    ),
    "valid_until": (
        "valid until", "expiry date", "expires", "hieu luc den", "co hieu luc den",
        "han kiem dinh", "ngay het han", "han hieu luc",
    ),
    "result": ("result", "ket qua", "ket luan"),
}  # fmt: skip
_FIELD_BY_KEY = {alias: name for name, aliases in ALIASES.items() for alias in aliases}

MESSAGES = {
    "no_header": _(
        "No row of column names was found in the first 30 rows: the header row names the "
        "certificate's fields, such as “Mã địa điểm” (site), “Số giấy chứng nhận” (number) and "
        "“Ngày cấp” (issued on), in Vietnamese or English."
    ),
    "not_a_list": _("A JSON file of certificates holds a list of objects, one per certificate."),
    "unreadable_json": _("The file is not JSON: %(reason)s"),
}


class CertificateFileError(Problem):
    messages = MESSAGES


def field_of(header: str) -> str | None:
    """The certificate field a column name means, or None."""
    return _FIELD_BY_KEY.get(words(str(header)))


@dataclass
class CertificateFile:
    rows: list[dict] = field(default_factory=list)  # field -> value as written
    numbers: list[int] = field(default_factory=list)  # each row's number, as the file counts
    ignored: list[str] = field(default_factory=list)  # column names of no certificate field


def read_file(data: bytes, filename: str) -> CertificateFile:
    """The certificates of a file; a Problem (FileError or CertificateFileError) says why it
    cannot be read."""
    if _is_json(data, filename):
        return _from_json(data)
    try:
        table = read_table(data, filename, known_header=lambda text: field_of(text) is not None)
    except FileError as error:
        if error.code == "no_header":
            raise CertificateFileError("no_header") from error
        raise
    columns = {header: field_of(header) for header in table.headers}
    return CertificateFile(
        rows=[
            {columns[h]: value for h, value in row.cells.items() if columns[h]}
            for row in table.rows
        ],
        numbers=[row.number for row in table.rows],
        ignored=[header for header, name in columns.items() if name is None],
    )


def import_file(user, data: bytes, filename: str, *, dry_run=False):
    """Reads the file and registers its certificates (all or none): the file and the report."""
    read = read_file(data, filename)
    report = services.register(
        user, read.rows, source="file", dry_run=dry_run, row_numbers=read.numbers
    )
    return read, report


def _is_json(data: bytes, filename: str) -> bool:
    if PureWindowsPath(filename).suffix.lower() == ".json":
        return True
    return data.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"[")


def _from_json(data: bytes) -> CertificateFile:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise CertificateFileError("unreadable_json", reason=str(error)) from error
    if not isinstance(document, list) or not all(isinstance(row, dict) for row in document):
        raise CertificateFileError("not_a_list")
    read = CertificateFile(numbers=list(range(1, len(document) + 1)))
    for row in document:
        read.rows.append({field_of(key) or key: value for key, value in row.items()})
    return read
