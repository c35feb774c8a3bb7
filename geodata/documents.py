"""Documents: what an uploaded file must be to enter the registry (a real PDF, within the size
limit, with nothing in it that runs code or reaches out), and the names it is downloaded under.

The content decides, never the file's name nor the type the browser claimed. The check reads the
PDF's object syntax twice: pypdf parses every indirect object the cross-reference table knows
(names with #xx escapes decoded, objects inside compressed object streams included), and a scan
of the raw bytes finds names in objects the table does not list (old revisions, orphans that a
reader rebuilding a damaged table would still find). Neither alone is enough. Page contents,
images and fonts are never decompressed: nothing dangerous is in them, and a small file can
decompress to gigabytes.
"""

import io
import re
import time
import unicodedata
import urllib.parse
import zlib
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# How much checking one file may cost: objects listed, objects visited (with the objects inside
# them), seconds, and bytes decompressed from one object stream (object streams hold object
# syntax only: a few megabytes in the largest real files). pypdf reads about 10,000 objects a
# second. Past a limit the file is refused as too complex, never accepted unchecked.
MAX_OBJECTS = 100_000
MAX_NODES = 2_000_000
MAX_SECONDS = 10.0
MAX_OBJECT_STREAM_BYTES = 16 * 1024 * 1024


class Finding(Enum):
    """What a PDF may not contain. Blocked: what runs code, starts a program, carries other
    files, or sends or fetches data by itself. A link the reader clicks (/URI to a web address,
    /GoTo within the file) is allowed: certificates link to the accreditation body's site."""

    JAVASCRIPT = _(
        "The PDF contains JavaScript, which is not allowed in the registry: print it to a new "
        "PDF without scripts and upload that."
    )
    LAUNCH = _(
        "The PDF contains an action that starts a program (/Launch), which is not allowed in "
        "the registry: print it to a new PDF and upload that."
    )
    EMBEDDED_FILE = _(
        "The PDF carries embedded files (attachments), which are not allowed in the registry: "
        "upload each document as its own PDF, or print this one to a new PDF without "
        "attachments and upload that."
    )
    RICH_MEDIA = _(
        "The PDF contains embedded multimedia (Flash, video or sound players), which is not "
        "allowed in the registry: print it to a new PDF and upload that."
    )
    XFA_FORM = _(
        "The PDF is an XFA form, which is not allowed in the registry: print it to a new PDF "
        "(a flat copy of the filled-in form) and upload that."
    )
    FORM_DATA = _(
        "The PDF contains a form that sends data to, or loads data from, another place, which "
        "is not allowed in the registry: print it to a new PDF and upload that."
    )
    OTHER_FILE = _(
        "The PDF contains a link that opens another file (on the computer or the network), "
        "which is not allowed in the registry: print it to a new PDF and upload that."
    )
    OPENS_WEB_ADDRESS = _(
        "The PDF opens a web address by itself when it is opened, which is not allowed in the "
        "registry: print it to a new PDF and upload that."
    )


# Names that are a finding wherever they appear in the object syntax, as a dictionary key or
# as a value (/S /Launch, /Type /EmbeddedFile, /Subtype /FileAttachment).
NAMES = {
    "JavaScript": Finding.JAVASCRIPT,
    "JS": Finding.JAVASCRIPT,
    "Launch": Finding.LAUNCH,
    "EmbeddedFiles": Finding.EMBEDDED_FILE,  # the catalogue's name tree of attachments
    "EmbeddedFile": Finding.EMBEDDED_FILE,  # an attached file's stream
    "FileAttachment": Finding.EMBEDDED_FILE,  # an annotation carrying a file
    "RichMedia": Finding.RICH_MEDIA,
    "RichMediaContent": Finding.RICH_MEDIA,
    "RichMediaExecute": Finding.RICH_MEDIA,
    "Rendition": Finding.RICH_MEDIA,  # plays media, and may carry a script
    "XFA": Finding.XFA_FORM,
    "SubmitForm": Finding.FORM_DATA,
    "ImportData": Finding.FORM_DATA,
    "GoToR": Finding.OTHER_FILE,  # opens another PDF, possibly on a network share
    "GoToE": Finding.OTHER_FILE,  # opens an embedded PDF
}
# Only meaningful as a dictionary key: the embedded-file streams of a file specification.
KEYS = {"EF": Finding.EMBEDDED_FILE}
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")
FILE_SCHEMES = ("file:", "\\\\", "smb:")

FILE_KINDS = [  # what a file that is not a PDF starts like, for the message
    ((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<meta"), _("an HTML page")),
    ((b"<?xml", b"<svg"), _("an XML or SVG file")),
    ((b"PK\x03\x04",), _("a ZIP archive, or a Word or Excel document")),
    ((b"\xd0\xcf\x11\xe0",), _("an older Word or Excel document")),
    ((b"{\\rtf",), _("an RTF document")),
    ((b"\xff\xd8\xff",), _("a JPEG image")),
    ((b"\x89PNG",), _("a PNG image")),
    ((b"GIF8",), _("a GIF image")),
    ((b"II*\x00", b"MM\x00*"), _("a TIFF image")),
    ((b"MZ", b"\x7fELF"), _("a program")),
    ((b"%!PS",), _("a PostScript file")),
]
PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")


class Unreadable(Exception):
    """The file cannot be read as a PDF; carries the message for the user."""


def check_pdf(uploaded_file) -> None:
    """Raise a ValidationError, saying what was found and what to do, unless the file is a PDF
    within DOCUMENT_MAX_BYTES, readable without a password, with at least one page, and with no
    JavaScript, launch action, embedded file, multimedia, XFA form, form submission, link to
    another file or web address opened by itself. The file is left at its start."""
    data = _read_within_limit(uploaded_file)
    _check_header(data)
    findings = _findings_in_bytes(data)
    try:
        findings |= _findings_in_objects(data)
    except Unreadable as problem:
        if not findings:  # what was found says more than "damaged"
            raise ValidationError(problem.args[0], code="unreadable") from None
    if findings:
        ordered = [finding for finding in Finding if finding in findings]
        raise ValidationError([ValidationError(f.value, code="forbidden") for f in ordered])


# Size and header ------------------------------------------------------------------------------


def _read_within_limit(uploaded_file) -> bytes:
    """The whole content, refused by its declared size before anything is read, and by what
    is read when the declared size was wrong."""
    limit = settings.DOCUMENT_MAX_BYTES
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(declared, limit)
    uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    uploaded_file.seek(0)
    if len(data) > limit:
        raise _too_large(declared if declared and declared > limit else len(data), limit)
    return data


def _too_large(size: int, limit: int) -> ValidationError:
    return ValidationError(
        _("The file is %(size)s; documents may be at most %(limit)s."),
        code="too_large",
        params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
    )


def _check_header(data: bytes) -> None:
    """A PDF starts with %PDF-1.x or %PDF-2.0 at its first byte. Readers tolerate up to a
    kilobyte of anything before it, which is how files that are both an HTML page and a PDF are
    made; no scanner or word processor writes one, so the registry does not accept it."""
    if not data:
        raise ValidationError(_("The file is empty. Upload the document as a PDF."), code="empty")
    if PDF_HEADER.match(data):
        return
    start = data[:64].lstrip(b"\xef\xbb\xbf\x00\t\n\x0c\r ").lower()
    for signatures, kind in FILE_KINDS:
        if start.startswith(tuple(s.lower() for s in signatures)):
            raise ValidationError(
                _("This file is not a PDF: it starts like %(kind)s. Upload the document as a PDF."),
                code="not_pdf",
                params={"kind": kind},
            )
    raise ValidationError(
        _("This file is not a PDF: it does not start with %PDF-. Upload the document as a PDF."),
        code="not_pdf",
    )


# The raw bytes --------------------------------------------------------------------------------

WHITE = rb"\x00\t\n\x0c\r "
STREAM_START = re.compile(rb">>[" + WHITE + rb"]*stream(?:\r\n|\n|\r)")
NAME = re.compile(rb"/([^" + WHITE + rb"()<>\[\]{}/%]+)")
ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _findings_in_bytes(data: bytes) -> set[Finding]:
    """The findings among the names written in the object syntax of the whole file, stream
    contents skipped (compressed bytes spell a short name like /JS by chance) except the
    object streams', which are decompressed within a bound."""
    findings, position, budget = set(), 0, MAX_OBJECT_STREAM_BYTES * 4
    while position < len(data):
        start = STREAM_START.search(data, position)
        syntax_end = start.end() if start else len(data)
        syntax = data[position:syntax_end]
        names = _names(syntax)
        findings |= {NAMES[n] for n in names if n in NAMES} | {KEYS[n] for n in names if n in KEYS}
        if start is None:
            break
        end = data.find(b"endstream", syntax_end)
        end = len(data) if end < 0 else end
        if budget > 0 and _is_object_stream(syntax):
            decoded = _inflate(data[syntax_end:end], min(budget, MAX_OBJECT_STREAM_BYTES))
            budget -= len(decoded)
            names = _names(decoded)
            findings |= {NAMES[n] for n in names if n in NAMES}
            findings |= {KEYS[n] for n in names if n in KEYS}
        position = end + len(b"endstream")
    return findings


def _names(syntax: bytes) -> set[str]:
    """The PDF names in a piece of object syntax, #xx escapes decoded (/J#61vaScript is
    /JavaScript to a reader)."""
    return {
        ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), raw).decode("latin-1")
        for raw in NAME.findall(syntax)
    }


def _is_object_stream(syntax: bytes) -> bool:
    dictionary = syntax[syntax.rfind(b"obj") :]
    names = _names(dictionary)
    return "ObjStm" in names and "FlateDecode" in names


def _inflate(compressed: bytes, limit: int) -> bytes:
    try:
        return zlib.decompressobj().decompress(compressed, limit)
    except zlib.error:
        return b""  # not for the raw scan to judge: pypdf reads what the table lists


# The objects ----------------------------------------------------------------------------------


TOO_COMPLEX = _(
    "The PDF is too complex to check. Print it to a new PDF (or save it again with a smaller "
    "size) and upload that."
)
DAMAGED = _(
    "The PDF is damaged or incomplete and cannot be read. Save or export it again as a PDF and "
    "upload that."
)
ENCRYPTED = _(
    "The PDF is encrypted (it has a password or restrictions). Upload a copy without a password "
    "or restrictions."
)
NO_PAGES = _("The PDF has no pages. Upload the document with its pages.")
# pypdf's limits while reading: object and cross-reference streams decompressed within a bound,
# and no outside program (jbig2dec) ever started.
READING_LIMITS = {
    "zlib_maximum_output_length": MAX_OBJECT_STREAM_BYTES,
    "lzw_maximum_output_length": MAX_OBJECT_STREAM_BYTES,
    "run_length_maximum_output_length": MAX_OBJECT_STREAM_BYTES,
    "stream_decoding_work_maximum_length": MAX_OBJECT_STREAM_BYTES * 4,
    "jbig2dec_binary": None,
}


class Budget:
    """Stops a check that visits too many objects or takes too long."""

    def __init__(self):
        self.nodes, self.deadline = 0, time.monotonic() + MAX_SECONDS

    def spend(self):
        self.nodes += 1
        if self.nodes > MAX_NODES or (self.nodes % 1000 == 0 and time.monotonic() > self.deadline):
            raise Unreadable(TOO_COMPLEX)


def _findings_in_objects(data: bytes) -> set[Finding]:
    """The findings in every object pypdf reads from the file. Raises Unreadable when it is
    damaged, encrypted, has no page or is past the limits."""
    with apply_configuration(**READING_LIMITS):
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise Unreadable(ENCRYPTED)
            if len(reader.pages) == 0:
                raise Unreadable(NO_PAGES)
            return _walk(reader)
        except Unreadable:
            raise
        except LimitReachedError as error:
            raise Unreadable(TOO_COMPLEX) from error
        # Any other failure of the parser on this input means the file cannot be trusted to be
        # read as its author's reader reads it.
        except Exception as error:
            raise Unreadable(DAMAGED) from error


def _walk(reader: PdfReader) -> set[Finding]:
    """Every indirect object the cross-reference table lists (in use, in object streams too)
    and the trailer, each with its direct objects; references are not followed, as every
    indirect object is visited in turn."""
    budget, findings = Budget(), set()
    references = [
        IndirectObject(number, generation, reader)
        for generation, numbers in reader.xref.items()
        for number in numbers
    ] + [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    if len(references) > MAX_OBJECTS:
        raise Unreadable(TOO_COMPLEX)
    stack = [reader.trailer]
    for reference in references:
        stack.append(reference.get_object())
        while stack:
            budget.spend()
            item = stack.pop()
            if isinstance(item, DictionaryObject):  # streams too: their dictionary only
                findings |= _findings_in_dictionary(item, budget)
                stack.extend(v for v in dict.values(item) if not isinstance(v, IndirectObject))
            elif isinstance(item, ArrayObject):
                stack.extend(v for v in list.__iter__(item) if not isinstance(v, IndirectObject))
    return findings


def _findings_in_dictionary(dictionary: DictionaryObject, budget: Budget) -> set[Finding]:
    findings = set()
    for key, value in dict.items(dictionary):
        name = str(key).removeprefix("/")
        if name in NAMES or name in KEYS:
            findings.add(NAMES.get(name) or KEYS[name])
        if isinstance(value, NameObject) and value[1:] in NAMES:
            findings.add(NAMES[value[1:]])  # a name value: /S /Launch, /Type /EmbeddedFile
    if dict.get(dictionary, "/S") == "/URI":
        findings |= _findings_in_link(dict.get(dictionary, "/URI"))
    automatic = [dict.get(dictionary, "/OpenAction")]
    additional = _resolved(dict.get(dictionary, "/AA"))
    if isinstance(additional, DictionaryObject):
        automatic += dict.values(additional)
    for action in _actions(automatic, budget):
        if dict.get(action, "/S") == "/URI":
            findings.add(Finding.OPENS_WEB_ADDRESS)
    return findings


def _findings_in_link(uri) -> set[Finding]:
    uri = _resolved(uri)
    if not isinstance(uri, bytes | str):
        return set()
    text = (uri.decode("latin-1") if isinstance(uri, bytes) else str(uri)).strip().lower()
    text = "".join(text.split())  # "java script:" with a tab inside is still a script
    if text.startswith(SCRIPT_SCHEMES):
        return {Finding.JAVASCRIPT}
    if text.startswith(FILE_SCHEMES):
        return {Finding.OTHER_FILE}
    return set()


def _actions(candidates, budget: Budget):
    """The action dictionaries among these objects, and the ones they chain to by /Next."""
    stack, seen = list(candidates), set()
    while stack:
        budget.spend()
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, ArrayObject):
            stack.extend(list.__iter__(item))
        elif isinstance(item, DictionaryObject):
            yield item
            if (following := dict.get(item, "/Next")) is not None:
                stack.append(following)


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


# Downloads ------------------------------------------------------------------------------------


def download_name(document) -> str:
    """The file name a document is downloaded under: its title (or number), as written, with
    no character a file system or a header could misread."""
    name = unicodedata.normalize("NFC", document.title or document.number or "")
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", "-", name)
    name = " ".join(name.split())[:150].strip(" .-") or f"document-{document.pk}"
    return f"{name}.pdf"


def ascii_name(name: str, suffix: str = ".pdf") -> str:
    """The same name in ASCII, for clients that do not read RFC 6266's filename*: diacritics
    dropped (đ as d), anything else not a letter, digit, dot or hyphen made a hyphen; it ends
    in `suffix`."""
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    stem = re.sub(r"[^A-Za-z0-9.]+", "-", plain.removesuffix(suffix)).strip("-.")
    return f"{stem or 'document'}{suffix}"


def content_disposition(name: str, suffix: str = ".pdf") -> str:
    """An attachment header naming the file in ASCII and, for clients that read it, in UTF-8."""
    encoded = urllib.parse.quote(name, safe="")
    return f"attachment; filename=\"{ascii_name(name, suffix)}\"; filename*=UTF-8''{encoded}"


class DownloadFileWidget(AdminFileWidget):
    """The admin's file input, its current file linked to a download view: media files are
    never served by their path. A subclass says which files the chooser offers first (`accept`)
    and where a stored file downloads (`link`)."""

    accept = ""

    def __init__(self, attrs=None):
        super().__init__({"accept": self.accept, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        stored = getattr(value, "instance", None)
        if context["widget"]["is_initial"] and stored is not None and stored.pk:
            context["widget"]["value"] = self.link(stored)
        return context

    def link(self, stored) -> "DownloadLink":
        raise NotImplementedError


@dataclass(frozen=True)
class DownloadLink:
    """What the file input shows of a stored file: its download name and address."""

    url: str
    name: str

    def __str__(self):
        return self.name


class DocumentFileWidget(DownloadFileWidget):
    accept = "application/pdf,.pdf"

    def link(self, document):
        return DownloadLink(reverse("layers:document", args=[document.pk]), download_name(document))
