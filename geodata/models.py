"""The registry: who provides standards, metrology and quality services in Viet Nam, where, and
under which legal standing.

An Organisation (legal entity) gives its services at one or more Sites. Its legal standing is a
set of Credentials (registration certificates, designation decisions, accreditations), each issued
by an Authority under a Scheme, covering some of its sites, with a Scope of ScopeItems and dated
CredentialEvents (suspension, reinstatement, withdrawal). Status is never stored: it is computed
for a date (see geodata.status). Places are AdministrativeUnits, current (since 1 July 2025) and
legacy, linked old to new by UnitSuccession.
"""

import hashlib
from pathlib import Path

import pghistory
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models.functions import Collate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from geodata import status
from geodata.documents import check_pdf
from geodata.text import nfc, normalise_standard_reference


class ServiceKind(models.TextChoices):
    TESTING = "testing", _("Testing")
    CALIBRATION = "calibration", _("Calibration")
    VERIFICATION = "verification", _("Verification of measuring instruments")
    CERTIFICATION = "certification", _("Certification")
    INSPECTION = "inspection", _("Inspection")
    ACCREDITATION = "accreditation", _("Accreditation")


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


def registry_history(model):
    """Keeps every version of a registry record, written by database triggers so that bulk
    imports and raw SQL are kept too: all its fields when it is created and whenever one changes,
    and its last state when it is deleted. `record.history` lists them; who made each change is
    their pghistory context (see geodata.history). The history tables are append-only; the
    triggers run once per statement, which keeps a bulk import's cost unmeasurable."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude_auto=True)),
        pghistory.DeleteEvent(),
        model_name=f"{model.__name__}History",
        obj_field=pghistory.ObjForeignKey(related_name="history", related_query_name="history"),
        append_only=True,
        level=pghistory.Statement,
    )(model)


# Administrative units ------------------------------------------------------------------------


class AdministrativeUnit(models.Model):
    """A province, (legacy) district or commune, as in force since 1 July 2025 or before it."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune")

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    current = models.BooleanField(
        _("current"), help_text=_("In force since 1 July 2025; otherwise a legacy unit.")
    )
    code = models.CharField(_("NSO code"), max_length=5)
    name = models.CharField(_("name"), max_length=100)
    full_name = models.CharField(_("full name"), max_length=120)
    unit_type = models.CharField(_("type"), max_length=30, blank=True)
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    boundary = models.MultiPolygonField(_("boundary"), srid=4326, null=True, blank=True)
    point = models.PointField(_("representative point"), srid=4326, null=True, blank=True)
    point_method = models.CharField(_("how the point was obtained"), max_length=200, blank=True)
    successors = models.ManyToManyField(
        "self",
        through="UnitSuccession",
        symmetrical=False,
        related_name="predecessors",
        blank=True,
    )

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["level", "-current", "code"]
        constraints = [
            models.UniqueConstraint(fields=["level", "current", "code"], name="unit_natural_key"),
        ]

    def __str__(self):
        if self.current:
            return self.full_name
        return _("%(name)s (before 1/7/2025)") % {"name": self.full_name}


class UnitSuccession(models.Model):
    """A legacy unit and one of the current units it became. `partial`: the legacy unit was
    split among several current ones, so an address naming it alone is ambiguous."""

    class Relation(models.TextChoices):
        FULL = "full", _("whole unit")
        PARTIAL = "partial", _("part of the unit")

    legacy = models.ForeignKey(AdministrativeUnit, models.CASCADE, related_name="+")
    current = models.ForeignKey(AdministrativeUnit, models.CASCADE, related_name="+")
    relation = models.CharField(max_length=7, choices=Relation.choices)

    class Meta:
        verbose_name = _("succession of units")
        verbose_name_plural = _("successions of units")
        constraints = [
            models.UniqueConstraint(fields=["legacy", "current"], name="succession_natural_key"),
        ]


# Vocabularies ---------------------------------------------------------------------------------


class Vocabulary(models.Model):
    """A controlled term kept by officials: stable code, Vietnamese and English labels."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True
        ordering = ["name_vi"]

    def __str__(self):
        return self.name_vi


@registry_history
class Field(Vocabulary):
    """A field of testing or calibration (chemical, mechanical, mass, temperature, ...)."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("field")
        verbose_name_plural = _("fields")


@registry_history
class InstrumentType(Vocabulary):
    """A type of measuring instrument; Group 2 instruments must be verified by a designated
    organisation at the interval set by the Ministry of Science and Technology."""

    group_2 = models.BooleanField(_("Group 2 measuring instrument"), default=False)
    verification_interval_months = models.PositiveSmallIntegerField(
        _("verification interval (months)"), null=True, blank=True
    )

    class Meta(Vocabulary.Meta):
        verbose_name = _("measuring-instrument type")
        verbose_name_plural = _("measuring-instrument types")


@registry_history
class Authority(models.Model):
    """Who issues credentials. Authorities change (in 2025 the Directorate for Standards,
    Metrology and Quality became the National Commission; powers moved to the provinces), so an
    authority is a record that can be superseded, never an enumeration."""

    class Kind(models.TextChoices):
        NATIONAL_COMMISSION = "national_commission", _("National Commission / former Directorate")
        MINISTRY = "ministry", _("Ministry")
        PROVINCIAL_DEPARTMENT = "provincial_department", _("Provincial department")
        ACCREDITATION_BODY = "accreditation_body", _("Accreditation body")
        FOREIGN_ACCREDITATION_BODY = "foreign_accreditation_body", _("Foreign accreditation body")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    country = models.CharField(_("country (ISO 3166)"), max_length=2, default="VN")
    province = models.ForeignKey(
        AdministrativeUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "province", "current": True},
        verbose_name=_("province"),
    )
    website = models.URLField(_("website"), blank=True)
    office_address = models.CharField(_("office address"), max_length=500, blank=True)
    office = models.PointField(
        _("office location"),
        srid=4326,
        null=True,
        blank=True,
        help_text=_("Where its inspectors' field visits start and end by default."),
    )
    superseded_by = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )
    active_until = models.DateField(_("active until"), null=True, blank=True)

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["name_vi"]

    def __str__(self):
        return self.short_name or self.name_vi


@registry_history
class Scheme(models.Model):
    """Under which law or programme a credential is given: VILAS (laboratories), VICAS
    (certification), VIAS (inspection), a registration under Decree 107/2016 or 105/2016, a
    designation for a technical regulation or for Group 2 instruments, a foreign scheme."""

    class CredentialKind(models.TextChoices):
        REGISTRATION = "registration", _("Registration certificate")
        DESIGNATION = "designation", _("Designation decision")
        ACCREDITATION = "accreditation", _("Accreditation")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    credential_kind = models.CharField(
        _("kind of credential"), max_length=15, choices=CredentialKind.choices
    )
    number_pattern = models.CharField(
        _("number pattern"),
        max_length=200,
        blank=True,
        help_text=_("Regular expression a credential number must match, e.g. ^VILAS \\d{3,4}$"),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")
        ordering = ["code"]

    def __str__(self):
        return self.name_vi


# Organisations and sites ----------------------------------------------------------------------


tax_code_validator = RegexValidator(
    r"^\d{10}(-\d{3})?$",
    _("A tax or enterprise code has 10 digits, or 10 digits, a dash and 3 digits for a branch."),
)


@registry_history
class Organisation(TimestampedModel):
    """A legal entity that provides conformity-assessment or metrology services."""

    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    tax_code = models.CharField(
        _("tax or enterprise code"), max_length=14, blank=True, validators=[tax_code_validator]
    )
    parent = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("parent organisation"),
    )
    head_office_address = models.CharField(_("head office address"), max_length=500, blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    email = models.EmailField(_("email"), blank=True)
    source_url = models.URLField(_("source of the record"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_vi"]
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code"], condition=~models.Q(tax_code=""), name="organisation_tax_code"
            ),
        ]

    def __str__(self):
        return self.short_name or self.name_vi

    def save(self, *args, **kwargs):
        self.name_vi, self.name_en = nfc(self.name_vi), nfc(self.name_en)
        super().save(*args, **kwargs)


class LocationMethod(models.TextChoices):
    """How a site's point was obtained, from most to least precise."""

    SURVEYED = "surveyed", _("Surveyed or read from a map by an official")
    SUPPLIED = "supplied", _("Coordinates supplied with the record")
    GEOCODED = "geocoded", _("Geocoded from the street address")
    COMMUNE_POINT = "commune_point", _("Point of the commune (approximate)")
    DISTRICT_POINT = "district_point", _("Point of the former district (approximate)")
    PROVINCE_POINT = "province_point", _("Point of the province (approximate)")


# A site may stand offshore (a port, a platform), but within about 25 km of a province's outline,
# the islands included: beyond the 12-nautical-mile territorial sea.
VIET_NAM_SEA_MARGIN_DEGREES = 0.25
OUTSIDE_VIET_NAM = _(
    "The point (longitude %(lon).5f, latitude %(lat).5f) is outside Viet Nam's land and sea "
    "area. Check that longitude and latitude are not swapped and are in decimal degrees "
    "(WGS 84), or place the point on the map."
)


class SiteQuerySet(models.QuerySet):
    def with_status(self, on):
        """Annotate `status`: the best status, on the date `on`, among the site's credentials."""
        return self.annotate(status=status.site_status_expression(on))

    def published(self):
        return self.filter(published=True)


@registry_history
class Site(TimestampedModel):
    """A place where an organisation gives its services: an office, a laboratory, a fixed
    verification station. The address is kept as written; the current province and commune are
    what it means today."""

    organisation = models.ForeignKey(
        Organisation, models.CASCADE, related_name="sites", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=255)
    kinds = ArrayField(
        models.CharField(max_length=20, choices=ServiceKind.choices),
        verbose_name=_("services"),
        default=list,
    )
    address = models.CharField(_("address as written"), max_length=500)
    province = models.ForeignKey(
        AdministrativeUnit,
        models.PROTECT,
        related_name="+",
        verbose_name=_("province"),
        limit_choices_to={"level": "province", "current": True},
    )
    commune = models.ForeignKey(
        AdministrativeUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "commune", "current": True},
        verbose_name=_("commune"),
    )
    legacy_province_name = models.CharField(_("former province"), max_length=100, blank=True)
    legacy_district_name = models.CharField(_("former district"), max_length=100, blank=True)
    legacy_commune_name = models.CharField(_("former commune"), max_length=100, blank=True)
    location = models.PointField(_("location"), srid=4326)
    location_method = models.CharField(
        _("how the location was obtained"), max_length=20, choices=LocationMethod.choices
    )
    location_accuracy_m = models.PositiveIntegerField(
        _("location accuracy (m)"), null=True, blank=True
    )
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    email = models.EmailField(_("email"), blank=True)
    opening_hours = models.CharField(
        _("opening hours"),
        max_length=255,
        blank=True,
        help_text=_('OpenStreetMap syntax, e.g. "Mo-Fr 07:30-11:30,13:30-17:00"'),
    )
    published = models.BooleanField(_("published"), default=False)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name", "id"]
        indexes = [GinIndex(fields=["kinds"], name="site_kinds_gin")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.location and not self.in_viet_nam(self.location):
            where = {"lon": self.location.x, "lat": self.location.y}
            raise ValidationError({"location": OUTSIDE_VIET_NAM % where})

    @staticmethod
    def in_viet_nam(point) -> bool:
        return AdministrativeUnit.objects.filter(
            level=AdministrativeUnit.Level.PROVINCE,
            current=True,
            boundary__dwithin=(point, VIET_NAM_SEA_MARGIN_DEGREES),
        ).exists()

    def save(self, *args, **kwargs):
        self.name, self.address = nfc(self.name), nfc(self.address)
        super().save(*args, **kwargs)

    def status_on(self, on):
        """The best status among this site's credentials on the date `on` (None: none)."""
        statuses = [c.status_on(on) for c in self.credentials.prefetch_related("events")]
        return status.best(statuses)


# Legal standing -------------------------------------------------------------------------------


class Standard(models.TextChoices):
    ISO_IEC_17025 = "ISO/IEC 17025", _("ISO/IEC 17025 (testing and calibration laboratories)")
    ISO_15189 = "ISO 15189", _("ISO 15189 (medical laboratories)")
    ISO_IEC_17065 = "ISO/IEC 17065", _("ISO/IEC 17065 (product certification)")
    ISO_IEC_17021_1 = "ISO/IEC 17021-1", _("ISO/IEC 17021-1 (management-system certification)")
    ISO_IEC_17020 = "ISO/IEC 17020", _("ISO/IEC 17020 (inspection)")
    ISO_IEC_17024 = "ISO/IEC 17024", _("ISO/IEC 17024 (certification of persons)")
    ISO_IEC_17043 = "ISO/IEC 17043", _("ISO/IEC 17043 (proficiency testing)")
    ISO_17034 = "ISO 17034", _("ISO 17034 (reference material producers)")
    ISO_IEC_17011 = "ISO/IEC 17011", _("ISO/IEC 17011 (accreditation bodies)")


class CredentialQuerySet(models.QuerySet):
    def with_status(self, on):
        """Annotate `status`, computed in the database for the date `on`."""
        return self.annotate(status=status.credential_status_expression(on))


@registry_history
class Credential(TimestampedModel):
    """A registration certificate, designation decision or accreditation held by an
    organisation for some of its sites. Its status on any date follows from its dates and its
    events; it is never stored."""

    organisation = models.ForeignKey(
        Organisation, models.CASCADE, related_name="credentials", verbose_name=_("holder")
    )
    scheme = models.ForeignKey(
        Scheme, models.PROTECT, related_name="credentials", verbose_name=_("scheme")
    )
    number = models.CharField(
        _("number"), max_length=60, help_text=_('As issued, e.g. "VILAS 216" or "02/CN/TĐC"')
    )
    standard = models.CharField(_("standard"), max_length=20, choices=Standard.choices, blank=True)
    issuer = models.ForeignKey(
        Authority, models.PROTECT, related_name="credentials", verbose_name=_("issued by")
    )
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    sites = models.ManyToManyField(
        Site, related_name="credentials", verbose_name=_("sites covered"), blank=True
    )

    objects = CredentialQuerySet.as_manager()

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        ordering = ["scheme__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="credential_natural_key"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("issued_on")),
                name="credential_valid_until_after_issue",
                violation_error_message=_("The validity cannot end before the issue date."),
            ),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.number = nfc(self.number)
        super().save(*args, **kwargs)

    def status_on(self, on):
        return status.credential_status(
            self.issued_on,
            self.valid_until,
            [(e.effective_on, e.kind) for e in self.events.all()],
            on,
        )


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.DeleteEvent(),
    obj_field=None,
    model_name="CredentialSiteHistory",
    append_only=True,
    level=pghistory.Statement,
)
class CredentialSite(Credential.sites.through):
    """A site covered by a credential (a row of `Credential.sites`), for its history: links
    added and removed."""

    class Meta:
        proxy = True
        verbose_name = _("site covered by a credential")
        verbose_name_plural = _("sites covered by credentials")


@registry_history
class CredentialEvent(models.Model):
    """A dated change of standing: a suspension, a reinstatement after one, a withdrawal."""

    class Kind(models.TextChoices):
        SUSPENDED = status.SUSPENDED, _("suspended")
        REINSTATED = status.REINSTATED, _("reinstated")
        WITHDRAWN = status.WITHDRAWN, _("withdrawn")

    credential = models.ForeignKey(Credential, models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    effective_on = models.DateField(_("effective on"))
    reason = models.TextField(_("reason"), blank=True)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("status event")
        verbose_name_plural = _("status events")
        ordering = ["credential", "effective_on", "id"]
        indexes = [models.Index(fields=["credential", "effective_on"], name="event_by_date")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.effective_on:%d/%m/%Y}"


@registry_history
class ScopeItem(models.Model):
    """One line of a credential's scope: what may be tested, calibrated, verified, certified or
    inspected, by which method, over which range."""

    credential = models.ForeignKey(Credential, models.CASCADE, related_name="scope")
    field = models.ForeignKey(Field, models.PROTECT, null=True, blank=True, verbose_name=_("field"))
    product = models.CharField(_("product or material"), max_length=255, blank=True)
    test = models.CharField(_("test or measured quantity"), max_length=255, blank=True)
    method = models.CharField(_("method or standard as written"), max_length=255, blank=True)
    method_reference = models.CharField(
        _("method or standard (searchable form)"),
        max_length=255,
        blank=True,
        db_index=True,
        editable=False,
    )
    range = models.CharField(_("range"), max_length=255, blank=True)
    instrument_type = models.ForeignKey(
        InstrumentType,
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("measuring-instrument type"),
    )

    class Meta:
        verbose_name = _("scope item")
        verbose_name_plural = _("scope")
        ordering = ["credential", "id"]

    def __str__(self):
        return " – ".join(filter(None, [self.product, self.test, self.method]))

    def save(self, *args, **kwargs):
        self.product, self.test, self.method = nfc(self.product), nfc(self.test), nfc(self.method)
        self.method_reference = normalise_standard_reference(self.method) if self.method else ""
        super().save(*args, **kwargs)


def document_upload_path(document, filename):
    return f"documents/{document.sha256[:2]}/{document.sha256}.pdf"


@registry_history
class Document(TimestampedModel):
    """A legal document file (normally a PDF): a certificate, a decision, a scope annex."""

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("Certificate")
        DECISION = "decision", _("Decision")
        SCOPE = "scope", _("Scope annex")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=255)
    issuer = models.ForeignKey(
        Authority, models.PROTECT, null=True, blank=True, verbose_name=_("issued by")
    )
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=document_upload_path)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), editable=False)
    public = models.BooleanField(_("public"), default=True)
    organisation = models.ForeignKey(
        Organisation, models.CASCADE, related_name="documents", verbose_name=_("organisation")
    )
    credential = models.ForeignKey(
        Credential,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("credential"),
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issued_on", "title"]

    def __str__(self):
        return self.title

    def clean(self):
        """A new upload must be a safe PDF (geodata.documents.check_pdf says why not)."""
        super().clean()
        if self.file and not self.file._committed:
            try:
                check_pdf(self.file)
            except ValidationError as error:
                raise ValidationError({"file": error}) from None

    def save(self, *args, **kwargs):
        if self.file and not self.file._committed:  # a new upload: fingerprint it before storing
            digest = hashlib.sha256()
            for chunk in self.file.chunks():
                digest.update(chunk)
            self.sha256, self.size_bytes = digest.hexdigest(), self.file.size
        super().save(*args, **kwargs)


# Guidance -------------------------------------------------------------------------------------

GUIDE_TEXTS = ("title", "summary", "legal_basis", "what_to_bring", "how_to_check")
INSTRUMENT_SLUG_PREFIX = "instrument-"
PLAIN_TEXT_HELP = _(
    "Plain text: separate paragraphs with a blank line. Shown as written, not as HTML."
)


def _nfc_paragraphs(text: str) -> str:
    """Plain text in NFC with its line breaks kept: each line trimmed, runs of blank lines made
    one blank line (a paragraph break)."""
    lines = [nfc(line) for line in (text or "").splitlines()]
    paragraphs = "\n".join(lines).split("\n\n")
    return "\n\n".join(p.strip("\n") for p in paragraphs if p.strip("\n"))


class GuideQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def for_subjects(self, kinds=(), instruments=()):
        """The guides of any of these service kinds or instrument-type codes."""
        return self.filter(models.Q(kind__in=kinds) | models.Q(instrument__code__in=instruments))

    def by_slug(self, slug: str):
        if slug.startswith(INSTRUMENT_SLUG_PREFIX):
            return self.filter(instrument__code=slug.removeprefix(INSTRUMENT_SLUG_PREFIX))
        return self.filter(kind=slug, instrument__isnull=True)

    def in_reading_order(self):
        """Service kinds in their usual order, then instrument types by Vietnamese name."""
        rank = models.Case(
            *(models.When(kind=kind, then=i) for i, kind in enumerate(ServiceKind.values)),
            default=len(ServiceKind.values),
        )
        by_name = Collate("instrument__name_vi", "vi-x-icu")  # "Đồng hồ" before "Taximet"
        return self.select_related("instrument").order_by(rank, by_name)


@registry_history
class Guide(models.Model):
    """What to do, for a service kind or a measuring-instrument type: what the service is, its
    legal basis, what to bring, how to check a certificate. Kept by officials; how often an
    instrument must be verified is the instrument type's own interval, shown, not copied."""

    kind = models.CharField(
        _("service kind"), max_length=20, choices=ServiceKind.choices, blank=True
    )
    instrument = models.OneToOneField(
        InstrumentType,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="guide",
        verbose_name=_("measuring-instrument type"),
    )
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_vi = models.TextField(_("what it is (Vietnamese)"), help_text=PLAIN_TEXT_HELP)
    summary_en = models.TextField(_("what it is (English)"), blank=True, help_text=PLAIN_TEXT_HELP)
    legal_basis_vi = models.TextField(
        _("legal basis (Vietnamese)"),
        help_text=_(
            "The laws, decrees and circulars, with their numbers. Plain text: separate "
            "paragraphs with a blank line. Shown as written, not as HTML."
        ),
    )
    legal_basis_en = models.TextField(
        _("legal basis (English)"), blank=True, help_text=PLAIN_TEXT_HELP
    )
    what_to_bring_vi = models.TextField(_("what to bring (Vietnamese)"), help_text=PLAIN_TEXT_HELP)
    what_to_bring_en = models.TextField(
        _("what to bring (English)"), blank=True, help_text=PLAIN_TEXT_HELP
    )
    how_to_check_vi = models.TextField(
        _("how to check a certificate (Vietnamese)"), help_text=PLAIN_TEXT_HELP
    )
    how_to_check_en = models.TextField(
        _("how to check a certificate (English)"), blank=True, help_text=PLAIN_TEXT_HELP
    )
    published = models.BooleanField(_("published"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = GuideQuerySet.as_manager()

    class Meta:
        verbose_name = _("guide")
        verbose_name_plural = _("guides")
        ordering = ["kind", "title_vi"]
        constraints = [
            models.CheckConstraint(
                condition=(~models.Q(kind="") & models.Q(instrument__isnull=True))
                | (models.Q(kind="") & models.Q(instrument__isnull=False)),
                name="guide_has_one_subject",
                violation_error_message=_(
                    "A guide is about either a service kind or a measuring-instrument type: "
                    "choose exactly one."
                ),
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=~models.Q(kind=""),
                name="guide_per_kind",
                violation_error_message=_("This service kind already has a guide."),
            ),
        ]

    def __str__(self):
        return self.title_vi

    def save(self, *args, **kwargs):
        self.title_vi, self.title_en = nfc(self.title_vi), nfc(self.title_en)
        for name in GUIDE_TEXTS[1:]:
            for language in ("vi", "en"):
                field = f"{name}_{language}"
                setattr(self, field, _nfc_paragraphs(getattr(self, field)))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("frontend:guide", args=[self.slug])

    @property
    def slug(self) -> str:
        """`verification` for a service kind, `instrument-water-meter` for an instrument type."""
        if self.instrument_id:
            return INSTRUMENT_SLUG_PREFIX + self.instrument.code
        return self.kind

    @property
    def subject(self) -> dict[str, str]:
        if self.instrument_id:
            return {"instrument": self.instrument.code}
        return {"kind": self.kind}

    @property
    def subject_label(self) -> str:
        return str(self.instrument) if self.instrument_id else self.get_kind_display()

    @property
    def verification_interval_months(self) -> int | None:
        return self.instrument.verification_interval_months if self.instrument_id else None

    def texts(self, language: str) -> dict[str, str]:
        """The texts in `language` ("vi" or "en"); an English text left empty is the
        Vietnamese one."""
        vietnamese = {name: getattr(self, f"{name}_vi") for name in GUIDE_TEXTS}
        if language != "en":
            return vietnamese
        return {name: getattr(self, f"{name}_en") or vietnamese[name] for name in GUIDE_TEXTS}


# Bulk imports ---------------------------------------------------------------------------------


def import_upload_path(run, filename):
    return f"imports/{run.sha256[:2]}/{run.sha256}{Path(filename).suffix.lower()}"


class ImportRun(models.Model):
    """One bulk import of a registry file, or a check of it: who, when, which file, what was
    found and done. A file is imported whole or not at all (unless only its valid rows were
    asked for)."""

    class Outcome(models.TextChoices):
        CHECKED = "checked", _("checked, nothing written")
        IMPORTED = "imported", _("imported")
        REJECTED = "rejected", _("rejected: errors, nothing written")
        FAILED = "failed", _("failed: nothing written")

    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    performed_by = models.CharField(_("performed by"), max_length=150, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=import_upload_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    province = models.ForeignKey(
        AdministrativeUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "province", "current": True},
        verbose_name=_("for the province"),
    )
    dry_run = models.BooleanField(_("check only"), default=False)
    only_valid_rows = models.BooleanField(_("only the valid rows"), default=False)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    totals = models.JSONField(_("totals"), default=dict)
    report = models.JSONField(_("report"), default=dict)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({timezone.localtime(self.started_at):%d/%m/%Y %H:%M})"


# History --------------------------------------------------------------------------------------


class RegistryEvent(models.Model):
    """One event of the registry's history, of any record: a read-only database view over the
    history tables that `registry_history` keeps (migration 0004), for the admin's listing."""

    class Label(models.TextChoices):
        INSERT = "insert", pgettext_lazy("registry history", "created")
        UPDATE = "update", pgettext_lazy("registry history", "changed")
        DELETE = "delete", pgettext_lazy("registry history", "deleted")

    id = models.TextField(primary_key=True)  # "<model>:<event id>"
    model = models.CharField(_("kind of record"), max_length=40)  # the tracked model's name
    event_id = models.BigIntegerField(_("event"))
    object_id = models.BigIntegerField(_("record ID"), null=True)
    label = models.CharField(_("what"), max_length=10, choices=Label.choices)
    created_at = models.DateTimeField(_("when"))
    context = models.ForeignKey(
        "pghistory.Context",
        models.DO_NOTHING,
        null=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("context"),
    )

    class Meta:
        managed = False
        db_table = "geodata_registry_event"
        verbose_name = _("change to the registry")
        verbose_name_plural = _("registry history")
        ordering = ["-created_at", "-event_id"]
