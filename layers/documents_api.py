"""Document files, as downloads: the only door to them (media files are never served by path).

A public document of an organisation with a published site is for everyone; any other only for
those the rules allow (`geodata.view_document`: administrators, the officers of the provinces of
the organisation's sites, its representative). To anyone else it does not exist: a 404, as for a
number that was never used."""

import logging

from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from geodata.documents import content_disposition, download_name
from geodata.models import Document, Site
from layers import schemas

logger = logging.getLogger(__name__)

NOT_FOUND = _("No document that you may read has this number.")
# Public documents may be kept by shared caches for a while (an ETag, the file's SHA-256, makes
# revalidation cheap); a document made private leaves them within this time.
PUBLIC_MAX_AGE_SECONDS = 600
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Should a browser still render it, the file runs no script, loads nothing and has no origin.
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _documents():
    published_site = Site.objects.filter(organisation=OuterRef("organisation"), published=True)
    return Document.objects.annotate(organisation_published=Exists(published_site))


def _for_everyone(document) -> bool:
    return document.public and document.organisation_published


class DocumentDownload(APIView):
    permission_classes = ()  # who may read is decided for each document, below
    http_method_names = ["get", "head", "options"]  # and only read: anything else is a 405

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(description="The document file"),
            404: OpenApiResponse(schemas.NOT_FOUND),
        },
        parameters=[OpenApiParameter("document_id", int, OpenApiParameter.PATH)],
        operation_id="document_download",
        summary="A document file, as a download: public documents of published organisations "
        "for everyone, others for those allowed to read them",
    )
    def get(self, request, document_id: int):
        document = _documents().filter(pk=document_id).first()
        if document is None:
            raise Http404(NOT_FOUND)
        for_everyone = _for_everyone(document)
        if not for_everyone and not request.user.has_perm("geodata.view_document", document):
            raise Http404(NOT_FOUND)
        try:
            file = document.file.open("rb")
        except FileNotFoundError:
            logger.error("The file of document %s is missing: %s", document.pk, document.file.name)
            raise Http404(NOT_FOUND) from None
        response = FileResponse(file, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition(download_name(document))
        response["ETag"] = f'"{document.sha256}"'
        for header, value in SAFE_HEADERS.items():
            response[header] = value
        if for_everyone:
            response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE_SECONDS}"
        else:
            response["Cache-Control"] = "private, no-store"
        patch_vary_headers(response, ["Cookie", "Authorization"])
        conditional = get_conditional_response(request, etag=response["ETag"], response=response)
        if conditional is not response:  # a 304: the client has this very file
            response.close()
        return conditional
