"""The registry's records and the change requests as the registry API reads and writes them.

A write is validated here and built into the record it would store, unsaved: the view then asks
the rules about that record, cleans it with the model's own checks, and saves or proposes it."""

import math

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from geodata.models import AdministrativeUnit, Authority, Credential, Document, Organisation, Site
from governance import scopes
from governance.models import ApiToken, ChangeRequest
from governance.roles import organisation_id_of, role_of

POINT_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
            "description": "longitude, latitude in decimal degrees (WGS 84)",
        },
    },
}


@extend_schema_field(POINT_SCHEMA)
class PointField(serializers.Field):
    """A point as GeoJSON: {"type": "Point", "coordinates": [longitude, latitude]} in WGS 84."""

    default_error_messages = {
        "invalid": _(
            'The location must be a GeoJSON point in WGS 84: {{"type": "Point", "coordinates": '
            "[longitude, latitude]}}, in decimal degrees."
        ),
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict) or data.get("type") != "Point":
            self.fail("invalid")
        coordinates = data.get("coordinates")
        if not isinstance(coordinates, list) or len(coordinates) != 2:
            self.fail("invalid")
        if not all(_is_finite_number(c) for c in coordinates):
            self.fail("invalid")
        return Point(float(coordinates[0]), float(coordinates[1]), srid=4326)

    def to_representation(self, value):
        return {"type": "Point", "coordinates": [value.x, value.y]}


def _is_finite_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class VisibleRecordField(serializers.PrimaryKeyRelatedField):
    """A registry record named by its id, among those the user may see (another's does not
    exist for them)."""

    def get_queryset(self):
        return scopes.visible(self.context["request"].user, super().get_queryset())


class UnitField(serializers.SlugRelatedField):
    """A current province or commune, by its code (National Statistics Office)."""

    def __init__(self, level, **kwargs):
        units = AdministrativeUnit.objects.filter(level=level, current=True)
        super().__init__(slug_field="code", queryset=units, **kwargs)


class RegistrySerializer(serializers.ModelSerializer):
    def build(self):
        """The record this write would store, unsaved. A new site or document of a
        representative belongs to their organisation."""
        record = self.instance if self.instance is not None else self.Meta.model()
        for name, value in self.validated_data.items():
            setattr(record, name, value)
        if record.pk is None and hasattr(record, "organisation_id") and not record.organisation_id:
            record.organisation_id = organisation_id_of(self.context["request"].user)
        return record


class OrganisationSerializer(RegistrySerializer):
    parent = VisibleRecordField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Organisation
        fields = [
            "id", "name_vi", "name_en", "short_name", "tax_code", "parent",
            "head_office_address", "website", "phone", "email", "source_url", "notes",
            "created_at", "updated_at",
        ]  # fmt: skip
        # The model's constraint (a tax code is unique) is checked when the record is cleaned.
        validators = []


class SiteSerializer(RegistrySerializer):
    organisation = VisibleRecordField(
        queryset=Organisation.objects.all(),
        required=False,
        help_text=_("The organisation's id; a representative's sites are their organisation's."),
    )
    province = UnitField("province", help_text=_("Code of the current province"))
    commune = UnitField(
        "commune", required=False, allow_null=True, help_text=_("Code of the current commune")
    )
    location = PointField()

    class Meta:
        model = Site
        fields = [
            "id", "organisation", "name", "kinds", "address", "province", "commune",
            "legacy_province_name", "legacy_district_name", "legacy_commune_name", "location",
            "location_method", "location_accuracy_m", "phone", "email", "opening_hours",
            "published", "created_at", "updated_at",
        ]  # fmt: skip


class DocumentSerializer(RegistrySerializer):
    organisation = VisibleRecordField(
        queryset=Organisation.objects.all(),
        required=False,
        help_text=_(
            "The organisation's id; a representative's documents are their organisation's."
        ),
    )
    credential = VisibleRecordField(
        queryset=Credential.objects.all(), required=False, allow_null=True
    )
    issuer = serializers.SlugRelatedField(
        slug_field="code", queryset=Authority.objects.all(), required=False, allow_null=True
    )
    file = serializers.FileField(
        write_only=True,
        max_length=None,
        help_text=_(
            "The document, a PDF: checked by its content (geodata.documents.check_pdf, run by "
            "the model's clean)"
        ),
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id", "organisation", "credential", "kind", "number", "title", "issuer",
            "issued_on", "valid_until", "public", "file", "sha256", "size_bytes",
            "download_url", "created_at", "updated_at",
        ]  # fmt: skip

    def get_download_url(self, document) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("layers:document", args=[document.pk])
        )


class ChangeRequestSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = ChangeRequest
        fields = [
            "id", "url", "organisation", "target", "object_id", "changes", "before",
            "has_file", "status", "reason", "proposed_by", "proposed_at", "decided_by",
            "decided_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, change_request) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("governance:change-request-detail", args=[change_request.pk])
        )

    def get_has_file(self, change_request) -> bool:
        return bool(change_request.file)


class ProposalSerializer(ChangeRequestSerializer):
    """The answer to a representative's write: the change request it became."""

    detail = serializers.CharField(read_only=True)

    class Meta(ChangeRequestSerializer.Meta):
        fields = ["detail", *ChangeRequestSerializer.Meta.fields]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("Why: required to reject; the proposer reads it."),
    )


class UnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="name_vi")


class TokenRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class CallerSerializer(serializers.Serializer):
    """Who the caller is to the registry: what a machine client checks its key with."""

    username = serializers.CharField()
    role = serializers.SerializerMethodField()
    province = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()
    token = serializers.SerializerMethodField()

    def get_role(self, user) -> str:
        return role_of(user).value

    @extend_schema_field(UnitSerializer(allow_null=True))
    def get_province(self, user):
        profile = getattr(user, "profile", None)
        if profile is None or profile.province is None:
            return None
        return UnitSerializer(profile.province).data

    @extend_schema_field(OrganisationRefSerializer(allow_null=True))
    def get_organisation(self, user):
        profile = getattr(user, "profile", None)
        if profile is None or profile.organisation is None:
            return None
        return OrganisationRefSerializer(profile.organisation).data

    @extend_schema_field(TokenRefSerializer(allow_null=True))
    def get_token(self, user):
        token = self.context["request"].auth
        return TokenRefSerializer(token).data if isinstance(token, ApiToken) else None


def as_errors(error: DjangoValidationError):
    """A model's ValidationError as a 400's body, field by field."""
    return serializers.ValidationError(serializers.as_serializer_error(error))
