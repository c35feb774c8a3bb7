"""Who a user is in the registry, what organisations propose, and the keys of machine clients."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geodata.models import AdministrativeUnit, Organisation
from governance.roles import Role


class Profile(models.Model):
    """A user's role, with the province an officer answers for or the organisation a
    representative speaks for. A user without a profile (and not a superuser) is public."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    role = models.CharField(
        _("role"), max_length=20, choices=[c for c in Role.choices if c[0] != Role.PUBLIC]
    )
    province = models.ForeignKey(
        AdministrativeUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "province", "current": True},
        verbose_name=_("province"),
    )
    organisation = models.ForeignKey(
        Organisation,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="representatives",
        verbose_name=_("organisation"),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.ADMINISTRATOR, province=None, organisation=None)
                    | models.Q(
                        role=Role.PROVINCIAL_OFFICER, province__isnull=False, organisation=None
                    )
                    | models.Q(role=Role.REPRESENTATIVE, province=None, organisation__isnull=False)
                ),
                name="profile_role_matches_its_unit",
                violation_error_message=_(
                    "A provincial officer needs a province and no organisation; a representative "
                    "an organisation and no province; a central administrator neither."
                ),
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.get_role_display()}"


class ChangeRequest(models.Model):
    """A change an organisation proposes to its own records (a new site, a moved point, a new
    document, a corrected phone), kept apart from the registry until an officer of the right
    province approves it, or rejects it with a reason."""

    class Target(models.TextChoices):
        ORGANISATION = "organisation", _("organisation")
        SITE = "site", _("site")
        DOCUMENT = "document", _("document")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    organisation = models.ForeignKey(
        Organisation, models.CASCADE, related_name="change_requests", verbose_name=_("organisation")
    )
    target = models.CharField(_("record"), max_length=12, choices=Target.choices)
    object_id = models.BigIntegerField(
        _("record id"), null=True, blank=True, help_text=_("Empty for a new record.")
    )
    changes = models.JSONField(_("proposed values"), default=dict)
    before = models.JSONField(_("values when proposed"), default=dict)
    file = models.FileField(_("file"), upload_to="proposals/", blank=True, max_length=200)
    provinces = ArrayField(
        models.BigIntegerField(), verbose_name=_("provinces that decide"), default=list
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="change_requests",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-proposed_at", "-id"]
        indexes = [
            GinIndex(fields=["provinces"], name="change_request_provinces"),
            models.Index(fields=["status", "proposed_at"], name="change_request_queue"),
        ]

    def __str__(self):
        return _("Change request %(id)s") % {"id": self.pk}


TOKEN_PREFIX_LENGTH = 8


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(
            models.Q(expires_at=None) | models.Q(expires_at__gt=now),
            revoked_at=None,
            user__is_active=True,
        )


class ApiToken(models.Model):
    """A key for a machine client (another government system, an organisation submitting
    data). It acts as its owner, with exactly the owner's rights; only its digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses it."))
    prefix = models.CharField(_("prefix"), max_length=TOKEN_PREFIX_LENGTH, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, name, expires_at=None) -> tuple["ApiToken", str]:
        """A new token and its key, which is shown once and never stored."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=key[:TOKEN_PREFIX_LENGTH],
            digest=token_digest(key),
            expires_at=expires_at,
        )
        return token, key

    def revoke(self):
        self.revoked_at = self.revoked_at or timezone.now()
        self.save(update_fields=["revoked_at"])
