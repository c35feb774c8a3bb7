from datetime import date, datetime

import pytest

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


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("12/03/2024", date(2024, 3, 12)),
        ("1-7-25", date(2025, 7, 1)),
        ("01.07.2025", date(2025, 7, 1)),
        ("2025-07-01", date(2025, 7, 1)),
        ("2025/7/1", date(2025, 7, 1)),
        ("2025-07-01 00:00:00", date(2025, 7, 1)),
        ("ngày 12 tháng 3 năm 2024", date(2024, 3, 12)),
        (45474, date(2024, 7, 1)),
        (45474.0, date(2024, 7, 1)),
        ("45474", date(2024, 7, 1)),
        (datetime(2024, 7, 1, 8, 30), date(2024, 7, 1)),
        (date(2024, 7, 1), date(2024, 7, 1)),
        ("31/12/99", date(1999, 12, 31)),
    ],
)
def test_dates_are_read_in_the_forms_people_write(written, expected):
    assert parse_date(written) == expected


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("31/02/2024", "impossible_date"),
        ("03/25/2024", "impossible_date"),
        ("next year", "unreadable_date"),
        ("12/2024", "unreadable_date"),
        ("01/01/1890", "date_out_of_range"),
        (100, "date_out_of_range"),
    ],
)
def test_a_wrong_date_is_refused_with_its_reason(written, code):
    with pytest.raises(ValueProblem) as refused:
        parse_date(written)
    assert refused.value.code == code
    assert str(written) in str(refused.value.message)


@pytest.mark.parametrize(
    ("written", "kinds"),
    [
        (
            "Kiểm định, hiệu chuẩn, thử nghiệm phương tiện đo",
            ["testing", "calibration", "verification"],
        ),
        ("testing; calibration", ["testing", "calibration"]),
        ("Chứng nhận hợp quy và giám định", ["certification", "inspection"]),
        ("KIEM DINH", ["verification"]),
        ("verification", ["verification"]),
    ],
)
def test_service_kinds_are_read_from_words_in_either_language(written, kinds):
    assert parse_kinds(written) == kinds


def test_an_unknown_service_kind_is_named_in_the_message():
    with pytest.raises(ValueProblem) as refused:
        parse_kinds("Thử nghiệm; sửa chữa")
    assert refused.value.code == "unknown_kind"
    assert refused.value.params == {"value": "sua chua"}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("0100109106", "0100109106"),
        (" 0100 109 106 ", "0100109106"),
        ("0100109106-001", "0100109106-001"),
        ("0100109106001", "0100109106-001"),
        (100109106, "0100109106"),  # a numeric Excel cell lost the leading zero
    ],
)
def test_tax_codes_are_read_with_the_spaces_people_type(written, expected):
    assert parse_tax_code(written) == expected


@pytest.mark.parametrize("written", ["010010910", "01001091061", "MST0100109106"])
def test_a_tax_code_of_the_wrong_length_is_refused(written):
    with pytest.raises(ValueProblem) as refused:
        parse_tax_code(written)
    assert refused.value.code == "tax_code_length"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2 329 123,45", 2329123.45),
        ("2.329.123,45", 2329123.45),
        ("2,329,123.45", 2329123.45),
        ("587654.3", 587654.3),
        (587654, 587654.0),
    ],
)
def test_numbers_are_read_with_either_decimal_mark(written, expected):
    assert parse_number(written) == expected


def test_lists_split_on_semicolons_commas_and_lines_but_not_decimal_commas():
    assert split_list("Hóa; Sinh\nCơ, Điện") == ["Hóa", "Sinh", "Cơ", "Điện"]
    assert split_list("0,5 kg; 10 kg") == ["0,5 kg", "10 kg"]


def test_yes_and_no_are_read_in_vietnamese_and_english():
    assert [parse_yes_no(v) for v in ("Có", "x", "yes", "Không", "0")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(ValueProblem):
        parse_yes_no("maybe")


def test_cells_become_text_without_float_noise():
    assert [text(None), text(12.0), text(12.5), text(" Hà  Nội ")] == ["", "12", "12.5", "Hà Nội"]
