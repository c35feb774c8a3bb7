"""Field visits: the plans inspectors make, the visits they record and the complaints that send
them out. Officials only; an officer's plans and visits stay within their province."""

import uuid
from datetime import time

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geodata.models import AdministrativeUnit, ServiceKind, Site

# Minutes a visit takes by service, when the plan does not say otherwise.
DEFAULT_VISIT_MINUTES = {
    ServiceKind.VERIFICATION: 90,
    ServiceKind.CALIBRATION: 120,
    ServiceKind.TESTING: 120,
    ServiceKind.CERTIFICATION: 90,
    ServiceKind.INSPECTION: 90,
    ServiceKind.ACCREDITATION: 60,
}


def default_visit_minutes():
    return {str(kind): minutes for kind, minutes in DEFAULT_VISIT_MINUTES.items()}


class Complaint(models.Model):
    """A complaint about a site, open until it is closed: it puts the site on the planner's
    "open complaint" list."""

    site = models.ForeignKey(
        Site, models.CASCADE, related_name="complaints", verbose_name=_("site")
    )
    received_on = models.DateField(_("received on"))
    summary = models.TextField(_("what the complaint says"))
    source = models.CharField(_("from"), max_length=255, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "-id"]

    def __str__(self):
        return f"{self.site} · {self.received_on:%d/%m/%Y}"


class Plan(models.Model):
    """A tour of visits: where it starts and ends, the days and hours, the stops in order."""

    class Distances(models.TextChoices):
        GEODESIC = "geodesic", _("straight-line distance × detour factor")
        ROADS = "roads", _("road distance (OSRM)")

    title = models.CharField(_("title"), max_length=200)
    province = models.ForeignKey(
        AdministrativeUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "province", "current": True},
        verbose_name=_("province"),
        help_text=_("Empty for a national plan."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    start_address = models.CharField(_("start address"), max_length=500)
    start = models.PointField(_("start"), srid=4326)
    end_address = models.CharField(_("end address"), max_length=500)
    end = models.PointField(_("end"), srid=4326)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    day_starts = models.TimeField(_("working day starts"), default=time(8, 0))
    day_ends = models.TimeField(_("working day ends"), default=time(17, 0))
    max_visits_per_day = models.PositiveSmallIntegerField(_("maximum visits a day"), default=5)
    visit_minutes = models.JSONField(
        _("minutes per visit, by service"), default=default_visit_minutes
    )
    distances = models.CharField(
        _("distances"), max_length=10, choices=Distances.choices, default=Distances.GEODESIC
    )
    summary = models.JSONField(_("totals"), default=dict, editable=False)

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        ordering = ["-first_day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="plan_days_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(day_ends__gt=models.F("day_starts")),
                name="plan_hours_in_order",
            ),
        ]

    def __str__(self):
        return self.title


class Stop(models.Model):
    """A site in a plan: its day (none: it did not fit), its place in the day and its times."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="stops", verbose_name=_("plan"))
    site = models.ForeignKey(Site, models.CASCADE, related_name="+", verbose_name=_("site"))
    picked = models.PositiveIntegerField(_("order picked in"))
    day = models.PositiveSmallIntegerField(_("day"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position in the day"), default=0)
    pinned = models.BooleanField(
        _("pinned to its day"), default=False, help_text=_("Re-optimising keeps it on its day.")
    )
    minutes = models.PositiveSmallIntegerField(_("visit minutes"))
    arrives_at = models.TimeField(_("arrives at"), null=True, blank=True)
    leaves_at = models.TimeField(_("leaves at"), null=True, blank=True)
    what_to_check = models.TextField(_("what to check"), blank=True)

    class Meta:
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        ordering = ["plan", "day", "position", "picked"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "site"], name="stop_site_once_per_plan"),
            models.CheckConstraint(
                condition=models.Q(pinned=False) | models.Q(day__isnull=False),
                name="stop_pinned_has_day",
            ),
        ]

    def __str__(self):
        return f"{self.plan} · {self.site}"


class Visit(models.Model):
    """What an inspector found at a site on a day."""

    class Outcome(models.TextChoices):
        COMPLIANT = "compliant", _("Compliant")
        FINDINGS = "findings", _("Findings")
        CLOSED = "closed", _("Site closed")
        NOT_REACHABLE = "not_reachable", _("Not reachable")

    site = models.ForeignKey(Site, models.CASCADE, related_name="visits", verbose_name=_("site"))
    stop = models.ForeignKey(
        Stop, models.SET_NULL, null=True, blank=True, related_name="visits", verbose_name=_("stop")
    )
    visited_on = models.DateField(_("visited on"))
    inspector = models.CharField(_("inspector"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=15, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["site", "-visited_on"], name="visit_site_latest")]

    def __str__(self):
        return f"{self.site} · {self.visited_on:%d/%m/%Y}"

    def clean(self):
        """A visit is recorded once made, and its follow-up comes after it."""
        super().clean()
        if self.visited_on and self.visited_on > timezone.localdate():
            raise ValidationError(
                {"visited_on": _("A visit is recorded once it is made: this day is in the future.")}
            )
        if self.visited_on and self.follow_up_on and self.follow_up_on < self.visited_on:
            raise ValidationError(
                {"follow_up_on": _("The follow-up cannot come before the visit.")}
            )


def attachment_path(attachment, filename):
    return f"inspections/visits/{uuid.uuid4().hex}/{filename}"


class Attachment(models.Model):
    """A file kept with a visit: a report, a photograph. Checked like the registry's documents."""

    visit = models.ForeignKey(
        Visit, models.CASCADE, related_name="attachments", verbose_name=_("visit")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.name
