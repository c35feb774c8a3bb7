import io
import json
import re
import unicodedata
from datetime import datetime

import openpyxl
import pytest
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from geodata.importers import files
from geodata.importers.columns import is_header
from geodata.importers.files import FileError, SourceRow, read_table
from geodata.text import nfc
from tests.geodata.importers.messy_files import (
    EXCEL_ENCODINGS,
    PROVINCIAL_HEADERS,
    encode_like_excel,
    provincial_csv,
    sites_geojson,
    vilas_register_xlsx,
    write_csv,
)

PROVINCIAL_ROWS = [
    (
        5,
        [
            "Trạm kiểm định đồng hồ nước\nCông ty Cổ phần Nước sạch Hưng Yên",
            "0900123456",
            "Kiểm định",
            "Số 12 đường Nguyễn Văn Linh, phường Hiến Nam, thành phố Hưng Yên, tỉnh Hưng Yên",
            "Hưng Yên",
            "0221 3862 456",
            "12/ĐK-SKHCN",
            "12/03/2024",
            "2283456.78",
            "562345.12",
            "105°30'",
        ],
    ),
    (
        6,
        [
            'Công ty TNHH Cân điện tử "Thịnh Phát"',
            "0901234567",
            "Kiểm định, Hiệu chuẩn",
            "Thôn Nghĩa Trụ, xã Tân Tiến, huyện Văn Giang, tỉnh Hưng Yên",
            "Hưng Yên",
            "",
            "27/ĐK-SKHCN",
            "1-7-25",
            "2318765.40",
            "580123.90",
            "105°30'",
        ],
    ),
    (
        8,
        [
            "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Hưng Yên",
            "0900987654",
            "Thử nghiệm; Kiểm định",
            "Số 437 đường Nguyễn Văn Linh, phường Hiến Nam, thành phố Hưng Yên",
            "Hưng Yên",
            "0221 3863 579",
            "03/ĐK-SKHCN",
            "2025-07-01",
            "",
            "",
            "",
        ],
    ),
]

VILAS_HEADERS = [
    "STT",
    "Tên tổ chức",
    "Địa chỉ",
    "Số hiệu VILAS",
    "Ngày cấp",
    "Ngày hết hạn",
    "Lĩnh vực",
    "Kinh độ",
    "Vĩ độ",
    "Người liên hệ",
    "Column K",
]


def numbered_cells(table):
    return [(row.number, row.cells) for row in table.rows]


def error_of(data, filename):
    with pytest.raises(FileError) as raised:
        read_table(data, filename)
    return raised.value


def cell(text):
    """A cell as read: without control characters, NFC, each line trimmed with its white space
    runs made one space."""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    return "\n".join(filter(None, map(nfc, unicodedata.normalize("NFC", text).splitlines())))


def csv_bytes(text):
    return text.encode("utf-8")


# CSV


@pytest.mark.parametrize("encoding", EXCEL_ENCODINGS)
def test_a_csv_in_every_encoding_excel_writes_reads_to_the_same_nfc_table(encoding):
    table = read_table(provincial_csv(encoding), "tram_kiem_dinh.csv")

    assert (table.format, table.encoding, table.header_row) == ("csv", encoding, 4)
    assert table.headers == PROVINCIAL_HEADERS
    assert numbered_cells(table) == [
        (number, dict(zip(PROVINCIAL_HEADERS, values, strict=True)))
        for number, values in PROVINCIAL_ROWS
    ]
    assert all(unicodedata.is_normalized("NFC", text) for text in table.rows[0].cells.values())


def test_the_cp1258_builder_writes_tone_marks_as_combining_bytes_as_excel_does():
    written = encode_like_excel("Tỉnh Hưng Yên, Kiểm định, Hoặc", "cp1258")

    assert written == b"Ti\xd2nh H\xfdng Y\xean, Ki\xea\xd2m \xf0i\xf2nh, Ho\xe3\xf2c"
    assert nfc(written.decode("cp1258")) == "Tỉnh Hưng Yên, Kiểm định, Hoặc"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_is_sniffed_from_the_header_lines(delimiter):
    table = read_table(provincial_csv("utf-8-sig", delimiter), "tram_kiem_dinh.csv")

    assert table.headers == PROVINCIAL_HEADERS
    assert [row.cells["Loại hình"] for row in table.rows] == [
        "Kiểm định",
        "Kiểm định, Hiệu chuẩn",
        "Thử nghiệm; Kiểm định",
    ]


def test_a_semicolon_file_whose_addresses_hold_more_commas_than_semicolons_splits_on_semicolons():
    data = csv_bytes(
        "Tên đơn vị;Địa chỉ\r\n"
        "Trạm cân Phố Nối;Thôn 1, xã Nghĩa Hiệp, huyện Yên Mỹ, tỉnh Hưng Yên, Việt Nam\r\n"
    )

    assert read_table(data, "tram.csv").rows[0].cells == {
        "Tên đơn vị": "Trạm cân Phố Nối",
        "Địa chỉ": "Thôn 1, xã Nghĩa Hiệp, huyện Yên Mỹ, tỉnh Hưng Yên, Việt Nam",
    }


def test_quoted_commas_quotes_and_line_breaks_stay_in_their_cell_and_the_row_keeps_its_number():
    first, second = read_table(provincial_csv(), "tram_kiem_dinh.csv").rows[:2]

    assert first.number == 5
    assert first.cells["Tên đơn vị"] == (
        "Trạm kiểm định đồng hồ nước\nCông ty Cổ phần Nước sạch Hưng Yên"
    )
    assert first.cells["Địa chỉ"] == (
        "Số 12 đường Nguyễn Văn Linh, phường Hiến Nam, thành phố Hưng Yên, tỉnh Hưng Yên"
    )
    assert second.cells["Tên đơn vị"] == 'Công ty TNHH Cân điện tử "Thịnh Phát"'


def test_title_lines_above_the_header_are_skipped_and_the_header_line_is_reported():
    table = read_table(provincial_csv(), "tram_kiem_dinh.csv")

    assert table.header_row == 4
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH HƯNG YÊN" not in table.headers
    assert table.rows[0].number == 5


def test_a_csv_two_row_header_takes_the_lower_name_where_one_is_written():
    data = csv_bytes(
        "STT,Tên tổ chức,Tọa độ,\r\n"
        ",,Kinh độ,Vĩ độ\r\n"
        "1,Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1,105.8542,21.0465\r\n"
    )

    table = read_table(data, "to_chuc.csv")

    assert table.headers == ["STT", "Tên tổ chức", "Kinh độ", "Vĩ độ"]
    assert table.header_row == 2
    assert numbered_cells(table) == [
        (
            3,
            {
                "STT": "1",
                "Tên tổ chức": "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1",
                "Kinh độ": "105.8542",
                "Vĩ độ": "21.0465",
            },
        )
    ]


@pytest.mark.parametrize("first_value", ["x", "Hoạt động", "Dịch vụ"])
def test_a_first_data_row_holding_a_word_that_names_a_column_is_still_data(first_value):
    data = csv_bytes(
        "STT,Tên tổ chức,Thử nghiệm\r\n"
        f"1,Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1,{first_value}\r\n"
    )

    table = read_table(data, "to_chuc.csv")

    assert table.headers == ["STT", "Tên tổ chức", "Thử nghiệm"]
    assert [row.number for row in table.rows] == [2]


def test_a_column_without_header_but_with_data_is_named_by_its_position_and_an_empty_one_dropped():
    data = csv_bytes(
        "Tên tổ chức,,Địa chỉ,,\r\n"
        "Viện Đo lường Việt Nam,đã gia hạn,Số 8 Hoàng Quốc Việt, Hà Nội,,\r\n"
        "Viện Vật liệu xây dựng,,235 Nguyễn Trãi, Hà Nội,,extra\r\n"
    )

    table = read_table(data, "to_chuc.csv")

    assert table.headers == ["Tên tổ chức", "Column #2", "Địa chỉ", "Column #4", "Column #6"]
    assert table.rows[1].cells == {
        "Tên tổ chức": "Viện Vật liệu xây dựng",
        "Column #2": "",
        "Địa chỉ": "235 Nguyễn Trãi",
        "Column #4": "Hà Nội",
        "Column #6": "extra",
    }


def test_repeated_headers_are_numbered_so_that_no_cell_is_lost():
    data = csv_bytes(
        "Tên tổ chức,Địa chỉ,Địa chỉ,Địa chỉ\r\n"
        "Viện Đo lường Việt Nam,Số 8 Hoàng Quốc Việt,phường Nghĩa Đô,Hà Nội\r\n"
    )

    table = read_table(data, "to_chuc.csv")

    assert table.headers == ["Tên tổ chức", "Địa chỉ", "Địa chỉ (2)", "Địa chỉ (3)"]
    assert table.rows[0].cells == {
        "Tên tổ chức": "Viện Đo lường Việt Nam",
        "Địa chỉ": "Số 8 Hoàng Quốc Việt",
        "Địa chỉ (2)": "phường Nghĩa Đô",
        "Địa chỉ (3)": "Hà Nội",
    }


def test_a_file_without_a_header_row_in_its_first_30_rows_is_refused():
    title = "DANH SÁCH TỔ CHỨC ĐƯỢC CÔNG NHẬN\r\n" * 30

    assert error_of(csv_bytes(title + "STT,Tên tổ chức\r\n"), "to_chuc.csv").code == "no_header"
    assert error_of(csv_bytes(title[:-2]), "to_chuc.csv").code == "no_header"


@pytest.mark.parametrize("data", [b"", b"  \r\n", b"\xef\xbb\xbf", b"\xff\xfe"])
def test_an_empty_file_is_refused_as_empty(data):
    assert error_of(data, "to_chuc.csv").code == "empty_file"


def test_bytes_in_no_encoding_excel_writes_are_unreadable():
    assert error_of(b"STT,T\x81n \x8a\x8d\r\n", "to_chuc.csv").code == "unreadable"


def test_more_data_rows_than_the_limit_are_refused(monkeypatch):
    monkeypatch.setattr(files, "ROW_LIMIT", 2)
    two_rows = "STT,Tên đơn vị\r\n1,Trạm cân Phố Nối\r\n\r\n2,Trạm cân Như Quỳnh\r\n"

    error = error_of(csv_bytes(two_rows + "3,Trạm cân Văn Lâm\r\n"), "tram.csv")

    assert (error.code, error.params) == ("too_many_rows", {"limit": 2})
    assert [row.number for row in read_table(csv_bytes(two_rows), "tram.csv").rows] == [2, 4]


# XLSX


def test_the_merged_two_row_header_resolves_to_one_name_per_column():
    table = read_table(vilas_register_xlsx(), "vilas.xlsx")

    assert table.headers == VILAS_HEADERS
    assert (table.format, table.sheet, table.header_row) == ("xlsx", "Danh sách VILAS", 4)


def test_xlsx_row_numbers_are_the_spreadsheet_rows_across_the_blank_row():
    table = read_table(vilas_register_xlsx(), "vilas.xlsx")

    assert [row.number for row in table.rows] == [5, 6, 8, 9, 10]


def test_xlsx_text_is_trimmed_and_its_inner_spaces_collapsed():
    first, second, third = read_table(vilas_register_xlsx(), "vilas.xlsx").rows[:3]

    assert first.cells["Tên tổ chức"] == "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1"
    assert first.cells["Địa chỉ"] == "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội"
    assert second.cells["Địa chỉ"] == (
        "Số 49 Pasteur, phường Nguyễn Thái Bình, quận 1, TP. Hồ Chí Minh"
    )
    assert third.cells["Số hiệu VILAS"] == "VILAS 003"


def test_xlsx_dates_and_numbers_keep_their_type_and_text_stays_text():
    first, second, third = read_table(vilas_register_xlsx(), "vilas.xlsx").rows[:3]

    assert first.cells["STT"] == 1
    assert first.cells["Ngày cấp"] == datetime(2024, 3, 12)
    assert (first.cells["Kinh độ"], first.cells["Vĩ độ"]) == (105.8542, 21.0465)
    assert first.cells["Ngày hết hạn"] == "12/03/2029"
    assert second.cells["Ngày cấp"] == "1-7-25"
    assert third.cells["Ngày cấp"] == "2025-07-01"
    assert third.cells["Ngày hết hạn"] == datetime(2030, 6, 30)
    assert (third.cells["Kinh độ"], third.cells["Vĩ độ"]) == ("105,8542", "20.9935")


def test_an_unheaded_xlsx_column_with_data_is_named_by_its_letter_and_an_empty_one_dropped():
    table = read_table(vilas_register_xlsx(), "vilas.xlsx")

    assert table.headers[-1] == "Column K"
    assert [row.cells["Column K"] for row in table.rows] == ["", "Đang gia hạn", "", "", ""]


def test_a_merged_data_cell_keeps_its_value_in_its_first_row_only():
    rows = read_table(vilas_register_xlsx(), "vilas.xlsx").rows

    assert rows[3].cells["Tên tổ chức"] == "Công ty Cổ phần Chứng nhận và Giám định Vinacert"
    assert (rows[4].cells["STT"], rows[4].cells["Tên tổ chức"]) == ("", "")
    assert rows[4].cells["Địa chỉ"] == (
        "Lô A2, KCN Tân Tạo, phường Tân Tạo A, quận Bình Tân, TP. Hồ Chí Minh"
    )


def test_an_active_sheet_without_header_gives_way_to_the_first_sheet_with_one():
    table = read_table(vilas_register_xlsx(cover_sheet=True), "vilas.xlsx")

    assert (table.sheet, table.headers) == ("Danh sách VILAS", VILAS_HEADERS)


def test_a_workbook_with_no_header_on_any_sheet_is_refused_and_an_empty_one_is_empty():
    workbook = openpyxl.Workbook()
    empty = io.BytesIO()
    workbook.save(empty)
    workbook.active["A1"] = "Hướng dẫn nhập liệu"
    untitled = io.BytesIO()
    workbook.save(untitled)

    assert error_of(untitled.getvalue(), "vilas.xlsx").code == "no_header"
    assert error_of(empty.getvalue(), "vilas.xlsx").code == "empty_file"


def test_a_workbook_without_extension_is_recognised_by_its_content():
    assert read_table(vilas_register_xlsx(), "download").format == "xlsx"
    assert read_table(sites_geojson(), "download").format == "geojson"


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "Danh sach VILAS.xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "C:\\Users\\cb\\vilas.xlsx"),
        (b"<html><table><tr><td>STT</td></tr></table></html>", "xuat_bao_cao.xls"),
        (b"%PDF-1.7", "danh_sach.pdf"),
    ],
)
def test_old_excel_workbooks_and_other_formats_are_refused_with_advice_to_save_as_xlsx(
    data, filename
):
    error = error_of(data, filename)

    assert error.code == "unsupported_format"
    assert error.params == {"name": filename.rsplit("\\", 1)[-1]}
    assert ".xlsx" in str(error.message)
    assert "CSV UTF-8" in str(error.message)


def test_an_xlsx_renamed_to_xls_is_read_as_the_workbook_it_is():
    assert read_table(vilas_register_xlsx(), "vilas.xls").headers == VILAS_HEADERS


def test_a_damaged_workbook_is_unreadable():
    error = error_of(vilas_register_xlsx()[:2000], "vilas.xlsx")

    assert error.code == "unreadable"
    with translation.override("en"):
        assert str(error.message).startswith("The file could not be read: ")


# GeoJSON


def test_geojson_features_give_their_properties_lists_one_item_per_line_point_and_type():
    table = read_table(sites_geojson(), "phong_thi_nghiem.geojson")

    assert (table.format, table.header_row) == ("geojson", None)
    assert table.headers == [
        "STT",
        "Tên tổ chức",
        "Địa chỉ",
        "Số hiệu VILAS",
        "Lĩnh vực",
        "Ghi chú",
        "Điện thoại",
    ]
    assert table.rows[0] == SourceRow(
        number=1,
        cells={
            "STT": 1,
            "Tên tổ chức": "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1",
            "Địa chỉ": "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội",
            "Số hiệu VILAS": "VILAS 216",
            "Lĩnh vực": "Hóa học\nSinh học",  # a list, one item per line
            "Ghi chú": "",
            "Điện thoại": "",
        },
        point=(105.8542, 21.0465),
        geometry_type="Point",
    )
    assert [(row.number, row.point, row.geometry_type) for row in table.rows[1:]] == [
        (2, (106.7009, 10.7757), "Point"),
        (3, (108.2208, 16.0678), "Point"),
        (4, None, "Polygon"),
    ]
    assert table.rows[1].cells["Địa chỉ"] == (
        "Số 49 Pasteur, phường Nguyễn Thái Bình, quận 1, TP. Hồ Chí Minh"
    )


@pytest.mark.parametrize(
    "document",
    [
        {"type": "Feature", "geometry": None, "properties": {"Tên tổ chức": "Viện Đo lường"}},
        {"type": "FeatureCollection", "features": {"Tên tổ chức": "Viện Đo lường"}},
        {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": ["a"]}]},
        [{"Tên tổ chức": "Viện Đo lường Việt Nam"}],
    ],
)
def test_json_that_is_not_a_feature_collection_is_refused(document):
    data = json.dumps(document).encode()

    assert error_of(data, "phong_thi_nghiem.geojson").code == "not_geojson"


def test_broken_json_is_unreadable():
    error = error_of(sites_geojson()[:-40], "phong_thi_nghiem.geojson")

    assert error.code == "unreadable"


# Any table Excel could have written


HEADER_NAMES = ["STT", "Tên tổ chức", "Địa chỉ", "Kinh độ", "Vĩ độ", "Số hiệu VILAS", "Ghi chú"]
CELL_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12).filter(
    lambda text: not is_header(text)
)


@st.composite
def written_tables(draw):
    headers = draw(st.lists(st.sampled_from(HEADER_NAMES), min_size=2, max_size=5, unique=True))
    row = st.lists(CELL_TEXT, min_size=len(headers), max_size=len(headers))
    return headers, draw(st.lists(row, max_size=6))


def is_utf8(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(table=written_tables(), encoding=st.sampled_from(EXCEL_ENCODINGS))
def test_any_table_excel_could_write_reads_back_to_the_same_cells(table, encoding):
    headers, rows = table
    try:
        data = write_csv([headers, *rows], encoding, "\t" if encoding == "utf-16" else ",")
    except UnicodeEncodeError:
        assume(False)
    # cp1258 bytes that happen to be UTF-8 as well are read as UTF-8, as they should be.
    assume(encoding != "cp1258" or data.isascii() or not is_utf8(data))

    read = read_table(data, "bang.csv")

    assert read.headers == headers
    assert numbered_cells(read) == [
        (number, {header: cell(text) for header, text in zip(headers, row, strict=True)})
        for number, row in enumerate(rows, 2)
        if any(map(cell, row))
    ]
