"""A request body larger than MAX_REQUEST_BYTES is refused before a byte of it is read (413),
and so is a body without a declared length (411): nothing is stored, nothing fills memory."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from geodata.admin import MAX_IMPORT_MB
from geodata.models import Document, ImportRun

UPLOAD_URL = reverse("admin:geodata_importrun_add")
MB = 1024 * 1024
BOUNDARY = "hardening-test-boundary"


class EndlessUpload(io.RawIOBase):
    """The multipart body of a huge CSV file upload, made only as it is read, counting what is
    read: a form field's head, then rows of zeros."""

    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="registry.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.size - self.read_bytes)
        content = self.head[self.read_bytes : self.read_bytes + count]
        buffer[:count] = content + b"0" * (count - len(content))
        self.read_bytes += count
        return count


def post_upload(client, body: EndlessUpload, **meta):
    meta.setdefault("CONTENT_LENGTH", str(body.size))
    meta["CONTENT_TYPE"] = f"multipart/form-data; boundary={BOUNDARY}"
    return client.generic("POST", UPLOAD_URL, **{"wsgi.input": body}, **meta)


def stored_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


@pytest.fixture
def official(client, db):
    user = get_user_model().objects.create_superuser("official", password="a-long-password-1")
    client.force_login(user)
    return client


def test_a_200_mb_upload_is_refused_unread_and_nothing_is_stored(official, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path  # where Django would spool the upload
    files_before = stored_files()
    body = EndlessUpload(200 * MB)

    response = post_upload(official, body, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 413
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == (
        "The request is too large: at most 60 MB may be sent at once. Send a smaller file, "
        "or split it."
    )
    assert body.read_bytes == 0
    assert stored_files() == files_before
    assert not any(tmp_path.iterdir())
    assert not ImportRun.objects.exists()
    assert not Document.objects.exists()


def test_a_stranger_is_refused_the_same_way_before_any_sign_in_check(client, db):
    body = EndlessUpload(200 * MB)

    assert post_upload(client, body).status_code == 413
    assert body.read_bytes == 0


def test_the_api_refuses_in_json(client, db):
    body = EndlessUpload(200 * MB)

    response = client.generic(
        "POST",
        "/api/v1/sites/",
        CONTENT_LENGTH=str(body.size),
        CONTENT_TYPE="application/json",
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert set(response.json()) == {"detail"}
    assert body.read_bytes == 0


def test_a_body_without_its_length_is_refused_unread(official):
    body = EndlessUpload(200 * MB)

    response = post_upload(official, body, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked")

    assert response.status_code == 411
    assert body.read_bytes == 0
    assert not ImportRun.objects.exists()


def test_a_length_that_is_not_a_number_is_refused(official):
    body = EndlessUpload(10)

    assert post_upload(official, body, CONTENT_LENGTH="-5").status_code == 400
    assert body.read_bytes == 0


def test_a_body_within_the_limit_is_read_as_usual(official):
    response = official.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302


def test_the_limit_leaves_room_for_the_largest_upload_the_registry_accepts():
    form_overhead = MB
    largest = max(MAX_IMPORT_MB * MB, getattr(settings, "DOCUMENT_MAX_BYTES", 0))

    assert largest + form_overhead <= settings.MAX_REQUEST_BYTES
