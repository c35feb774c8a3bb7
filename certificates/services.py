"""Registering and revoking issued certificates: every write of the certificates app.

`register` checks every row of a batch first, against the registry in a few queries whatever
its size: the site issues under a credential that covers it, covers the kind and the instrument,
and is in force on the issue date. One refused row refuses the batch (nothing is written) and
the report names every error; an accepted batch is written, signed and logged in one
transaction."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates import signing, transparency
from certificates.models import Certificate, LogEntry
from geodata import status
from geodata.importers.report import interpolated_lazy
from geodata.importers.values import ValueProblem, parse_date, text
from geodata.models import Credential, CredentialEvent, InstrumentType, ScopeItem, ServiceKind, Site
from geodata.text import fold
from governance.roles import Role, role_of

MAX_ROWS = 10_000
FIELDS = (
    "site",
    "credential",
    "kind",
    "number",
    "instrument_type",
    "subject",
    "maker",
    "model",
    "serial_number",
    "owner",
    "place_of_use",
    "issued_on",
    "valid_until",
    "result",
)
TEXT_FIELDS = ("subject", "maker", "model", "serial_number", "owner", "place_of_use")
IN_FORCE = (status.VALID, status.EXPIRING)
# The service a site must offer to issue each kind.
SERVICE = {
    Certificate.Kind.VERIFICATION: ServiceKind.VERIFICATION,
    Certificate.Kind.CALIBRATION: ServiceKind.CALIBRATION,
    Certificate.Kind.TEST_REPORT: ServiceKind.TESTING,
}
KIND_WORDS = {
    Certificate.Kind.VERIFICATION: (
        "verification", "verification certificate", "v", "kiem dinh", "giay chung nhan kiem dinh",
    ),
    Certificate.Kind.CALIBRATION: (
        "calibration", "calibration certificate", "c", "hieu chuan", "giay chung nhan hieu chuan",
    ),
    Certificate.Kind.TEST_REPORT: (
        "test_report", "test report", "t", "thu nghiem", "phieu ket qua thu nghiem",
    ),
}  # fmt: skip
RESULT_WORDS = {
    Certificate.Result.PASSED: ("passed", "pass", "p", "dat"),
    Certificate.Result.FAILED: ("failed", "fail", "f", "khong dat"),
    Certificate.Result.ISSUED: ("issued", "i", "da cap", "cap"),
}

MESSAGES = {
    "not_allowed": _(
        "Your role does not allow registering certificates: only a representative of the issuing "
        "organisation, an officer of the site's province or a central administrator may."
    ),
    "too_many_rows": _(
        "A batch holds at most %(limit)s certificates; this one has %(count)s. Split it into "
        "smaller batches."
    ),
    "no_rows": _("The batch holds no certificate."),
    "not_a_row": _("This row is not a set of fields (an object with “site”, “number”, …)."),
    "unknown_field": _(
        "“%(name)s” is not a field of a certificate; remove it or correct its name."
    ),
    "required": _("This field is required: write it for every certificate."),
    "control": _("The value holds a control character: remove it."),
    "too_long": _("At most %(limit)s characters (this has %(length)s): shorten it."),
    "site_not_a_number": _(
        "“%(value)s” is not a site's ID: write the number of the site as the registry shows it."
    ),
    "unknown_site": _("No site has the ID %(value)s in the registry: check the number."),
    "site_outside_scope": _(
        "You may not register certificates of site %(site)s (“%(name)s”): it is not a site of "
        "your organisation or of your province."
    ),
    "unknown_credential": _(
        "No credential “%(value)s” is in the registry: write the credential's number as issued "
        "(or its ID) under which the site issued this certificate."
    ),
    "ambiguous_credential": _(
        "Several credentials of site %(site)s are numbered “%(value)s”: write the credential's "
        "ID instead."
    ),
    "credential_not_for_site": _(
        "Credential %(credential)s does not cover site %(site)s (“%(name)s”): a site may only "
        "issue under a credential that lists it. Choose a credential of this site, or ask the "
        "registry to add the site to the credential."
    ),
    "unknown_kind": _(
        "“%(value)s” is not a kind of certificate: write verification, calibration or "
        "test_report (kiểm định, hiệu chuẩn, thử nghiệm)."
    ),
    "site_does_not_offer": _(
        "Site %(site)s (“%(name)s”) does not offer %(service)s, so it cannot issue a %(kind)s. "
        "Check the kind, or the site's services in the registry."
    ),
    "instrument_required": _(
        "A verification certificate names the instrument type: write its code (e.g. can-dien-tu)."
    ),
    "unknown_instrument": _(
        "“%(value)s” is not a known measuring-instrument type: write its code from the "
        "vocabulary (GET /api/v1/vocabularies/)."
    ),
    "instrument_not_in_scope": _(
        "The scope of credential %(credential)s has no item for %(instrument)s: the site may "
        "not issue a %(kind)s for this instrument type under it."
    ),
    "credential_not_in_force": _(
        "Credential %(credential)s was %(status)s on %(day)s, the issue date: %(why)s A "
        "certificate can only be issued under a credential in force on its issue date."
    ),
    "not_a_date": _(
        "“%(value)s” is not a date: write year-month-day (2026-03-12) or day/month/year."
    ),
    "in_the_future": _("The issue date %(day)s is after today: write the date it was issued."),
    "ends_before_issue": _("The validity ends (%(until)s) before the issue date (%(day)s)."),
    "unknown_result": _(
        "“%(value)s” is not a result: write passed or failed (đạt, không đạt) for a verification, "
        "issued for a calibration certificate or a test report."
    ),
    "verdict_required": _("A verification certificate says passed or failed (đạt / không đạt)."),
    "no_verdict": _(
        "A calibration certificate or a test report has no verdict: write issued, or leave it "
        "empty."
    ),
    "duplicate_in_batch": _(
        "Certificate number %(number)s of this kind and site is also in row %(other)s: a number is "
        "registered once."
    ),
    "already_registered": _(
        "Certificate number %(number)s of this kind is already registered for site %(site)s: a "
        "number is registered once (revoke the old one if it was wrong)."
    ),
    "reason_required": _(
        "Say why the certificate is revoked: the reason is shown to anyone who verifies it."
    ),
    "already_revoked": _("This certificate was already revoked on %(day)s."),
    "revoked_before_issue": _(
        "A certificate cannot be revoked (%(day)s) before it was issued (%(issued)s)."
    ),
    "revoked_in_future": _("The revocation date %(day)s is after today."),
    "may_not_revoke": _(
        "You may not revoke this certificate: only a representative of the issuing organisation, "
        "an officer of the site's province or a central administrator may."
    ),
}  # fmt: skip

WHY = {
    status.SUSPENDED: _("it was suspended and not reinstated by then."),
    status.EXPIRED: _("its validity had ended (valid until %(until)s)."),
    status.WITHDRAWN: _("it had been withdrawn."),
    status.NOT_YET_VALID: _("it was issued later, on %(issued)s."),
}


def message(code: str, **params):
    return interpolated_lazy(MESSAGES[code], params)


# The report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # as the submitter counts: the position in the batch, or the file's row
    field: str | None
    code: str
    message: object  # lazy, rendered in the language active when shown

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "field": self.field,
            "code": self.code,
            "message": str(self.message),
        }

    def __str__(self):
        where = _("row %(row)s, %(field)s") if self.field else _("row %(row)s")
        return f"{where % {'row': self.row, 'field': self.field}}: {self.message}"


@dataclass
class Report:
    source: str  # "api", "file", "admin"
    rows: int
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def refused_rows(self) -> int:
        return len({error.row for error in self.errors})

    def as_json(self) -> dict:
        return {
            "source": self.source,
            "rows": self.rows,
            "accepted": self.accepted,
            "dry_run": self.dry_run,
            "created": len(self.certificates),
            "refused_rows": self.refused_rows,
            "errors": [error.as_json() for error in self.errors],
            "certificates": [
                {"id": c.pk, "number": c.number, "verification_url": signing.verification_url(c)}
                for c in self.certificates
            ],
        }


# Registering -----------------------------------------------------------------------------------


def register(user, rows, *, source, dry_run=False, row_numbers=None) -> Report:
    """Checks every row, then registers them all (signed, logged) or none. `row_numbers`: how
    the submitter counts the rows (a file's rows), 1, 2, … by default."""
    if role_of(user) == Role.PUBLIC:
        raise PermissionDenied(MESSAGES["not_allowed"])
    numbers = list(row_numbers or range(1, len(rows) + 1))
    report = Report(source, len(rows), dry_run)
    if not rows:
        report.errors.append(RowError(0, None, "no_rows", message("no_rows")))
        return report
    if len(rows) > MAX_ROWS:
        too_many = message("too_many_rows", limit=MAX_ROWS, count=len(rows))
        report.errors.append(RowError(0, None, "too_many_rows", too_many))
        return report
    certificates = _Check(user, rows, numbers, report.errors).run()
    if report.accepted and not dry_run:
        report.certificates = _write(user, certificates)
    return report


@transaction.atomic
def _write(user, certificates: list[Certificate]) -> list[Certificate]:
    """Ids from the table's sequence in one query, then signed, stored and logged at once."""
    for certificate, pk in zip(certificates, _reserve_ids(len(certificates)), strict=True):
        certificate.pk, certificate.submitted_by = pk, user
    signing.sign_certificates(certificates)
    Certificate.objects.bulk_create(certificates, batch_size=1000)
    transparency.append([(LogEntry.Event.REGISTERED, c) for c in certificates])
    return certificates


def _reserve_ids(count: int) -> list[int]:
    table = Certificate._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


class _Refused(Exception):
    def __init__(self, field_name, code, **params):
        super().__init__(code)
        self.field, self.code, self.params = field_name, code, params


def _words(value) -> str:
    return fold(text(value)).replace("_", " ").strip()


def _choice(value, words: dict, field_name: str, code: str, default=None):
    if text(value) == "":
        if default is None:
            raise _Refused(field_name, "required")
        return default
    written = _words(value)
    for choice, aliases in words.items():
        if written in {a.replace("_", " ") for a in aliases}:
            return choice
    raise _Refused(field_name, code, value=text(value))


def _date(value, field_name: str, required: bool) -> date | None:
    if text(value) == "":
        if required:
            raise _Refused(field_name, "required")
        return None
    try:
        return parse_date(value)
    except (ValueProblem, OverflowError):  # OverflowError: a serial number beyond year 9999
        raise _Refused(field_name, "not_a_date", value=text(value)) from None


def _as_id(reference) -> int | None:
    """A credential named by its ID (a number, or decimal digits), else None."""
    if isinstance(reference, int):
        return reference
    return int(reference) if reference.isdecimal() else None


def _site_id(value) -> int:
    written = text(value)
    if written == "":
        raise _Refused("site", "required")
    if isinstance(value, bool) or not written.isdecimal():
        raise _Refused("site", "site_not_a_number", value=written)
    return int(written)


class _Check:
    """The rows of a batch checked together: the registry records they name are read in a few
    queries, then each row is judged in memory."""

    def __init__(self, user, rows, numbers, errors):
        self.user, self.rows, self.numbers, self.errors = user, rows, numbers, errors
        self.today = timezone.localdate()

    def run(self) -> list[Certificate]:
        parsed = [
            self._parse(number, row) for number, row in zip(self.numbers, self.rows, strict=True)
        ]
        good = [(number, values) for number, values in parsed if values is not None]
        self._load(values for _number, values in good)
        certificates, seen = [], {}
        for number, values in good:
            certificate = self._judge(number, values, seen)
            if certificate is not None:
                certificates.append(certificate)
        self._refuse_registered(certificates, seen)
        return certificates

    def _refuse(self, row, refusal: _Refused):
        reason = message(refusal.code, **refusal.params)
        self.errors.append(RowError(row, refusal.field, refusal.code, reason))

    # Each row by itself ------------------------------------------------------------------------

    def _parse(self, number, row):
        """The row's values, or None with its errors noted."""
        if not isinstance(row, dict):
            self.errors.append(RowError(number, None, "not_a_row", message("not_a_row")))
            return number, None
        nul = [name for name, value in row.items() if "\x00" in text(value)]
        for name in nul:  # PostgreSQL can neither store nor look up a NUL
            self._refuse(number, _Refused(name, "control"))
        if nul:
            return number, None
        refused = [_Refused(name, "unknown_field", name=name) for name in row if name not in FIELDS]
        values = {}
        for name, parse in self._parsers():
            try:
                values[name] = parse(row.get(name))
            except _Refused as refusal:
                refused.append(refusal)
        values.update(self._texts(row, refused))
        if not refused:
            refused += self._dates_and_verdict(values)
        for refusal in refused:
            self._refuse(number, refusal)
        return number, None if refused else values

    def _parsers(self):
        return (
            ("site", _site_id),
            ("credential", self._credential_reference),
            ("kind", lambda v: _choice(v, KIND_WORDS, "kind", "unknown_kind")),
            ("issued_on", lambda v: _date(v, "issued_on", required=True)),
            ("valid_until", lambda v: _date(v, "valid_until", required=False)),
            ("result", lambda v: _choice(v, RESULT_WORDS, "result", "unknown_result", "")),
            ("instrument_type", lambda v: text(v)),
        )

    @staticmethod
    def _credential_reference(value):
        if text(value) == "":
            raise _Refused("credential", "required")
        return value if isinstance(value, int) and not isinstance(value, bool) else text(value)

    @staticmethod
    def _texts(row, refused) -> dict:
        values = {}
        for name, limit in (("number", 60), *((n, _max_length(n)) for n in TEXT_FIELDS)):
            values[name] = text(row.get(name)).strip()
            if len(values[name]) > limit:
                refused.append(_Refused(name, "too_long", limit=limit, length=len(values[name])))
        if not values["number"]:
            refused.append(_Refused("number", "required"))
        return values

    def _dates_and_verdict(self, values) -> list[_Refused]:
        refused = []
        issued, until = values["issued_on"], values["valid_until"]
        if issued > self.today:
            refused.append(_Refused("issued_on", "in_the_future", day=_day(issued)))
        if until and until < issued:
            refused.append(
                _Refused("valid_until", "ends_before_issue", until=_day(until), day=_day(issued))
            )
        verdicts = (Certificate.Result.PASSED, Certificate.Result.FAILED)
        if values["kind"] == Certificate.Kind.VERIFICATION:
            if values["result"] not in verdicts:
                refused.append(_Refused("result", "verdict_required"))
        elif values["result"] in verdicts:
            refused.append(_Refused("result", "no_verdict"))
        else:
            values["result"] = Certificate.Result.ISSUED
        return refused

    # The registry's records, read at once ------------------------------------------------------

    def _load(self, rows):
        rows = list(rows)
        site_ids = {values["site"] for values in rows}
        references = {values["credential"] for values in rows}
        ids = {_as_id(r) for r in references} - {None}
        names = {r for r in references if isinstance(r, str)}
        self.sites = Site.objects.only("id", "name", "kinds", "organisation_id", "province_id")
        self.sites = self.sites.in_bulk(site_ids)
        credentials = Credential.objects.filter(pk__in=ids) | Credential.objects.filter(
            number__in=names
        )
        self.credentials = {
            c.pk: c for c in credentials.only("id", "number", "issued_on", "valid_until")
        }
        self.by_number = defaultdict(list)
        for credential in self.credentials.values():
            self.by_number[credential.number].append(credential)
        chosen = list(self.credentials)
        self.coverage = set(
            Credential.sites.through.objects.filter(credential_id__in=chosen).values_list(
                "credential_id", "site_id"
            )
        )
        self.events = defaultdict(list)
        events = CredentialEvent.objects.filter(credential_id__in=chosen).order_by("id")
        for credential_id, effective_on, kind in events.values_list(
            "credential_id", "effective_on", "kind"
        ):
            self.events[credential_id].append((effective_on, kind))
        self.scope = set(
            ScopeItem.objects.filter(
                credential_id__in=chosen, instrument_type__isnull=False
            ).values_list("credential_id", "instrument_type_id")
        )
        self.instruments = _instrument_types()
        self.allowed_sites = {
            pk for pk, site in self.sites.items()
            if self.user.has_perm("certificates.add_certificate", site)
        }  # fmt: skip

    # Each row against the registry --------------------------------------------------------------

    def _judge(self, number, values, seen) -> Certificate | None:
        try:
            site = self._site(values["site"])
            credential = self._credential(values["credential"], site)
            instrument = self._instrument(values)
            self._covers(credential, site, values["kind"], instrument)
            self._in_force(credential, values["issued_on"])
        except _Refused as refusal:
            self._refuse(number, refusal)
            return None
        key = (site.pk, values["kind"], values["number"])
        if key in seen:
            self._refuse(
                number,
                _Refused("number", "duplicate_in_batch", number=values["number"], other=seen[key]),
            )
            return None
        seen[key] = number
        fields = {name: values[name] for name in ("kind", "number", "issued_on", "valid_until")}
        fields.update({name: values[name] for name in (*TEXT_FIELDS, "result")})
        return Certificate(
            site=site, credential=credential, instrument_type_id=instrument and instrument.pk,
            **fields,
        )  # fmt: skip

    def _site(self, site_id) -> Site:
        site = self.sites.get(site_id)
        if site is None:
            raise _Refused("site", "unknown_site", value=site_id)
        if site_id not in self.allowed_sites:
            raise _Refused("site", "site_outside_scope", site=site_id, name=site.name)
        return site

    def _credential(self, reference, site) -> Credential:
        if isinstance(reference, str) and reference in self.by_number:
            candidates = self.by_number[reference]
            covering = [c for c in candidates if (c.pk, site.pk) in self.coverage]
            if len(covering) > 1:
                raise _Refused("credential", "ambiguous_credential", site=site.pk, value=reference)
            return (covering or candidates)[0]
        credential = self.credentials.get(_as_id(reference))
        if credential is None:
            raise _Refused("credential", "unknown_credential", value=reference)
        return credential

    def _instrument(self, values) -> InstrumentType | None:
        written = values["instrument_type"]
        if not written:
            if values["kind"] == Certificate.Kind.VERIFICATION:
                raise _Refused("instrument_type", "instrument_required")
            return None
        instrument = self.instruments.get(_words(written))
        if instrument is None:
            raise _Refused("instrument_type", "unknown_instrument", value=written)
        return instrument

    def _covers(self, credential, site, kind, instrument):
        if (credential.pk, site.pk) not in self.coverage:
            raise _Refused(
                "credential",
                "credential_not_for_site",
                credential=credential.number,
                site=site.pk,
                name=site.name,
            )
        service = SERVICE[kind]
        if service not in site.kinds:
            raise _Refused(
                "kind",
                "site_does_not_offer",
                site=site.pk,
                name=site.name,
                service=ServiceKind(service).label,
                kind=Certificate.Kind(kind).label,
            )
        if instrument and (credential.pk, instrument.pk) not in self.scope:
            raise _Refused(
                "instrument_type",
                "instrument_not_in_scope",
                credential=credential.number,
                instrument=instrument.name_vi,
                kind=Certificate.Kind(kind).label,
            )

    def _in_force(self, credential, day):
        standing = status.credential_status(
            credential.issued_on, credential.valid_until, self.events[credential.pk], day
        )
        if standing in IN_FORCE:
            return
        dates = {"until": _day(credential.valid_until), "issued": _day(credential.issued_on)}
        raise _Refused(
            "credential",
            "credential_not_in_force",
            credential=credential.number,
            status=status.LABELS[standing],
            day=_day(day),
            why=interpolated_lazy(WHY[standing], dates),
        )

    def _refuse_registered(self, certificates, seen):
        """Numbers already registered, in one query."""
        taken = set(
            Certificate.objects.filter(
                site_id__in={c.site_id for c in certificates},
                number__in={c.number for c in certificates},
            ).values_list("site_id", "kind", "number")
        )
        for certificate in certificates:
            key = (certificate.site_id, certificate.kind, certificate.number)
            if key in taken:
                refusal = _Refused(
                    "number", "already_registered", number=key[2], site=certificate.site_id
                )
                self._refuse(seen[key], refusal)
        self.errors.sort(key=lambda error: error.row)


def _max_length(name: str) -> int:
    return Certificate._meta.get_field(name).max_length


def _day(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else "—"


def _instrument_types() -> dict:
    """Every instrument type by its code and its names, folded (a small vocabulary)."""
    found = {}
    for instrument in InstrumentType.objects.all():
        for name in (instrument.name_en, instrument.name_vi, instrument.code):
            if name:
                found[_words(name)] = instrument
    return found


# Revoking --------------------------------------------------------------------------------------


@transaction.atomic
def revoke(user, certificate: Certificate, reason: str, on: date | None = None) -> Certificate:
    """Revokes the certificate from `on` (today by default), with the reason shown to anyone
    who verifies it, and logs it."""
    if not user.has_perm("certificates.revoke_certificate", certificate):
        raise PermissionDenied(MESSAGES["may_not_revoke"])
    certificate = (
        Certificate.objects.select_for_update().select_related("key").get(pk=certificate.pk)
    )
    reason, on = text(reason).strip(), on or timezone.localdate()
    if certificate.revoked_on:
        raise ValidationError(message("already_revoked", day=_day(certificate.revoked_on)))
    if not reason:
        raise ValidationError({"reason": message("reason_required")})
    if on < certificate.issued_on:
        issued = _day(certificate.issued_on)
        raise ValidationError(
            {"revoked_on": message("revoked_before_issue", day=_day(on), issued=issued)}
        )
    if on > timezone.localdate():
        raise ValidationError({"revoked_on": message("revoked_in_future", day=_day(on))})
    certificate.revoked_on, certificate.revocation_reason = on, reason
    certificate.save(update_fields=["revoked_on", "revocation_reason"])
    transparency.append([(LogEntry.Event.REVOKED, certificate)])
    return certificate
