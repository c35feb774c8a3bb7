import pytest

from geodata.importers.columns import map_columns, recognise


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Tên tổ chức", "organisation_name"),
        ("Ten to chuc", "organisation_name"),
        ("TÊN TỔ CHỨC", "organisation_name"),
        ("Organisation name", "organisation_name"),
        ("Organization Name", "organisation_name"),
        ("Địa chỉ", "address"),
        ("Kinh độ", "longitude"),
        ("Vĩ độ (WGS84)", "latitude"),
        ("Tỉnh/TP", "province"),
        ("Mã số thuế (*)", "tax_code"),
        ("Ngày hết hạn:", "valid_until"),
        ("Tọa độ X (VN-2000)", "vn2000_x"),
        ("Kinh tuyến trục", "vn2000_zone"),
        ("E-mail", "email"),
    ],
)
def test_headers_are_recognised_in_either_language_with_or_without_diacritics(header, field):
    assert recognise(header) == field


def test_a_header_naming_a_scheme_is_a_credential_number_column():
    assert recognise("Số hiệu VILAS") == "credential_number"
    assert recognise("VICAS") == "credential_number"


def test_unknown_and_repeated_columns_are_reported_not_dropped():
    mapping = map_columns(["STT", "Tên tổ chức", "Người liên hệ", "Địa chỉ", "Address", ""])
    assert mapping.headers == {
        "row_number": "STT",
        "organisation_name": "Tên tổ chức",
        "address": "Địa chỉ",
    }
    assert mapping.unknown == ["Người liên hệ"]
    assert mapping.repeated == ["Address"]
