"""The transparency log, public and read-only: the inclusion proof of a certificate's latest
entry, and the latest signed checkpoint. Hashes and signatures in base64url without padding."""

from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import transparency
from certificates.models import Checkpoint, LogEntry
from certificates.transparency import b64url, iso

MAX_AGE_SECONDS = 60


def checkpoint_json(made: Checkpoint) -> dict:
    return {
        "size": made.tree_size,
        "root": b64url(bytes(made.root_hash)),
        "chain": b64url(bytes(made.chain_hash)),
        "created_at": iso(made.created_at),
        "signed": True,
        "kid": made.key.kid,
        "signature": b64url(bytes(made.signature)),
    }


def current_head() -> dict:
    """The log's head now, unsigned: for an entry that no checkpoint covers yet."""
    size = transparency.size()
    chain = LogEntry.objects.filter(seq=size - 1).values_list("chain_hash", flat=True).first()
    return {
        "size": size,
        "root": b64url(transparency.root(size)),
        "chain": b64url(bytes(chain or transparency.GENESIS)),
        "created_at": None,
        "signed": False,
        "kid": None,
        "signature": None,
    }


class LogView(APIView):
    authentication_classes = ()
    permission_classes = [AllowAny]
    http_method_names = ["get", "head", "options"]

    @method_decorator(cache_control(public=True, max_age=MAX_AGE_SECONDS))
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


class Proof(LogView):
    @extend_schema(
        operation_id="certificate_log_proof",
        summary="The proof that a certificate's latest state is in the transparency log",
        description="The certificate's latest log entry, a tree head (the latest signed "
        "checkpoint when it covers the entry; otherwise the current root, unsigned, until the "
        "next checkpoint) and the RFC 6962 audit path from the entry's leaf hash to that root.",
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The proof"),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="Not in the log"),
        },
        tags=["certificates"],
    )
    def get(self, request, pk):
        entries = (
            LogEntry.objects.filter(certificate_id=pk) if pk < 2**63 else LogEntry.objects.none()
        )
        entry = entries.order_by("-seq").first()
        if entry is None:
            raise Http404(_("No such certificate in the log."))
        made = transparency.latest_checkpoint()
        head = checkpoint_json(made) if made and made.tree_size > entry.seq else current_head()
        path = transparency.inclusion_proof(entry.seq, head["size"])
        return Response(
            {
                "certificate": pk,
                "entry": {
                    "seq": entry.seq,
                    "event": entry.event,
                    "recorded_at": iso(entry.recorded_at),
                    "leaf_hash": b64url(bytes(entry.leaf_hash)),
                    "data": entry.data,
                },
                "tree_head": head,
                "audit_path": [b64url(sibling) for sibling in path],
            }
        )


class LatestCheckpoint(LogView):
    @extend_schema(
        operation_id="log_checkpoint",
        summary="The transparency log's latest signed checkpoint",
        description='The key signed the text "vn-qi-map transparency log\\n<size>\\n<root>\\n'
        '<chain>\\n<created_at>\\n"; its public key is in /.well-known/certificate-keys.json.',
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The checkpoint"),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No checkpoint yet"),
        },
        tags=["certificates"],
    )
    def get(self, request):
        made = transparency.latest_checkpoint()
        if made is None:
            raise Http404(_("The log has no checkpoint yet."))
        return Response(checkpoint_json(made))
