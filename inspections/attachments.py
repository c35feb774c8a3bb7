"""The files kept with a visit: a report as a PDF, checked exactly as the registry's documents are
(geodata.documents.check_pdf), or a photograph as a JPEG or PNG that Pillow reads; each within
DOCUMENT_MAX_BYTES. The content decides what a file is, never its name nor the type the browser
claimed; anything else is refused."""

import re
import unicodedata
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from geodata.documents import PDF_HEADER, check_pdf

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
SUFFIXES = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
KNOWN_SUFFIXES = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg"), PNG: (".png",)}
IMAGE_SIGNATURES = {b"\xff\xd8\xff": JPEG, b"\x89PNG\r\n\x1a\n": PNG}
PILLOW_FORMATS = {"JPEG": JPEG, "PNG": PNG}
MAX_ATTACHMENTS = 10
# What the file choosers offer first.
ACCEPT = "application/pdf,.pdf,image/jpeg,.jpg,.jpeg,image/png,.png"

NOT_ALLOWED = _(
    "This file is neither a PDF nor a JPEG or PNG photograph. Attach reports as PDF and "
    "photographs as JPEG or PNG."
)
BROKEN_IMAGE = _(
    "The photograph is damaged or is not really a %(format)s image. Save it again as JPEG or "
    "PNG and attach that."
)
TOO_MANY_PIXELS = _("The photograph has too many pixels. Attach a smaller copy of it.")


@dataclass(frozen=True)
class Checked:
    """An upload found acceptable: the file, the name it is downloaded under, its type."""

    file: object
    name: str
    content_type: str


def examine(upload) -> Checked:
    """The upload as an acceptable attachment, or a ValidationError naming the file and saying
    what is wrong with it and what to do."""
    try:
        content_type = _content_type(upload)
    except ValidationError as error:
        raise ValidationError(
            [
                ValidationError(
                    _("%(name)s: %(reason)s"),
                    code=problem.code or "invalid",
                    params={"name": upload.name, "reason": message},
                )
                for problem in error.error_list
                for message in problem
            ]
        ) from None
    return Checked(upload, download_name(upload.name, content_type), content_type)


def examined(uploads) -> list[Checked]:
    """Each upload examined (an upload already examined is taken as it is); every problem of
    every file is told at once."""
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append(upload if isinstance(upload, Checked) else examine(upload))
        except ValidationError as error:
            problems.extend(error.error_list)
    if problems:
        raise ValidationError(problems)
    return checked


def _content_type(upload) -> str:
    _check_size(upload)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            return _check_image(upload, content_type)
    claims_pdf = upload.name.lower().endswith(".pdf") or upload.content_type == PDF
    if PDF_HEADER.match(head) or claims_pdf:
        check_pdf(upload)  # says what the file is when it is no PDF at all
        return PDF
    raise ValidationError(NOT_ALLOWED, code="not_allowed")


def _check_size(upload) -> None:
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; attachments may be at most %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    if not upload.size:
        raise ValidationError(_("The file is empty."), code="empty")


def _check_image(upload, content_type: str) -> str:
    """Pillow reads the image's structure (a PNG's every chunk checksum) without decoding its
    pixels; a picture past Pillow's decompression-bomb limit is refused."""
    expected = next(name for name, known in PILLOW_FORMATS.items() if known == content_type)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                found = image.format
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(TOO_MANY_PIXELS, code="too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        found = None
    finally:
        upload.seek(0)
    if found != expected:
        raise ValidationError(BROKEN_IMAGE, code="broken_image", params={"format": expected})
    return content_type


def download_name(name: str, content_type: str) -> str:
    """The name as uploaded, in NFC, with no character a file system or a header could
    misread, ending in the suffix of what the file really is ("IMG_1.JPEG" is "IMG_1.jpg")."""
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", "-", unicodedata.normalize("NFC", name))
    stem, dot, suffix = name.rpartition(".")
    if not (dot and f".{suffix.lower()}" in KNOWN_SUFFIXES[content_type]):
        stem = name
    stem = " ".join(stem.split())[:150].strip(" .-")
    return f"{stem or 'attachment'}{SUFFIXES[content_type]}"
