"""Registry files as officials keep them today, built as bytes for the importer's tests: title
rows, merged two-row headers, blank rows, stray spaces, dates in every form, Excel's encodings."""

import csv
import io
import json
import unicodedata
from datetime import date

import openpyxl
from openpyxl.styles import Border, Side

EXCEL_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1258")

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below


def _cp1258_form(character: str) -> str:
    """A character as Windows-1258 holds it: itself, or a base letter it has and tone marks."""
    try:
        character.encode("cp1258")
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFD", character)
        base = "".join(mark for mark in decomposed if mark not in _TONE_MARKS)
        form = unicodedata.normalize("NFC", base) + "".join(
            mark for mark in decomposed if mark in _TONE_MARKS
        )
        if unicodedata.normalize("NFC", form) != character:
            raise UnicodeEncodeError("cp1258", character, 0, 1, "no equivalent form") from None
        return form
    return character


def encode_like_excel(text: str, encoding: str) -> bytes:
    """Text as Excel saves it: "utf-8-sig" (CSV UTF-8), "utf-16" (Unicode Text, with BOM),
    "cp1258" (CSV on a Vietnamese Windows: "ế" as "ê" and a combining acute) or plain "utf-8"."""
    if encoding == "cp1258":
        nfc = unicodedata.normalize("NFC", text)
        return "".join(map(_cp1258_form, nfc)).encode("cp1258")
    return text.encode(encoding)


def write_csv(rows: list[list[object]], encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return encode_like_excel(out.getvalue(), encoding)


PROVINCIAL_HEADERS = [
    "Tên đơn vị",
    "Mã số thuế",
    "Loại hình",
    "Địa chỉ",
    "Tỉnh/TP",
    "Điện thoại",
    "Số GCN đăng ký",
    "Ngày cấp",
    "Tọa độ X (VN-2000)",
    "Tọa độ Y (VN-2000)",
    "Kinh tuyến trục",
]


def _padded(*cells: str) -> list[str]:
    """A row as Excel saves it in CSV: as wide as the table, empty cells and all."""
    return [*cells, *[""] * (len(PROVINCIAL_HEADERS) - len(cells))]


def provincial_csv(encoding: str = "utf-8-sig", delimiter: str | None = None) -> bytes:
    """A provincial department's list of verification stations, saved from Excel: two title
    lines and a blank one above the header (line 4), a blank line among the data (line 7)."""
    rows = [
        _padded("SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH HƯNG YÊN"),
        _padded("Danh sách tổ chức kiểm định phương tiện đo đã đăng ký (cập nhật 30/6/2026)"),
        _padded(),
        PROVINCIAL_HEADERS,
        [
            "Trạm kiểm định đồng hồ nước\nCông ty Cổ phần Nước sạch Hưng Yên",
            "0900123456",
            "  Kiểm định  ",
            "Số 12 đường Nguyễn Văn Linh, phường Hiến Nam, thành phố Hưng Yên, tỉnh Hưng Yên",
            "Hưng Yên",
            "0221 3862 456",
            "12/ĐK-SKHCN",
            "12/03/2024",
            "2283456.78",
            "562345.12",
            "105°30'",
        ],
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
        _padded(),
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
    ]
    if delimiter is None:
        delimiter = "\t" if encoding == "utf-16" else ","
    return write_csv(rows, encoding, delimiter)


def _merge(sheet, cells: str, value: object) -> None:
    sheet[cells.split(":")[0]] = value
    sheet.merge_cells(cells)


def vilas_register_xlsx(cover_sheet: bool = False) -> bytes:
    """The accreditation office's register: a title merged across the sheet (row 1), a blank row,
    a two-row header (rows 3-4: "Tọa độ" over "Kinh độ"/"Vĩ độ", the others merged down both
    rows), an unheaded notes column K, a bordered empty column L, data from row 5 with a blank row
    7 and an organisation merged over its two sites (rows 9-10). With cover_sheet, a sheet of
    instructions comes first and is the active one."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách VILAS"
    _merge(sheet, "A1:K1", "DANH SÁCH TỔ CHỨC ĐƯỢC CÔNG NHẬN")
    headers = ["STT", "Tên tổ chức", "Địa chỉ", "Số hiệu VILAS", "Ngày cấp", "Ngày hết hạn"]
    for column, header in zip("ABCDEFG", [*headers, "Lĩnh vực"], strict=True):
        _merge(sheet, f"{column}3:{column}4", header)
    _merge(sheet, "H3:I3", "Tọa độ")
    sheet["H4"], sheet["I4"] = "Kinh độ", "Vĩ độ"
    _merge(sheet, "J3:J4", "Người liên hệ")
    rows = {
        5: [
            1,
            "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1   ",
            "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội ",
            "VILAS 216",
            date(2024, 3, 12),
            "12/03/2029",
            "Hóa học; Sinh học",
            105.8542,
            21.0465,
            "Nguyễn Văn An",
        ],
        6: [
            2,
            "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3",
            "Số 49 Pasteur,  phường Nguyễn Thái Bình, quận 1, TP. Hồ Chí Minh",
            "VILAS 004",
            "1-7-25",
            "30/06/2030",
            "Cơ; Điện – Điện tử",
            "106,7009",
            "10,7757",
            "Trần Thị Bình",
            "Đang gia hạn",
        ],
        8: [
            3,
            "Viện Vật liệu xây dựng",
            "235 Nguyễn Trãi, phường Thanh Xuân Trung, quận Thanh Xuân, Hà Nội",
            " VILAS 003 ",
            "2025-07-01",
            date(2030, 6, 30),
            "Vật liệu xây dựng",
            "105,8542",
            "20.9935",
        ],
        9: [
            4,
            "Công ty Cổ phần Chứng nhận và Giám định Vinacert",
            "Tầng 4, 78 Duy Tân, phường Dịch Vọng Hậu, quận Cầu Giấy, Hà Nội",
            "VILAS 1155",
        ],
        10: [
            None,
            None,
            "Lô A2, KCN Tân Tạo, phường Tân Tạo A, quận Bình Tân, TP. Hồ Chí Minh",
            "VILAS 1155",
        ],
    }
    for row, values in rows.items():
        for column, value in enumerate(values, 1):
            sheet.cell(row, column, value)
    for cell in ("E5", "F8"):
        sheet[cell].number_format = "dd/mm/yyyy"
    sheet.merge_cells("A9:A10")
    sheet.merge_cells("B9:B10")
    sheet["L3"].border = Border(left=Side(style="thin"))
    if cover_sheet:
        cover = workbook.create_sheet("Hướng dẫn", 0)
        cover["A1"] = "Hướng dẫn: điền mỗi tổ chức một dòng, không sửa tên cột."
        workbook.active = cover
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _site(number: int, name: str, geometry: dict, **properties: object) -> dict:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"STT": number, "Tên tổ chức": name, **properties},
    }


def sites_geojson() -> bytes:
    """Sites exported from a GIS: three points (one with an elevation, one with a property only
    it has) and an outdoor test field drawn as a polygon."""
    collection = {
        "type": "FeatureCollection",
        "name": "phong_thi_nghiem",
        "features": [
            _site(
                1,
                "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1",
                {"type": "Point", "coordinates": [105.8542, 21.0465, 12.0]},
                **{
                    "Địa chỉ": "Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội",
                    "Số hiệu VILAS": "VILAS 216",
                    "Lĩnh vực": ["Hóa học", "Sinh học"],
                    "Ghi chú": None,
                },
            ),
            _site(
                2,
                "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3",
                {"type": "Point", "coordinates": [106.7009, 10.7757]},
                **{
                    "Địa chỉ": unicodedata.normalize(
                        "NFD", "Số 49 Pasteur, phường Nguyễn Thái Bình, quận 1, TP. Hồ Chí Minh  "
                    ),
                    "Số hiệu VILAS": "VILAS 004",
                    "Điện thoại": "028 3829 4274",
                },
            ),
            _site(
                3,
                "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 2",
                {"type": "Point", "coordinates": [108.2208, 16.0678]},
                **{
                    "Địa chỉ": "97 Lý Thái Tổ, quận Thanh Khê, Đà Nẵng",
                    "Số hiệu VILAS": "VILAS 108",
                },
            ),
            _site(
                4,
                "Bãi thử nghiệm ngoài trời Hòa Lạc",
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[105.52, 21.01], [105.53, 21.01], [105.53, 21.02], [105.52, 21.01]]
                    ],
                },
                **{"Địa chỉ": "Khu công nghệ cao Hòa Lạc, Hà Nội"},
            ),
        ],
    }
    return json.dumps(collection, ensure_ascii=False).encode()
