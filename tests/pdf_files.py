"""PDF files for tests, written byte by byte as an attacker would write them: a one-page document
with whatever the test adds to its catalogue, its page or its objects."""

import io
import re
import zlib

from fpdf import FPDF

CONTENT = b"BT /F1 12 Tf 72 720 Td (Giay chung nhan dang ky hoat dong) Tj ET"


def good_pdf(text="Giay chung nhan dang ky hoat dong", link=None) -> bytes:
    """A real one-page PDF as fpdf2 writes it, with a clickable web link if asked."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text=text, link=link or "")
    return bytes(document.output())


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def _base_objects(catalogue: bytes, page: bytes, content: bytes) -> list[bytes]:
    font = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    return [
        b"<< /Type /Catalog /Pages 2 0 R " + catalogue + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
        + font
        + b" /Contents 4 0 R "
        + page
        + b" >>",
        content,
    ]


def pdf(catalogue=b"", page=b"", objects=(), unlisted=(), trailer=b"", content=None) -> bytes:
    """Objects 1 to 4 are the catalogue, the page tree, the page and its content; `objects`
    are numbered from 5 on; `unlisted` objects are written in the file after them but left out
    of the cross-reference table, as a reader rebuilding a damaged table would still find them."""
    bodies = [*_base_objects(catalogue, page, content or stream(b"", CONTENT)), *objects]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    for number, body in enumerate(unlisted, start=len(bodies) + 1):
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s >>\n" % (len(bodies) + 1, trailer))
    out.write(b"startxref\n%d\n%%%%EOF\n" % start)
    return out.getvalue()


def revised(original: bytes, number: int, body: bytes) -> bytes:
    """The file with an incremental update that replaces object `number` by `body`: the old
    object stays in the bytes, out of the latest cross-reference table's reach."""
    previous = int(original.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    size = int(re.search(rb"/Size (\d+)", original)[1])
    added = b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (number, len(original))
    trailer = b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\n" % (size, previous)
    start = len(original) + len(added)
    return original + added + table + trailer + b"startxref\n%d\n%%%%EOF\n" % start


def object_stream(first_number: int, objects: list[bytes], ascii_hex=False, padding=0) -> bytes:
    """An object stream, compressed, holding these objects numbered from first_number on;
    `ascii_hex` adds a second filter, `padding` that many spaces after the objects."""
    header, body = [], b""
    for number, content in enumerate(objects, start=first_number):
        header.append(b"%d %d" % (number, len(body)))
        body += content + b"\n"
    index = b" ".join(header) + b"\n"
    compressor = zlib.compressobj(9)
    data = compressor.compress(index + body)
    for _ in range(padding // 2**20):
        data += compressor.compress(b" " * 2**20)
    data += compressor.flush()
    filters = b"/FlateDecode"
    if ascii_hex:
        data, filters = data.hex().encode() + b">", b"[/ASCIIHexDecode /FlateDecode]"
    dictionary = b"/Type /ObjStm /N %d /First %d /Filter %s" % (len(objects), len(index), filters)
    return stream(dictionary, data)


def pdf_with_object_stream(catalogue=b"", page=b"", compressed=(), **options) -> bytes:
    """A PDF 1.5 file whose `compressed` objects, numbered from 6 on, are in a compressed object
    stream (object 5, made with these `options`) listed by a cross-reference stream: nothing of
    them is in plain bytes."""
    bodies = [
        *_base_objects(catalogue, page, stream(b"", CONTENT)),
        object_stream(6, list(compressed), **options),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref_number = len(bodies) + len(compressed) + 1
    rows = [b"\x00" + (0).to_bytes(4) + (65535).to_bytes(2)]
    rows += [b"\x01" + offset.to_bytes(4) + (0).to_bytes(2) for offset in offsets]
    rows += [b"\x02" + (5).to_bytes(4) + index.to_bytes(2) for index in range(len(compressed))]
    rows += [b"\x01" + out.tell().to_bytes(4) + (0).to_bytes(2)]
    xref = stream(
        b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % (xref_number + 1), b"".join(rows)
    )
    start = out.tell()
    out.write(b"%d 0 obj\n%s\nendobj\n" % (xref_number, xref))
    out.write(b"startxref\n%d\n%%%%EOF\n" % start)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(good_pdf())))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
