import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata import status
from geodata.models import Credential, CredentialEvent, Site
from geodata.status import credential_status
from tests.factories import make_credential, make_site

ISSUED = date(2024, 3, 1)
UNTIL = date(2027, 2, 28)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (ISSUED - DAY, status.NOT_YET_VALID),
        (ISSUED, status.VALID),
        (UNTIL - timedelta(days=91), status.VALID),
        (UNTIL - timedelta(days=90), status.EXPIRING),
        (UNTIL, status.EXPIRING),
        (UNTIL + DAY, status.EXPIRED),
    ],
)
def test_status_follows_the_dates_at_every_boundary(on, expected):
    assert credential_status(ISSUED, UNTIL, [], on) == expected


def test_credential_without_valid_until_never_expires():
    assert credential_status(ISSUED, None, [], date(2099, 1, 1)) == status.VALID


def test_suspension_counts_from_its_effective_date():
    events = [(date(2025, 5, 10), status.SUSPENDED)]
    assert credential_status(ISSUED, UNTIL, events, date(2025, 5, 9)) == status.VALID
    assert credential_status(ISSUED, UNTIL, events, date(2025, 5, 10)) == status.SUSPENDED


def test_suspended_then_reinstated_credential_is_valid_again_from_the_reinstatement():
    events = [(date(2025, 5, 10), status.SUSPENDED), (date(2025, 8, 1), status.REINSTATED)]
    assert credential_status(ISSUED, UNTIL, events, date(2025, 7, 31)) == status.SUSPENDED
    assert credential_status(ISSUED, UNTIL, events, date(2025, 8, 1)) == status.VALID


def test_withdrawal_is_final_even_after_the_validity_ends():
    events = [(date(2025, 1, 15), status.WITHDRAWN)]
    assert credential_status(ISSUED, UNTIL, events, date(2025, 1, 14)) == status.VALID
    assert credential_status(ISSUED, UNTIL, events, date(2025, 1, 15)) == status.WITHDRAWN
    assert credential_status(ISSUED, UNTIL, events, UNTIL + DAY) == status.WITHDRAWN


def test_a_suspension_that_outlives_the_validity_ends_as_expired():
    events = [(date(2026, 12, 1), status.SUSPENDED)]
    assert credential_status(ISSUED, UNTIL, events, UNTIL + DAY) == status.EXPIRED


def test_a_suspended_credential_near_its_end_shows_suspended_not_expiring():
    events = [(UNTIL - timedelta(days=30), status.SUSPENDED)]
    assert credential_status(ISSUED, UNTIL, events, UNTIL - timedelta(days=10)) == status.SUSPENDED


def test_a_site_shows_the_best_standing_among_its_credentials():
    assert status.best([status.EXPIRED, status.EXPIRING, status.WITHDRAWN]) == status.EXPIRING
    assert status.best([]) is None


@pytest.mark.django_db
def test_suspended_then_reinstated_credential_in_the_database():
    credential = make_credential(issued_on=ISSUED, valid_until=UNTIL)
    CredentialEvent.objects.create(
        credential=credential,
        kind="suspended",
        effective_on=date(2025, 5, 10),
        reason="Vi phạm quy định",
    )
    CredentialEvent.objects.create(
        credential=credential, kind="reinstated", effective_on=date(2025, 8, 1)
    )
    on_date = {
        date(2025, 5, 9): status.VALID,
        date(2025, 6, 1): status.SUSPENDED,
        date(2025, 8, 1): status.VALID,
    }
    for on, expected in on_date.items():
        assert Credential.objects.with_status(on).get().status == expected
        assert credential.status_on(on) == expected


@pytest.mark.django_db
def test_site_status_in_the_database_is_the_best_of_its_credentials():
    site = make_site()
    make_credential(site=site, number="VILAS 001", valid_until=date(2024, 12, 31))
    make_credential(site=site, number="VILAS 002", valid_until=date(2026, 1, 31))
    make_site(name="Trạm không có chứng nhận")
    statuses = dict(Site.objects.with_status(date(2025, 12, 1)).values_list("name", "status"))
    assert statuses == {site.name: status.EXPIRING, "Trạm không có chứng nhận": None}
    assert site.status_on(date(2025, 12, 1)) == status.EXPIRING
    assert site.status_on(date(2026, 3, 1)) == status.EXPIRED


event_kinds = st.sampled_from([status.SUSPENDED, status.REINSTATED, status.WITHDRAWN])
days = st.integers(min_value=-400, max_value=1500)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    validity_days=st.one_of(st.none(), st.integers(min_value=0, max_value=1500)),
    events=st.lists(st.tuples(days, event_kinds), max_size=4),
    on_days=st.lists(days, min_size=1, max_size=6),
)
def test_database_and_python_compute_the_same_status(validity_days, events, on_days):
    valid_until = None if validity_days is None else ISSUED + timedelta(days=validity_days)
    credential = make_credential(issued_on=ISSUED, valid_until=valid_until)
    CredentialEvent.objects.bulk_create(
        CredentialEvent(credential=credential, kind=kind, effective_on=ISSUED + timedelta(days=d))
        for d, kind in events
    )
    for d in on_days:
        on = ISSUED + timedelta(days=d)
        in_database = Credential.objects.with_status(on).get(pk=credential.pk).status
        assert in_database == credential.status_on(on)
    credential.delete()


# The timeline (what layers.SiteIndex stores) ------------------------------------------------


def status_in_timeline(timeline, on):
    """The status of the segment of `timeline` that contains the day `on`."""
    (standing,) = [
        standing
        for start, end, standing in timeline
        if (start is None or start <= on) and (end is None or on < end)
    ]
    return standing


def assert_timeline_agrees_on_every_day(issued_on, valid_until, events, first, last):
    timeline = status.credential_timeline(issued_on, valid_until, events)
    assert timeline[0][0] is None and timeline[-1][1] is None
    for (_, end, standing), (start, _, following) in itertools.pairwise(timeline):
        assert end == start and standing != following  # contiguous, each change a real one
    for offset in range((last - first).days + 1):
        on = first + timedelta(days=offset)
        assert status_in_timeline(timeline, on) == credential_status(
            issued_on, valid_until, events, on
        ), on


@settings(max_examples=200, deadline=None)
@given(
    issued=days,
    validity_days=st.one_of(st.none(), st.integers(min_value=0, max_value=1500)),
    events=st.lists(st.tuples(days, event_kinds), max_size=5),
)
def test_the_timeline_agrees_with_the_status_on_every_day(issued, validity_days, events):
    issued_on = ISSUED + timedelta(days=issued)
    valid_until = None if validity_days is None else issued_on + timedelta(days=validity_days)
    events = [(ISSUED + timedelta(days=d), kind) for d, kind in events]
    known = [issued_on, *(day for day, _ in events), *([valid_until] if valid_until else [])]
    assert_timeline_agrees_on_every_day(
        issued_on, valid_until, events, min(known) - 100 * DAY, max(known) + 100 * DAY
    )


def test_timeline_of_a_credential_without_events_or_end():
    assert status.credential_timeline(ISSUED, None, []) == [
        (None, ISSUED, status.NOT_YET_VALID),
        (ISSUED, None, status.VALID),
    ]


def test_timeline_of_a_credential_that_expires():
    assert status.credential_timeline(ISSUED, UNTIL, []) == [
        (None, ISSUED, status.NOT_YET_VALID),
        (ISSUED, UNTIL - timedelta(days=90), status.VALID),
        (UNTIL - timedelta(days=90), UNTIL + DAY, status.EXPIRING),
        (UNTIL + DAY, None, status.EXPIRED),
    ]


def test_timeline_of_a_suspension_and_reinstatement():
    events = [(date(2025, 5, 10), status.SUSPENDED), (date(2025, 8, 1), status.REINSTATED)]
    assert status.credential_timeline(ISSUED, None, events) == [
        (None, ISSUED, status.NOT_YET_VALID),
        (ISSUED, date(2025, 5, 10), status.VALID),
        (date(2025, 5, 10), date(2025, 8, 1), status.SUSPENDED),
        (date(2025, 8, 1), None, status.VALID),
    ]


def test_timeline_of_a_withdrawal_ends_withdrawn_for_ever():
    events = [(date(2025, 1, 15), status.WITHDRAWN)]
    assert status.credential_timeline(ISSUED, UNTIL, events)[-1] == (
        date(2025, 1, 15),
        None,
        status.WITHDRAWN,
    )
    assert_timeline_agrees_on_every_day(ISSUED, UNTIL, events, ISSUED, UNTIL + 10 * DAY)


@pytest.mark.parametrize(
    "events",
    [
        [(ISSUED - 30 * DAY, status.SUSPENDED)],  # suspended before it was even issued
        [(UNTIL + 30 * DAY, status.WITHDRAWN)],  # withdrawn once expired
        [(UNTIL - 10 * DAY, status.SUSPENDED), (UNTIL - 10 * DAY, status.REINSTATED)],
        [(UNTIL - 100 * DAY, status.SUSPENDED), (UNTIL - 50 * DAY, status.REINSTATED)],
    ],
)
def test_timeline_agrees_at_the_edges(events):
    assert_timeline_agrees_on_every_day(ISSUED, UNTIL, events, ISSUED - 60 * DAY, UNTIL + 60 * DAY)


def test_timeline_of_a_credential_valid_for_one_day():
    assert_timeline_agrees_on_every_day(ISSUED, ISSUED, [], ISSUED - 5 * DAY, ISSUED + 5 * DAY)


def test_a_reinstatement_recorded_after_a_withdrawal_does_not_undo_it():
    events = [(date(2025, 1, 1), status.WITHDRAWN), (date(2025, 2, 1), status.REINSTATED)]

    assert status.credential_status(ISSUED, UNTIL, events, date(2025, 3, 1)) == status.WITHDRAWN
