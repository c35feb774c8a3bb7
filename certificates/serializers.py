"""The JSON of issued certificates in the API: a row as submitted, a registration's report, a
stored certificate, a revocation."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from certificates import signing
from certificates.models import Certificate


class CertificateRowSerializer(serializers.Serializer):
    """A certificate as submitted: documents the request; certificates.services checks it."""

    site = serializers.IntegerField(help_text=_("The issuing site's ID in the registry."))
    credential = serializers.CharField(
        help_text=_("The number (as issued) or the ID of the credential it was issued under.")
    )
    kind = serializers.ChoiceField(Certificate.Kind.choices)
    number = serializers.CharField(max_length=60, help_text=_("The number as printed."))
    instrument_type = serializers.CharField(
        required=False, help_text=_("The measuring-instrument type's code (verification).")
    )
    subject = serializers.CharField(required=False, max_length=255)
    maker = serializers.CharField(required=False, max_length=120)
    model = serializers.CharField(required=False, max_length=120)
    serial_number = serializers.CharField(required=False, max_length=80)
    owner = serializers.CharField(required=False, max_length=255)
    place_of_use = serializers.CharField(required=False, max_length=500)
    issued_on = serializers.DateField()
    valid_until = serializers.DateField(required=False)
    result = serializers.ChoiceField(
        Certificate.Result.choices,
        required=False,
        help_text=_("passed or failed for a verification; issued (or none) otherwise."),
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("The row's position in the batch, from 1 (0: all)."))
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class RegisteredSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    verification_url = serializers.URLField()


class ReportSerializer(serializers.Serializer):
    """What a registration did: all rows registered, or none and every error."""

    source = serializers.CharField()
    rows = serializers.IntegerField()
    accepted = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    created = serializers.IntegerField()
    refused_rows = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)
    certificates = RegisteredSerializer(many=True)


class CertificateSerializer(serializers.ModelSerializer):
    credential_number = serializers.CharField(source="credential.number", read_only=True)
    instrument_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    key = serializers.SlugRelatedField(slug_field="kid", read_only=True)
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id", "kind", "number", "site", "credential", "credential_number",
            "instrument_type", "subject", "maker", "model", "serial_number", "owner",
            "place_of_use", "issued_on", "valid_until", "result", "revoked_on",
            "revocation_reason", "submitted_at", "key", "verification_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_verification_url(self, certificate) -> str:
        return signing.verification_url(certificate)


class RevocationSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text=_("Why: shown to anyone who verifies the certificate.")
    )
    revoked_on = serializers.DateField(required=False, help_text=_("Today when not given."))
