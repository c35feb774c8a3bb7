"""/api/v1/certificates/: issued certificates for those who issue them, by session or API key
(the registry API's authentication, permissions, paging and throttling: governance/api.py).

POST a JSON list of up to 10,000 certificates (or one object): all are registered, signed and
logged in one transaction (201 with the report), or none (400 with every row's errors). A
certificate of another organisation or province is not in the caller's list: its id is a 404."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from certificates import services
from certificates.models import Certificate
from certificates.rules import sites_q
from certificates.serializers import (
    CertificateRowSerializer,
    CertificateSerializer,
    ReportSerializer,
    RevocationSerializer,
)
from governance.api import ERROR, ERRORS, RegistryPaging, RulesPermission
from governance.serializers import as_errors

NOT_ROWS = _("Send a JSON list of certificates, or one certificate as a JSON object.")

REPORTED = {
    201: OpenApiResponse(ReportSerializer, description="Every certificate registered"),
    400: OpenApiResponse(ReportSerializer, description="Nothing registered: every row's errors"),
    403: ERRORS[403],
    413: OpenApiResponse(ERROR, description="More than 10,000 certificates"),
    429: ERRORS[429],
}


class CertificateFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Certificate.Kind.choices)
    result = django_filters.ChoiceFilter(choices=Certificate.Result.choices)
    number = django_filters.CharFilter(max_length=60)
    serial_number = django_filters.CharFilter(max_length=80)
    site = django_filters.NumberFilter(field_name="site_id")
    revoked = django_filters.BooleanFilter(
        field_name="revoked_on", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Certificate
        fields = []


@extend_schema_view(
    list=extend_schema(
        responses={200: CertificateSerializer(many=True), **{c: ERRORS[c] for c in (400, 403, 429)}}
    ),
    retrieve=extend_schema(
        responses={200: CertificateSerializer, **{c: ERRORS[c] for c in (403, 404, 429)}}
    ),
)
class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The certificates the caller may issue and revoke: their organisation's (representatives),
    their province's (officers), all (central administrators)."""

    serializer_class = CertificateSerializer
    permission_classes = [RulesPermission]
    pagination_class = RegistryPaging
    filterset_class = CertificateFilter
    parser_classes = [JSONParser]
    lookup_value_regex = r"\d+"
    queryset = Certificate.objects.none()  # for the schema; get_queryset says what is seen

    def get_queryset(self):
        certificates = Certificate.objects.filter(sites_q(self.request.user, "site__"))
        return certificates.select_related("credential", "instrument_type", "key")

    def rules(self):
        verb = {"create": "add", "revoke": "revoke"}.get(self.action, "view")
        return [f"certificates.{verb}_certificate"]

    @extend_schema(
        request=CertificateRowSerializer(many=True),
        responses=REPORTED,
        description="Registers a batch of up to 10,000 certificates (a list, or one object): "
        "all of them, or none.",
    )
    def create(self, request, *args, **kwargs):
        rows = request.data if isinstance(request.data, list) else [request.data]
        if not all(isinstance(row, dict) for row in rows[:1]):
            return Response({"detail": NOT_ROWS}, status=status.HTTP_400_BAD_REQUEST)
        if len(rows) > services.MAX_ROWS:
            detail = services.message("too_many_rows", limit=services.MAX_ROWS, count=len(rows))
            return Response({"detail": detail}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        report = services.register(request.user, rows, source="api")
        answer = status.HTTP_201_CREATED if report.accepted else status.HTTP_400_BAD_REQUEST
        return Response(report.as_json(), status=answer)

    @extend_schema(
        request=RevocationSerializer,
        responses={
            200: CertificateSerializer,
            **{c: ERRORS[c] for c in (400, 403, 404, 429)},
        },
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the certificate from `revoked_on` (today by default); `reason` is required
        and shown to anyone who verifies it."""
        certificate = self.get_object()
        form = RevocationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            revoked = services.revoke(
                request.user,
                certificate,
                form.validated_data["reason"],
                form.validated_data.get("revoked_on"),
            )
        except DjangoValidationError as error:
            raise as_errors(error) from None
        return Response(self.get_serializer(revoked).data)
