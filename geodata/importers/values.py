"""Cell values as officials write them: dates in every usual form, service kinds in words, tax
codes, lists, yes/no. Each parser returns the value or raises ValueProblem with a message."""

import re
from datetime import date, datetime, timedelta

from django.utils.translation import gettext_lazy as _

from geodata.importers.report import Problem
from geodata.models import ServiceKind
from geodata.text import fold, nfc

MESSAGES = {
    "unreadable_date": _(
        "“%(value)s” is not a date: write day/month/year (12/03/2024), year-month-day "
        "(2024-03-12) or use a date cell."
    ),
    "impossible_date": _(
        "“%(value)s” is not a date that exists (day, month, year in that order: 31/12/2024)."
    ),
    "date_out_of_range": _("The date %(value)s is not plausible for the registry (1990–2100)."),
    "unknown_kind": _(
        "“%(value)s” is not a known service: write one or more of testing, calibration, "
        "verification, certification, inspection, accreditation (in Vietnamese or English)."
    ),
    "tax_code_length": _(
        "The tax code “%(value)s” has %(digits)s digits: a tax or enterprise code has 10 "
        "digits, or 10 digits, a dash and 3 digits for a branch (0100109106-001)."
    ),
    "unreadable_number": _("“%(value)s” is not a number."),
    "unreadable_yes_no": _("“%(value)s” is neither yes nor no (có / không, yes / no, 1 / 0)."),
}


class ValueProblem(Problem):
    messages = MESSAGES


def text(value) -> str:
    """A cell as text: "" for nothing, whole numbers without ".0", strings in NFC."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


_LIST_SEPARATORS = re.compile(r"\s*(?:[;\n|]|,(?!\d))\s*")


def split_list(value) -> list[str]:
    """The items of a cell holding a list ("Hóa; Sinh", "Cơ, Điện"); a comma between digits
    (decimal) does not split."""
    written = value if isinstance(value, str) else text(value)
    return [nfc(item) for item in _LIST_SEPARATORS.split(written.strip()) if nfc(item)]


def parse_number(value) -> float:
    """A number as typed: "2 329 123,45", "2.329.123,45", "2,329,123.45" or a numeric cell."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    written = re.sub(r"[\s\u00a0']", "", text(value))
    decimal = max(written.rfind(","), written.rfind("."))
    if decimal >= 0 and written.count(written[decimal]) == 1:
        whole, fraction = written[:decimal], written[decimal + 1 :]
        written = f"{re.sub(r'[.,]', '', whole)}.{fraction}"
    else:
        written = re.sub(r"[.,]", "", written)
    try:
        return float(written)
    except ValueError:
        raise ValueProblem("unreadable_number", value=text(value)) from None


# Dates -------------------------------------------------------------------------------------------

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01, after Excel's phantom 29/02/1900
_FIRST, _LAST = date(1990, 1, 1), date(2100, 12, 31)
_DAY_FIRST = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})$")
_WORDS = re.compile(r"^(?:ngay\s*)?(\d{1,2})\s*thang\s*(\d{1,2})\s*(?:nam|,)?\s*(\d{4})$")
_TIME_PART = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_date(value) -> date:
    """A date from a date cell, an Excel serial number, or text: dd/mm/yyyy, d-m-yy, dd.mm.yyyy,
    yyyy-mm-dd, "ngày 12 tháng 3 năm 2024". Day comes before month, as in Viet Nam."""
    if isinstance(value, datetime):
        return _plausible(value.date(), value)
    if isinstance(value, date):
        return _plausible(value, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value, value)
    written = text(value)
    folded = _TIME_PART.sub("", fold(written).strip())
    if re.fullmatch(r"\d{5}(\.\d+)?", folded):
        return _from_serial(float(folded), written)
    for pattern, order in ((_DAY_FIRST, "dmy"), (_YEAR_FIRST, "ymd"), (_WORDS, "dmy")):
        if match := pattern.match(folded):
            parts = dict(zip(order, map(int, match.groups()), strict=True))
            return _plausible(_make_date(parts, written), written)
    raise ValueProblem("unreadable_date", value=written)


def _from_serial(serial: float, written) -> date:
    return _plausible(_EXCEL_EPOCH + timedelta(days=int(serial)), written)


def _make_date(parts: dict[str, int], written) -> date:
    year = parts["y"]
    if year < 100:  # two-digit years: 00–69 are 2000–2069
        year += 2000 if year < 70 else 1900
    try:
        return date(year, parts["m"], parts["d"])
    except ValueError:
        raise ValueProblem("impossible_date", value=written) from None


def _plausible(day: date, written) -> date:
    if not _FIRST <= day <= _LAST:
        raise ValueProblem("date_out_of_range", value=text(written))
    return day


# Service kinds -----------------------------------------------------------------------------------

_KIND_WORDS = {
    ServiceKind.TESTING: ("thu nghiem", "testing", "test"),
    ServiceKind.CALIBRATION: ("hieu chuan", "calibration"),
    ServiceKind.VERIFICATION: ("kiem dinh", "verification"),
    ServiceKind.CERTIFICATION: ("chung nhan", "certification"),
    ServiceKind.INSPECTION: ("giam dinh", "inspection"),
    ServiceKind.ACCREDITATION: ("cong nhan", "accreditation"),
}
_KIND_SEPARATORS = re.compile(r"\s*(?:[,;/+&\n|]|\bva\b|\band\b)\s*")


def parse_kinds(value) -> list[str]:
    """Service kinds from words ("Kiểm định, hiệu chuẩn phương tiện đo", "testing; calibration")
    or codes, in the order of ServiceKind, without repeats."""
    found = set()
    for part in filter(None, _KIND_SEPARATORS.split(fold(text(value)))):
        kinds = {kind for kind, words in _KIND_WORDS.items() for word in words if word in part}
        if not kinds:
            raise ValueProblem("unknown_kind", value=part)
        found |= kinds
    return [kind.value for kind in ServiceKind if kind in found]


# Tax codes and yes/no ----------------------------------------------------------------------------


def parse_tax_code(value) -> str:
    """A tax or enterprise code: 10 digits, or 10 digits and a 3-digit branch suffix. Spaces and
    dots people type are dropped; a 9-digit number from a numeric Excel cell lost its leading 0."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = f"{int(value):010d}"
    else:
        digits = re.sub(r"[\s.]", "", text(value))
    plain = digits.replace("-", "")
    if not (plain.isascii() and plain.isdecimal()) or len(plain) not in (10, 13):
        raise ValueProblem(
            "tax_code_length", value=text(value), digits=sum(map(str.isdigit, plain))
        )
    return plain if len(plain) == 10 else f"{plain[:10]}-{plain[10:]}"


_YES = frozenset({"co", "yes", "y", "x", "1", "true", "dung", "cong bo"})
_NO = frozenset({"khong", "no", "n", "0", "false", "sai", "an", "khong cong bo"})


def parse_yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    answer = fold(text(value))
    if answer in _YES:
        return True
    if answer in _NO:
        return False
    raise ValueProblem("unreadable_yes_no", value=text(value))
