"""Issued certificates (verification and calibration certificates, test reports), the keys that
sign their QR codes, and the transparency log that records every registration and status change.

A certificate is signed when it is registered; what is signed (signing.payload) is a compact
text of its key fields, so that the QR code alone proves them. The log is append-only: the
database refuses to update or delete its rows."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from geodata.models import Credential, InstrumentType, Site

APPEND_ONLY = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class SigningKey(models.Model):
    """An Ed25519 public key, published with its key id. The private key stays in a file of the
    key directory (settings.CERTIFICATE_KEYS_DIR), never in the database. Retired keys stay
    published: what they signed still verifies."""

    class Use(models.TextChoices):
        CERTIFICATES = "certificates", _("signs certificates")
        LOG = "log", _("signs the log's checkpoints")

    kid = models.CharField(_("key id"), max_length=32, unique=True)
    use = models.CharField(_("use"), max_length=12, choices=Use.choices)
    public_key = models.BinaryField(_("public key (raw, 32 bytes)"), max_length=32)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["use", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["use"],
                condition=models.Q(retired_at__isnull=True),
                name="one_signing_key_in_use",
            )
        ]

    def __str__(self):
        return self.kid


class Certificate(models.Model):
    """A certificate or report an organisation issued at one of its sites under one of its
    credentials."""

    class Kind(models.TextChoices):
        VERIFICATION = "verification", _("Verification certificate")
        CALIBRATION = "calibration", _("Calibration certificate")
        TEST_REPORT = "test_report", _("Test report")

    class Result(models.TextChoices):
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        ISSUED = "issued", _("Issued")  # calibration certificates and test reports: no verdict

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    number = models.CharField(_("number as printed"), max_length=60)
    site = models.ForeignKey(
        Site, models.PROTECT, related_name="certificates", verbose_name=_("issuing site")
    )
    credential = models.ForeignKey(
        Credential, models.PROTECT, related_name="certificates", verbose_name=_("credential")
    )
    instrument_type = models.ForeignKey(
        InstrumentType,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instrument type"),
    )
    subject = models.CharField(
        _("instrument or item"), max_length=255, blank=True, help_text=_("What was examined.")
    )
    maker = models.CharField(_("maker"), max_length=120, blank=True)
    model = models.CharField(_("model"), max_length=120, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=80, blank=True)
    owner = models.CharField(_("owner"), max_length=255, blank=True)
    place_of_use = models.CharField(_("place of use"), max_length=500, blank=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    key = models.ForeignKey(
        SigningKey, models.PROTECT, related_name="+", verbose_name=_("signed with")
    )
    signature = models.BinaryField(_("signature"), max_length=64)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "kind", "number"], name="certificate_number"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("issued_on")),
                name="certificate_valid_after_issue",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_on__isnull=True) | ~models.Q(revocation_reason=""),
                name="certificate_revocation_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["serial_number"], name="certificate_serial")]

    def __str__(self):
        return f"{self.number} ({self.get_kind_display()})"


class LogEntry(models.Model):
    """One event of the transparency log. `data` is the canonical JSON of the event (what the
    certificate was after it); `leaf_hash` = SHA-256(0x00 ‖ data) as in RFC 6962; `chain_hash`
    = SHA-256(previous chain_hash ‖ leaf_hash), so altering any entry breaks every later one."""

    class Event(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("log event", "registered")
        REVOKED = "revoked", pgettext_lazy("log event", "revoked")

    seq = models.BigIntegerField(_("position"), primary_key=True)
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    certificate_id = models.BigIntegerField(_("certificate"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded"))
    data = models.TextField(_("data (canonical JSON)"))
    leaf_hash = models.BinaryField(_("leaf hash"), max_length=32)
    chain_hash = models.BinaryField(_("chain hash"), max_length=32)

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        ordering = ["seq"]
        triggers = APPEND_ONLY

    def __str__(self):
        return f"#{self.seq} {self.event} {self.certificate_id}"


class MerkleNode(models.Model):
    """The hash of a complete subtree of the log's Merkle tree (RFC 6962): level 1 and up (the
    leaves are the entries' leaf hashes), stored when the subtree is complete, so that roots and
    inclusion proofs need O(log² n) reads at any size."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("Merkle tree node")
        verbose_name_plural = _("Merkle tree nodes")
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="merkle_node")]
        triggers = APPEND_ONLY

    def __str__(self):
        return f"{self.level}/{self.index}"


class Checkpoint(models.Model):
    """A signed statement of the log's size, Merkle root and chain head at a moment."""

    tree_size = models.BigIntegerField(_("entries"), unique=True)
    root_hash = models.BinaryField(_("Merkle root"), max_length=32)
    chain_hash = models.BinaryField(_("chain head"), max_length=32)
    created_at = models.DateTimeField(_("created"))
    key = models.ForeignKey(SigningKey, models.PROTECT, related_name="+")
    signature = models.BinaryField(_("signature"), max_length=64)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["-tree_size"]
        triggers = APPEND_ONLY

    def __str__(self):
        return f"{self.tree_size} @ {self.created_at:%Y-%m-%d %H:%M}"
