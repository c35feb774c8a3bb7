import unicodedata

import pytest

from geodata.text import fold, nfc, normalise_standard_reference


def test_folding_removes_diacritics_and_makes_d_of_đ():
    assert fold("Kiểm Định CÂN  Đồng hồ nước") == "kiem dinh can dong ho nuoc"


def test_text_written_in_decomposed_form_is_stored_in_nfc():
    decomposed = unicodedata.normalize("NFD", "  Trạm   kiểm định ")
    assert nfc(decomposed) == "Trạm kiểm định"
    assert unicodedata.is_normalized("NFC", nfc(decomposed))


@pytest.mark.parametrize(
    ("written", "searchable"),
    [
        ("TCVN 6165:2009", "TCVN 6165:2009"),
        ("tcvn6165-2009", "TCVN 6165:2009"),
        ("TCVN 6165 : 2009", "TCVN 6165:2009"),
        ("QCVN 4 : 2009 / bkhcn", "QCVN 4:2009/BKHCN"),
        ("QCVN 01-1:2018/BYT", "QCVN 01-1:2018/BYT"),
        ("iso/iec 17025:2017", "ISO/IEC 17025:2017"),
        ("ISO 10012-1:2003", "ISO 10012-1:2003"),
        ("TCVN 7699-2-6:2009", "TCVN 7699-2-6:2009"),
        ("dlvn 17 : 2017", "ĐLVN 17:2017"),
        ("ASTM D 1298", "ASTM D 1298"),
        ("Phương pháp nội bộ", "PHƯƠNG PHÁP NỘI BỘ"),
    ],
)
def test_a_standard_reference_has_one_searchable_form_however_it_is_written(written, searchable):
    assert normalise_standard_reference(written) == searchable
