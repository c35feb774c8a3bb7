"""Vietnamese text: NFC storage form, accent folding for matching, standard references."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """The stored and displayed form: NFC, trimmed, inner runs of white space made one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def fold(text: str) -> str:
    """The matching form: lower case, no diacritics, đ as d ("Kiểm Định" -> "kiem dinh")."""
    decomposed = unicodedata.normalize("NFD", nfc(text).lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_WORD = re.compile(r"[a-z0-9#]+")


def words(text: str) -> str:
    """The words of a text in matching form, one space apart: "Tỉnh/TP." -> "tinh tp"."""
    return " ".join(_WORD.findall(fold(text)))


_REFERENCE = re.compile(
    r"""^\s*(?P<body>(?:ISO/IEC|ISO/TS|ISO|IEC|TCVN|QCVN|ASTM|EN|AOAC|SMEWW|EPA|JIS|BS|DIN|OIML|ĐLVN|DLVN)
        [\s.\-]*[A-Z]{0,2}[\s\-]*
        \d[\d.\-]*?)       # document number, possibly with parts: 6165, 17025, 4, 01-1
        (?:\s*[:\-]\s*(?P<year>(?:19|20)\d\d))?   # edition year
        (?:\s*/\s*(?P<issuer>[A-ZĐ\-]+))?          # QCVN issuer: BKHCN, BYT, BTNMT
        \s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def normalise_standard_reference(text: str) -> str:
    """The searchable form of a standard or regulation reference, however it was written:
    "tcvn6165-2009" -> "TCVN 6165:2009", "QCVN 4 : 2009 / bkhcn" -> "QCVN 4:2009/BKHCN".
    Text that is not such a reference is returned in NFC, upper case."""
    written = nfc(text)
    match = _REFERENCE.match(written)
    if not match:
        return written.upper()
    body = match["body"].upper().replace("DLVN", "ĐLVN")
    prefix, number = re.match(r"([A-ZĐ/]+)[\s.\-]*(.*)", body).groups()
    reference = f"{prefix} {_SPACES.sub(' ', number).replace(' -', '-').strip()}"
    if match["year"]:
        reference += f":{match['year']}"
    if match["issuer"]:
        reference += f"/{match['issuer'].upper()}"
    return reference
