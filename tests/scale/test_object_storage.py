"""Uploaded files in an S3-compatible bucket (django-storages, AWS_STORAGE_BUCKET_NAME), as every
app server of a scaled-out deployment shares them: a real S3 server (moto) on a free port, the
files stored and read back through the application's own paths, nothing on the local disk."""

import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer

from geodata.models import Document, ImportRun
from geodata.services.registry_import import import_registry
from inspections import services
from tests.factories import make_organisation, make_site
from tests.governance.conftest import officer  # noqa: F401  (the Hà Nội officer)
from tests.pdf_files import good_pdf

BUCKET = "map-portal-media"
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    """An empty bucket that the default storage writes to, as settings.py configures it from the
    environment; MEDIA_ROOT an empty folder that must stay empty."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **_keys())
    client.create_bucket(Bucket=BUCKET)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": _s3_storage(s3_endpoint)}
    yield client
    for stored in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=stored["Key"])
    client.delete_bucket(Bucket=BUCKET)
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing went to the local disk


def _keys() -> dict:
    return {name.lower(): value for name, value in KEYS.items()}


def _s3_storage(endpoint: str) -> dict:
    """What settings.py makes of AWS_STORAGE_BUCKET_NAME and AWS_S3_ENDPOINT_URL (checked by
    test_the_environment_puts_uploaded_files_in_the_bucket), with the keys given directly."""
    options = {"bucket_name": BUCKET, "endpoint_url": endpoint, "region_name": "us-east-1"}
    options |= {
        "access_key": KEYS["AWS_ACCESS_KEY_ID"],
        "secret_key": KEYS["AWS_SECRET_ACCESS_KEY"],
    }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**options, "file_overwrite": False},
    }


def stored(client, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def upload_form(organisation, content: bytes, public: bool) -> dict:
    form = {
        "kind": "certificate",
        "number": "216/2024",
        "title": "Chứng chỉ công nhận VILAS 216",
        "organisation": organisation.pk,
        "file": SimpleUploadedFile("chung-chi.pdf", content, content_type="application/pdf"),
    }
    return form | ({"public": "on"} if public else {})


def test_the_environment_puts_uploaded_files_in_the_bucket(bucket, s3_endpoint, tmp_path):
    environment = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "object-storage-test",
        "DATABASE_URL": "postgis://127.0.0.1:1/unused",  # nothing here queries
        "MEDIA_ROOT": str(tmp_path / "unused"),
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        **KEYS,
    }
    script = (
        "import django; django.setup()\n"
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import default_storage\n"
        "print(default_storage.save('documents/ab/x.pdf', ContentFile(b'%PDF-1.7 bytes')))\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "map_portal.settings"},
        capture_output=True,
        text=True,
        check=True,
    )

    assert done.stdout.strip() == "documents/ab/x.pdf"
    assert stored(bucket, "documents/ab/x.pdf") == b"%PDF-1.7 bytes"
    assert not (tmp_path / "unused").exists()


def test_a_document_uploaded_in_the_admin_is_downloaded_from_the_bucket(
    bucket, admin_client, client
):
    organisation = make_site(organisation=make_organisation()).organisation
    content = good_pdf()

    added = admin_client.post(
        reverse("admin:geodata_document_add"), upload_form(organisation, content, public=True)
    )

    assert added.status_code == 302
    document = Document.objects.get()
    assert keys(bucket) == [document.file.name]
    assert stored(bucket, document.file.name) == content
    response = client.get(reverse("layers:document", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["ETag"] == f'"{document.sha256}"'


def test_a_private_document_in_the_bucket_stays_private(bucket, admin_client, client):
    organisation = make_site(organisation=make_organisation()).organisation
    content = good_pdf()
    admin_client.post(
        reverse("admin:geodata_document_add"), upload_form(organisation, content, public=False)
    )
    document = Document.objects.get()
    url = reverse("layers:document", args=[document.pk])

    assert client.get(url).status_code == 404
    allowed = admin_client.get(url)
    assert b"".join(allowed.streaming_content) == content
    assert allowed["Cache-Control"] == "private, no-store"


def test_a_document_whose_object_is_gone_is_a_404_not_a_500(bucket, client, db):
    document = Document(kind="certificate", title="Quyết định", organisation=make_organisation())
    document.file = ContentFile(good_pdf(), name="qd.pdf")
    document.save()
    make_site(organisation=document.organisation)
    bucket.delete_object(Bucket=BUCKET, Key=document.file.name)

    assert client.get(reverse("layers:document", args=[document.pk])).status_code == 404


def test_a_visit_attachment_is_kept_in_the_bucket_and_downloaded_by_the_officer(
    bucket,
    client,
    officer,  # noqa: F811
):
    site = make_site("Trạm kiểm định cân Hà Nội")
    content = good_pdf()
    report = SimpleUploadedFile("Biên bản.pdf", content, content_type="application/pdf")
    data = {"visited_on": "2026-11-20", "inspector": "Trần Thị Bình", "outcome": "compliant"}
    visit = services.record_visit(officer, site, data, [report])
    attachment = visit.attachments.get()

    client.force_login(officer)
    response = client.get(reverse("inspections:attachment", args=[attachment.pk]))

    assert keys(bucket) == [attachment.file.name]
    assert b"".join(response.streaming_content) == content


def test_an_imported_file_is_kept_in_the_bucket_and_downloaded_from_the_admin(bucket, admin_client):
    content = "Tên tổ chức;Địa chỉ\nTrung tâm A;Hà Nội\n".encode()
    run = import_registry(content, "danh_sach.csv")

    response = admin_client.get(reverse("admin:geodata_importrun_file", args=[run.pk]))

    assert keys(bucket) == [run.file.name]
    assert b"".join(response.streaming_content) == content
    again = import_registry(content, "danh_sach.csv")  # the same bytes are not stored twice
    assert again.file.name == run.file.name
    assert ImportRun.objects.count() == 2
    assert keys(bucket) == [run.file.name]
