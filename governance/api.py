"""The registry API, /api/v1/registry/ and /api/v1/change-requests/: the registry's records for
those with a role, by session or API key, each seeing and changing what the rules
(governance/rules.py) give their role. Who may do what is asked of the rules for every list
(as the scope's query filter) and every record (as `user.has_perm`), in RulesPermission and
RegistryViewSet below, never decided in a view.

A record of another province, or of another organisation, is not in the caller's lists: asking
for it by its id is a 404, as for an id never used. An officer's write is judged on the record as
it would be stored (a site moved to another province is refused). A representative's write
changes nothing in the registry: it becomes a change request (202 Accepted) that an officer of
the province approves or rejects (governance.services)."""

from collections.abc import Mapping

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from geodata.models import Document, Organisation, Site
from governance import scopes, services
from governance.models import ChangeRequest
from governance.scoped_admin import OUTSIDE_SCOPE, PROPOSAL_SENT
from governance.serializers import (
    CallerSerializer,
    ChangeRequestSerializer,
    DecisionSerializer,
    DocumentSerializer,
    OrganisationSerializer,
    ProposalSerializer,
    SiteSerializer,
    as_errors,
)

NOT_ALLOWED = _(
    "Your role does not allow this on this record. GET /api/v1/registry/me/ shows the role, "
    "province and organisation your session or API key acts for."
)
NOT_PROPOSABLE = _(
    "A representative may not set this field: it is for an officer of the province to decide "
    "(a proposal carrying it is refused as a forged approval). Leave it out."
)
NOT_OWN_ORGANISATION = _(
    "A representative proposes changes to their own organisation's records only."
)
UNAUTHORIZED = _("No credentials, or an API key that does not work")


ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "governance.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "An API key issued in the registry's administration (API tokens): "
                    "`Authorization: Bearer <key>`. It acts with its owner's rights."
                )
            ),
        }


def declare_unauthorized(result, generator, request, public):
    """Spectacular post-processing hook: every operation that accepts an API key may answer
    401 (a key revoked, expired or unknown), public reads included."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if any(requirement for requirement in operation.get("security", [])):
                operation.setdefault("responses", {}).setdefault(
                    "401",
                    {
                        "content": {"application/json": {"schema": ERROR}},
                        "description": str(UNAUTHORIZED),
                    },
                )
    return result


# Who may do what: the rules ------------------------------------------------------------------

RULE_ACTIONS = {
    "list": "view",
    "retrieve": "view",
    "metadata": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}


class RulesPermission(BasePermission):
    """Each request asks the rules the view names for its action (`view.rules()`): without a
    record first (may this user do it at all), then with the record it touches. Any one of
    them allows it (a representative's write is allowed by the rule to propose it)."""

    message = NOT_ALLOWED

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        if view.action is None:  # a method the view does not have: its 405 follows
            return True
        return any(request.user.has_perm(rule) for rule in view.rules())

    def has_object_permission(self, request, view, obj):
        return any(request.user.has_perm(rule, obj) for rule in view.rules())


class RegistryPaging(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


# The registry's records ----------------------------------------------------------------------


class RegistryViewSet(viewsets.GenericViewSet):
    """The records of `model` the user may see; writes judged by the rules on the record as it
    would be stored, cleaned by the model's own checks, or proposed by a representative."""

    model = None
    permission_classes = [RulesPermission]
    pagination_class = RegistryPaging
    parser_classes = [JSONParser]

    def get_queryset(self):
        return scopes.visible(self.request.user, self.model.objects.all())

    def rule(self, action_name):
        return f"geodata.{action_name}_{self.model._meta.model_name}"

    def rules(self):
        action_name = RULE_ACTIONS.get(self.action, self.action)
        if action_name in ("add", "change"):
            return [self.rule(action_name), self.rule("propose")]
        return [self.rule(action_name)]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        return self._write(serializer, "add", status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        return self._write(serializer, "change", status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _write(self, serializer, action_name, status_code):
        user = self.request.user
        proposes = user.has_perm(self.rule("propose"))  # a representative: never a direct write
        if proposes:
            self._refuse_unproposable(self.request.data)
        serializer.is_valid(raise_exception=True)
        record = serializer.build()
        if proposes:
            return self._propose(record, serializer.validated_data.get("file"))
        self._clean(record)  # first: the rules need a whole record (a document's organisation)
        if not user.has_perm(self.rule(action_name), record):
            raise PermissionDenied(OUTSIDE_SCOPE)
        with transaction.atomic():
            record.save()
        serializer.instance = record
        return Response(serializer.data, status=status_code)

    def _refuse_unproposable(self, data):
        if not isinstance(data, Mapping):
            return  # the serializer says what is wrong with it
        allowed = {*services.PROPOSABLE[self.model._meta.model_name], "id"}
        if self.model is Document:
            allowed.add("file")
        if forbidden := sorted(set(data) - allowed):
            raise ValidationError({name: [NOT_PROPOSABLE] for name in forbidden})

    def _propose(self, record, file):
        if not self.request.user.has_perm(self.rule("propose"), record):
            raise PermissionDenied(NOT_OWN_ORGANISATION)
        self._clean(record)
        try:
            change_request = services.propose(self.request.user, record, file)
        except DjangoValidationError as error:
            raise as_errors(error) from None
        change_request.detail = PROPOSAL_SENT % {"id": change_request.pk}
        answer = ProposalSerializer(change_request, context=self.get_serializer_context()).data
        return Response(
            answer, status=status.HTTP_202_ACCEPTED, headers={"Location": answer["url"]}
        )

    @staticmethod
    def _clean(record):
        """The model's own checks (a point outside Viet Nam, a file that is not a safe PDF, a
        tax code already used), as a 400 naming the fields."""
        try:
            record.full_clean()
        except DjangoValidationError as error:
            raise as_errors(error) from None


FIELD_ERRORS = {
    "type": "object",
    "description": "Each wrong field (or non_field_errors) with what is wrong",
    "additionalProperties": True,
}
ERRORS = {
    400: OpenApiResponse(FIELD_ERRORS, description="Wrong input, or not allowed input"),
    401: OpenApiResponse(ERROR, description=UNAUTHORIZED),
    403: OpenApiResponse(ERROR, description="The caller's role does not allow it"),
    404: OpenApiResponse(ERROR, description="No record the caller may see has this id"),
    429: OpenApiResponse(ERROR, description="Too many requests"),
}
PROPOSED = OpenApiResponse(
    ProposalSerializer,
    description="A representative's write: kept as a change request for an officer to decide",
)


def _responses(success, *codes):
    return {**success, **{code: ERRORS[code] for code in (*codes, 401, 429)}}


def registry_schema(serializer, writes=("create", "update", "partial_update", "destroy")):
    """The OpenAPI description of a registry view set: every answer it may give."""
    operations = {
        "list": extend_schema(responses=_responses({200: serializer(many=True)}, 400, 403)),
        "retrieve": extend_schema(responses=_responses({200: serializer}, 403, 404)),
        "create": extend_schema(responses=_responses({201: serializer, 202: PROPOSED}, 400, 403)),
        "update": extend_schema(
            responses=_responses({200: serializer, 202: PROPOSED}, 400, 403, 404)
        ),
        "partial_update": extend_schema(
            responses=_responses({200: serializer, 202: PROPOSED}, 400, 403, 404)
        ),
        "destroy": extend_schema(responses=_responses({204: None}, 403, 404)),
    }
    chosen = {"list", "retrieve", *writes}
    return extend_schema_view(**{name: spec for name, spec in operations.items() if name in chosen})


class SiteFilter(django_filters.FilterSet):
    organisation = django_filters.NumberFilter(field_name="organisation_id")
    province = django_filters.CharFilter(field_name="province__code", max_length=5)
    published = django_filters.BooleanFilter()

    class Meta:
        model = Site
        fields = []


@registry_schema(SiteSerializer)
class SiteViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, RegistryViewSet
):
    """Sites, with their point as GeoJSON."""

    model = Site
    serializer_class = SiteSerializer
    filterset_class = SiteFilter

    def get_queryset(self):
        return super().get_queryset().select_related("province", "commune")


class OrganisationFilter(django_filters.FilterSet):
    tax_code = django_filters.CharFilter(max_length=14)

    class Meta:
        model = Organisation
        fields = []


@registry_schema(OrganisationSerializer, writes=("create", "update", "partial_update"))
class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegistryViewSet):
    model = Organisation
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class DocumentFilter(django_filters.FilterSet):
    organisation = django_filters.NumberFilter(field_name="organisation_id")
    credential = django_filters.NumberFilter(field_name="credential_id")

    class Meta:
        model = Document
        fields = []


@registry_schema(DocumentSerializer, writes=("create",))
class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegistryViewSet):
    """Documents: uploaded as multipart/form-data with the PDF in `file`."""

    model = Document
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    parser_classes = [MultiPartParser, FormParser]
    http_method_names = ["get", "post", "head", "options"]


# Change requests -----------------------------------------------------------------------------


class ChangeRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ChangeRequest.Status.choices)
    target = django_filters.ChoiceFilter(choices=ChangeRequest.Target.choices)

    class Meta:
        model = ChangeRequest
        fields = []


DECIDED = _responses({200: ChangeRequestSerializer}, 400, 403, 404)


@extend_schema_view(
    list=extend_schema(responses=_responses({200: ChangeRequestSerializer(many=True)}, 400, 403)),
    retrieve=extend_schema(responses=_responses({200: ChangeRequestSerializer}, 403, 404)),
)
class ChangeRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """The change requests the caller decides (an officer: their province's) or proposed (a
    representative: their organisation's), with their outcome and reason."""

    serializer_class = ChangeRequestSerializer
    permission_classes = [RulesPermission]
    pagination_class = RegistryPaging
    filterset_class = ChangeRequestFilter
    parser_classes = [JSONParser, FormParser]

    def get_queryset(self):
        requests = ChangeRequest.objects.filter(scopes.change_requests_q(self.request.user))
        return requests.select_related("proposed_by", "decided_by")

    def rules(self):
        if self.action in ("approve", "reject"):
            return ["governance.decide_changerequest"]
        return ["governance.view_changerequest"]

    @extend_schema(request=DecisionSerializer, responses=DECIDED)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Write the proposed change to the registry (a new site is published)."""
        return self._decide(approving=True)

    @extend_schema(request=DecisionSerializer, responses=DECIDED)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Refuse the proposal; `reason` is required, and the proposer reads it."""
        return self._decide(approving=False)

    def _decide(self, approving):
        change_request, user = self.get_object(), self.request.user
        form = DecisionSerializer(data=self.request.data)
        form.is_valid(raise_exception=True)
        try:
            if approving:
                decided = services.approve(user, change_request)
            else:
                decided = services.reject(
                    user, change_request, form.validated_data.get("reason", "")
                )
        except DjangoValidationError as error:
            raise as_errors(error) from None
        return Response(self.get_serializer(decided).data)


# The caller ----------------------------------------------------------------------------------


class Caller(APIView):
    """Who the session or API key acts for: role, province, organisation, and the key."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=_responses({200: CallerSerializer}), operation_id="registry_me")
    def get(self, request):
        return Response(CallerSerializer(request.user, context={"request": request}).data)
