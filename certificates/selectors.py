"""Reads of issued certificates: the verdict on a code (or on a typed number), and which
certificates a user may print.

A verification is one query: the certificate by primary key with its site, organisation,
credential and key joined (select_related) and the credential's events gathered by their index,
the same few index reads whatever the size of the registry."""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import OuterRef, Q
from django.db.models.functions import JSONObject
from django.utils.translation import gettext_lazy as _

from certificates import signing
from certificates.models import Certificate
from geodata import status
from geodata.models import CredentialEvent, Organisation, Site
from governance.roles import Role, organisation_id_of, province_id_of, role_of
from map_portal.routers import read_alias, read_connection

VALID = "VALID"
EXPIRED = "EXPIRED"
REVOKED = "REVOKED"
NOT_FOUND = "NOT_FOUND"
FORGED = "FORGED"

LABELS = {
    VALID: _("Valid"),
    EXPIRED: _("Expired"),
    REVOKED: _("Revoked"),
    NOT_FOUND: _("Not found"),
    FORGED: _("Forged"),
}
# What a verification shows: the certificate whole, of the rest what the page and the API name.
READ_FIELDS = (
    *(f.name for f in Certificate._meta.concrete_fields),
    *(
        f"site__{name}"
        for name in ("name", "address", "phone", "location", "province", "organisation")
    ),
    "site__organisation__name_vi",
    "site__organisation__short_name",
    "site__organisation__phone",
    "site__province__full_name",
    *(f"credential__{name}" for name in ("number", "issued_on", "valid_until", "scheme", "issuer")),
    "credential__scheme__name_vi",
    "credential__issuer__name_vi",
    "credential__issuer__short_name",
    "key__kid",
)
SIGNED_FIELDS = ("site", "kind", "number", "serial_number", "issued_on", "valid_until", "result")


@dataclass(frozen=True)
class Verdict:
    """What a verification found. `signed`: the answer rests on a checked signature (a QR
    code), not on a number typed in."""

    verdict: str
    reason: str
    signed: bool
    today: date
    certificate: Certificate | None = None
    kid: str = ""

    @property
    def label(self):
        return LABELS[self.verdict]

    @property
    def site(self):
        return self.certificate.site if self.certificate else None

    @property
    def organisation(self):
        return self.certificate.site.organisation if self.certificate else None

    @property
    def credential(self):
        return self.certificate.credential if self.certificate else None

    @property
    def credential_status_on_issue(self):
        return self._credential_status(self.certificate.issued_on) if self.credential else None

    @property
    def credential_status_today(self):
        return self._credential_status(self.today) if self.credential else None

    def _credential_status(self, on: date) -> str:
        events = [
            (date.fromisoformat(event["on"]), event["kind"])
            for event in self.certificate.credential_events
        ]
        credential = self.credential
        return status.credential_status(credential.issued_on, credential.valid_until, events, on)


def _certificates():
    """Certificates with their site, organisation, credential and key, and the credential's
    events as `credential_events` (a list of {"on", "kind"}): one query."""
    events = (
        CredentialEvent.objects.filter(credential_id=OuterRef("credential_id"))
        .order_by("id")
        .values(event=JSONObject(on="effective_on", kind="kind"))
    )
    return (
        Certificate.objects.select_related(
            "site__organisation",
            "site__province",
            "credential__scheme",
            "credential__issuer",
            "key",
        )
        .only(*READ_FIELDS)  # not a province's outline, which weighs up to megabytes
        .annotate(credential_events=ArraySubquery(events))
        .order_by()
    )


@contextmanager
def _joins_as_written():
    """Every join of a verification goes by primary key, so the order written is the best one:
    PostgreSQL is told not to search for another. Searching the orders of nine relations took
    ten times longer than running the query (docs/PERFORMANCE.md, issue 8)."""
    with transaction.atomic(using=read_alias()), read_connection().cursor() as cursor:
        cursor.execute("SET LOCAL join_collapse_limit = 1")
        yield


def _first(certificates):
    with _joins_as_written():
        return certificates.first()


def verdict(code_text: str, today: date) -> Verdict:
    """The verdict on the code a QR carries: its signature, then the record it names."""
    try:
        signed = signing.read_code(code_text)
    except signing.Forged as error:
        return Verdict(FORGED, _forged_reason(error), signed=True, today=today)
    certificate = _first(_certificates().filter(pk=signed["id"]))
    if certificate is None:
        reason = _("The signature is good, but the registry holds no certificate with this code.")
        return Verdict(NOT_FOUND, reason, signed=True, today=today, kid=signed["kid"])
    differing = _differing_fields(certificate, signed)
    if differing:
        reason = _("The signature is good, but the record differs from what was signed: %s.")
        return Verdict(
            FORGED,
            reason % ", ".join(differing),
            signed=True,
            today=today,
            certificate=certificate,
            kid=signed["kid"],
        )
    return _standing(certificate, today, signed=True, kid=signed["kid"])


def lookup(number: str, site_or_org: Site | Organisation, today: date) -> Verdict:
    """The verdict on a number typed in, at a site or any site of an organisation: the record's
    standing, without a signature to check."""
    where = (
        Q(site=site_or_org) if isinstance(site_or_org, Site) else Q(site__organisation=site_or_org)
    )
    certificate = _first(_certificates().filter(where, number=number.strip()))
    if certificate is None:
        reason = _("The registry holds no certificate with this number from this issuer.")
        return Verdict(NOT_FOUND, reason, signed=False, today=today)
    return _standing(certificate, today, signed=False)


def _forged_reason(error: signing.Forged) -> str:
    return _("This code was not signed by the registry (%s).") % error


def _differing_fields(certificate: Certificate, signed: dict) -> list[str]:
    try:
        recorded = signing.read_payload(signing.payload(certificate))
    except (KeyError, signing.Forged):  # a kind or result edited to a value the code cannot hold
        recorded = {}
    return [
        str(Certificate._meta.get_field(name).verbose_name)
        for name in SIGNED_FIELDS
        if recorded.get(name) != signed[name]
    ]


def _standing(certificate: Certificate, today: date, signed: bool, kid: str = "") -> Verdict:
    found = {"signed": signed, "today": today, "certificate": certificate, "kid": kid}
    if certificate.revoked_on is not None and certificate.revoked_on <= today:
        reason = _("Revoked on %(day)s: %(reason)s") % {
            "day": f"{certificate.revoked_on:%d/%m/%Y}",
            "reason": certificate.revocation_reason,
        }
        return Verdict(REVOKED, reason, **found)
    if certificate.valid_until is not None and certificate.valid_until < today:
        reason = _("Valid until %s, which has passed.") % f"{certificate.valid_until:%d/%m/%Y}"
        return Verdict(EXPIRED, reason, **found)
    if signed:
        reason = _("The signature is good and the certificate is in force.")
    else:
        reason = _("The certificate is in the registry and in force (no signature was checked).")
    return Verdict(VALID, reason, **found)


def status_label(value: str | None) -> str:
    return str(status.LABELS.get(value, _("no credential")))


# Who may print codes -----------------------------------------------------------------------------


def printable_by(user):
    """The certificates whose QR codes and labels `user` may have: their organisation's
    (representatives), their province's (officers), all (administrators)."""
    role = role_of(user)
    certificates = Certificate.objects.select_related("site__organisation", "key")
    if role == Role.ADMINISTRATOR:
        return certificates
    if role == Role.PROVINCIAL_OFFICER:
        return certificates.filter(site__province_id=province_id_of(user))
    if role == Role.REPRESENTATIVE:
        return certificates.filter(site__organisation_id=organisation_id_of(user))
    return certificates.none()
