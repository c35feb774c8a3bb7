"""The publication workflow: a representative proposes, an officer of the right province
approves (the change is written, in one transaction, with its history) or rejects with a reason;
the proposer is told either way."""

import contextlib

import pghistory
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import override

from geodata.models import Document, Organisation, Site
from governance import scopes
from governance.models import ChangeRequest

Target = ChangeRequest.Target
NOTHING_PROPOSED = _lazy("The proposal changes nothing: change a value, then save.")
RECORD_GONE = _lazy(
    "The record this proposal changes no longer exists: reject the proposal, saying so."
)
MODELS = {Target.ORGANISATION: Organisation, Target.SITE: Site, Target.DOCUMENT: Document}
# What a representative may propose; anything else (published, the organisation, a status) is
# for officers alone, and a proposal that carries it is refused.
PROPOSABLE = {
    Target.ORGANISATION: [
        "name_vi", "name_en", "short_name", "tax_code", "head_office_address", "website",
        "phone", "email",
    ],
    Target.SITE: [
        "name", "kinds", "address", "province", "commune", "legacy_province_name",
        "legacy_district_name", "legacy_commune_name", "location", "location_method",
        "location_accuracy_m", "phone", "email", "opening_hours",
    ],
    Target.DOCUMENT: [
        "kind", "number", "title", "issuer", "issued_on", "valid_until", "public", "credential",
    ],
}  # fmt: skip


def target_of(record) -> str:
    return next(target for target, model in MODELS.items() if isinstance(record, model))


def _text(record, name) -> str | None:
    field = record._meta.get_field(name)
    value = getattr(record, field.attname)
    return None if value is None else field.value_to_string(record)


def _assign(record, name, text):
    field = record._meta.get_field(name)
    setattr(record, field.attname, None if text is None else field.to_python(text))


def differences(record, stored=None) -> tuple[dict, dict]:
    """The proposable values of `record` that differ from those of `stored`: (new, old)."""
    changes, before = {}, {}
    for name in PROPOSABLE[target_of(record)]:
        after = _text(record, name)
        previous = _text(stored, name) if stored else None
        if after != previous:
            changes[name], before[name] = after, previous
    return changes, before


def propose(user, record, file=None) -> ChangeRequest:
    """Keep `record` (a new one, or a changed copy of a stored one) as a change request of its
    organisation; nothing in the registry changes."""
    target = target_of(record)
    if not user.has_perm(f"geodata.propose_{target}", record):
        raise PermissionDenied
    stored = type(record).objects.get(pk=record.pk) if record.pk else None
    changes, before = differences(record, stored)
    if not changes and not file:
        raise ValidationError(NOTHING_PROPOSED)
    request = ChangeRequest(
        organisation_id=scopes.organisation_id_of_record(record),
        target=target,
        object_id=record.pk,
        changes=changes,
        before=before,
        provinces=sorted(scopes.provinces_of(record) | scopes.provinces_of(stored or record)),
        proposed_by=user,
    )
    if file:
        request.file.save(f"{target}.pdf", file, save=False)
    request.save()
    return request


def pending_record(request: ChangeRequest):
    """The record as it would be once the request is approved (not saved)."""
    model = MODELS[request.target]
    record = model.objects.get(pk=request.object_id) if request.object_id else model()
    if request.target != Target.ORGANISATION and not request.object_id:
        record.organisation_id = request.organisation_id
    for name, text in request.changes.items():
        _assign(record, name, text)
    return record


def _check_unchanged_since(request: ChangeRequest, record):
    stale = [n for n, text in request.before.items() if _text(record, n) != text]
    if stale:
        raise ValidationError(
            _(
                "The record was changed after this proposal (%(fields)s): reject it and ask the "
                "organisation to propose again from the current record."
            )
            % {"fields": ", ".join(str(record._meta.get_field(n).verbose_name) for n in stale)}
        )


@transaction.atomic
def approve(user, request: ChangeRequest):
    request = _pending_for_decision(user, request)
    if request.object_id:
        stored = MODELS[request.target].objects.filter(pk=request.object_id).first()
        if stored is None:
            raise ValidationError(RECORD_GONE)
        _check_unchanged_since(request, stored)
    record = pending_record(request)
    if request.file:
        with request.file.open("rb") as proposed:
            record.file = ContentFile(proposed.read(), name="document.pdf")
    if isinstance(record, Site) and not record.pk:
        record.published = True  # approval is publication
    record.full_clean()
    with pghistory.context(change_request=request.pk, user=user.pk):
        record.save()
    request.object_id = record.pk
    return _decide(user, request, ChangeRequest.Status.APPROVED, "")


@transaction.atomic
def reject(user, request: ChangeRequest, reason: str):
    request = _pending_for_decision(user, request)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the proposal is rejected.")})
    return _decide(user, request, ChangeRequest.Status.REJECTED, reason.strip())


def _pending_for_decision(user, request: ChangeRequest) -> ChangeRequest:
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    if not user.has_perm("governance.decide_changerequest", request):
        raise PermissionDenied
    if request.status != ChangeRequest.Status.PENDING:
        raise ValidationError(
            _("This request was already decided: %(status)s.")
            % {"status": request.get_status_display()}
        )
    return request


def _decide(user, request: ChangeRequest, status, reason) -> ChangeRequest:
    request.status, request.reason = status, reason
    request.decided_by, request.decided_at = user, timezone.now()
    request.save()
    transaction.on_commit(lambda: _tell_proposer(request))
    return request


def _tell_proposer(request: ChangeRequest):
    proposer = request.proposed_by
    if not proposer.email:
        return
    with override(settings.LANGUAGE_CODE):
        subject = _("Your change request %(id)s was %(status)s") % {
            "id": request.pk,
            "status": request.get_status_display(),
        }
        body = "\n\n".join(filter(None, [subject + ".", request.reason]))
    with contextlib.suppress(OSError):  # the decision stands; the proposer still sees it
        send_mail(subject, body, None, [proposer.email])
