"""The four roles, and which one a user has."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Central administrator")
    PROVINCIAL_OFFICER = "provincial_officer", _("Provincial officer")
    REPRESENTATIVE = "representative", _("Organisation representative")
    PUBLIC = "public", _("Public")


def role_of(user) -> Role:
    """A superuser is a central administrator; a user without an active profile is public."""
    if not user or not user.is_authenticated or not user.is_active:
        return Role.PUBLIC
    if user.is_superuser:
        return Role.ADMINISTRATOR
    profile = getattr(user, "profile", None)
    return Role(profile.role) if profile else Role.PUBLIC


def province_id_of(user):
    """The province an officer answers for (None for any other role)."""
    if role_of(user) != Role.PROVINCIAL_OFFICER:
        return None
    return user.profile.province_id


def organisation_id_of(user):
    """The organisation a representative speaks for (None for any other role)."""
    if role_of(user) != Role.REPRESENTATIVE:
        return None
    return user.profile.organisation_id
