"""The standing of a credential, and so of a site, computed for a date: never stored, so it
cannot go stale. The same rule in Python (one object) and in SQL (lists); a test holds them equal.

On a date, a credential is
  not_yet_valid  before its issue date;
  withdrawn      from a withdrawal on (final);
  expired        after its valid-until date;
  suspended      from a suspension until a reinstatement;
  expiring       when its valid-until date is at most 90 days away;
  valid          otherwise (a credential without a valid-until date does not expire).
"""

from datetime import date, timedelta

from django.apps import apps
from django.db.models import (
    Case,
    CharField,
    Exists,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

VALID = "valid"
EXPIRING = "expiring"
SUSPENDED = "suspended"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"
NOT_YET_VALID = "not_yet_valid"
REINSTATED = "reinstated"  # an event, never a status

EXPIRING_WITHIN = timedelta(days=90)

# From best to worst: a site shows the best standing among its credentials.
RANKED = (VALID, EXPIRING, SUSPENDED, EXPIRED, WITHDRAWN, NOT_YET_VALID)
LABELS = {
    VALID: _("valid"),
    EXPIRING: _("expiring within 90 days"),
    SUSPENDED: _("suspended"),
    EXPIRED: _("expired"),
    WITHDRAWN: _("withdrawn"),
    NOT_YET_VALID: _("not yet in force"),
}


def credential_status(issued_on: date, valid_until: date | None, events, on: date) -> str:
    """`events`: (effective_on, kind) pairs in the order they were recorded."""
    if on < issued_on:
        return NOT_YET_VALID
    in_force = [
        kind for effective_on, kind in sorted(events, key=lambda e: e[0]) if effective_on <= on
    ]
    if WITHDRAWN in in_force:
        return WITHDRAWN
    standing = in_force[-1] if in_force else None
    if valid_until is not None and on > valid_until:
        return EXPIRED
    if standing == SUSPENDED:
        return SUSPENDED
    if valid_until is not None and valid_until - on <= EXPIRING_WITHIN:
        return EXPIRING
    return VALID


def best(statuses) -> str | None:
    present = set(statuses)
    return next((s for s in RANKED if s in present), None)


def credential_status_expression(on: date):
    """The SQL form of credential_status, for a queryset of credentials."""
    event_model = apps.get_model("geodata", "CredentialEvent")
    in_force = event_model.objects.filter(credential=OuterRef("pk"), effective_on__lte=on)
    standing = Subquery(in_force.order_by("-effective_on", "-id").values("kind")[:1])
    return Case(
        When(issued_on__gt=on, then=Value(NOT_YET_VALID)),
        When(Exists(in_force.filter(kind=WITHDRAWN)), then=Value(WITHDRAWN)),
        When(valid_until__lt=on, then=Value(EXPIRED)),
        When(Exact(standing, SUSPENDED), then=Value(SUSPENDED)),
        When(valid_until__lte=on + EXPIRING_WITHIN, then=Value(EXPIRING)),
        default=Value(VALID),
        output_field=CharField(),
    )


def site_status_expression(on: date):
    """The best status on `on` among the credentials covering each site of a queryset."""
    credential_model = apps.get_model("geodata", "Credential")
    rank = Case(
        *(When(status=s, then=Value(i)) for i, s in enumerate(RANKED)),
        output_field=IntegerField(),
    )
    ranked = (
        credential_model.objects.filter(sites=OuterRef("pk"))
        .annotate(status=credential_status_expression(on))
        .annotate(rank=rank)
        .order_by("rank")
        .values("status")[:1]
    )
    return Subquery(ranked, output_field=CharField())


def credential_timeline(issued_on: date, valid_until: date | None, events):
    """The credential's status over all time, as (first day or None, day after the last or None,
    status) segments in date order: credential_status evaluated on each day it can change."""
    changes = {issued_on, *(day for day, _ in events)}
    if valid_until is not None:
        changes |= {valid_until - EXPIRING_WITHIN, valid_until + timedelta(days=1)}
    starts = sorted(day for day in changes if day >= issued_on)
    segments = [[None, issued_on, NOT_YET_VALID]]
    for start, end in zip(starts, [*starts[1:], None], strict=True):
        standing = credential_status(issued_on, valid_until, events, start)
        if standing == segments[-1][2]:
            segments[-1][1] = end
        else:
            segments.append([start, end, standing])
    return [tuple(segment) for segment in segments]
