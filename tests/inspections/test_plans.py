"""Plans made, reordered by hand and re-optimised through inspections.services, and who may."""

from datetime import date, time

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from geodata.models import Authority
from inspections import services
from inspections.models import Plan
from inspections.selectors import months_before, plans_for
from tests.factories import make_site, province
from tests.inspections.conftest import DA_NANG, HA_NOI, MONDAY

QUICK_VISITS = {"verification": 20, "testing": 20}


def days_of(plan):
    """Site names per day, in the order of the day."""
    days = {}
    for stop in plan.stops.filter(day__isnull=False).order_by("day", "position"):
        days.setdefault(stop.day, []).append(stop)
    return [days[number] for number in sorted(days)]


def test_forty_sites_of_a_province_are_planned_over_three_days_within_the_daily_cap(
    officer, ha_noi_sites, make_plan
):
    plan = make_plan(officer, ha_noi_sites, max_visits_per_day=14, visit_minutes=QUICK_VISITS)

    days = days_of(plan)
    assert all(len(day) <= 14 for day in days) and sum(map(len, days)) == 40
    for day in days:
        arrivals = [stop.arrives_at for stop in day]
        assert arrivals == sorted(arrivals) and arrivals[0] > time(8, 0)
    summary = plan.summary
    assert [entry["date"] for entry in summary["days"]] == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
    ]
    assert all(entry["back_at"] <= "17:00" and not entry["over_hours"] for entry in summary["days"])
    assert summary["metres"] == sum(entry["metres"] for entry in summary["days"])
    # In the order picked, the same days do not hold the forty visits.
    assert summary["unplaced"] == 0 and summary["picked_unplaced"] > 0
    assert summary["saved_percent"] is None


def test_the_saving_over_the_order_picked_is_given_when_both_place_every_visit(
    officer, ha_noi_sites, make_plan
):
    plan = make_plan(officer, ha_noi_sites[:12], visit_minutes=QUICK_VISITS)

    summary = plan.summary
    assert summary["unplaced"] == summary["picked_unplaced"] == 0
    assert summary["metres"] < summary["picked_metres"]
    assert summary["saved_percent"] == round(
        100 * (1 - summary["metres"] / summary["picked_metres"]), 1
    )


def test_a_visit_pinned_to_a_day_stays_there_when_the_rest_is_re_optimised(
    officer, ha_noi_sites, make_plan
):
    plan = make_plan(officer, ha_noi_sites, max_visits_per_day=14, visit_minutes=QUICK_VISITS)
    days = [[stop.pk for stop in day] for day in days_of(plan)]
    moved = days[0].pop(0)
    days[2].append(moved)

    services.reorder(plan, days, pinned={moved})
    services.optimise(plan)

    stop = plan.stops.get(pk=moved)
    assert stop.day == 3 and stop.pinned
    assert plan.stops.filter(day__isnull=True).count() == 0
    assert all(len(day) <= 14 for day in days_of(plan))


def test_re_optimising_shortens_an_order_given_by_hand(officer, ha_noi_sites, make_plan):
    plan = make_plan(officer, ha_noi_sites[:12], visit_minutes=QUICK_VISITS)
    optimised = plan.summary["metres"]
    scrambled = [[stop.pk for stop in day][::-1] for day in days_of(plan)]
    scrambled[0] = scrambled[0][::2] + scrambled[0][1::2]

    services.reorder(plan, scrambled, pinned=set())
    by_hand = plan.summary["metres"]
    services.optimise(plan)

    assert by_hand > optimised
    assert plan.summary["metres"] <= by_hand


def test_the_order_given_by_hand_is_kept_with_its_times_computed_again(
    officer, ha_noi_sites, make_plan
):
    plan = make_plan(officer, ha_noi_sites[:6])
    stops = [stop.pk for day in days_of(plan) for stop in day]

    services.reorder(plan, [stops[::-1], []], pinned=set())

    day = days_of(plan)[0]
    assert [stop.pk for stop in day] == stops[::-1]
    assert [stop.arrives_at for stop in day] == sorted(stop.arrives_at for stop in day)
    assert plan.summary["days"][0]["stops"] == 6 and plan.summary["days"][1]["stops"] == 0


def test_a_day_made_too_long_by_hand_is_flagged(officer, ha_noi_sites, make_plan):
    plan = make_plan(officer, ha_noi_sites[:10], visit_minutes={"verification": 90, "testing": 90})

    services.reorder(plan, [[stop.pk for stop in plan.stops.all()]], pinned=set())

    day = plan.summary["days"][0]
    assert day["over_hours"] and day["over_cap"]


@pytest.mark.parametrize("problem", ["another plan's stop", "a stop twice", "a pin without day"])
def test_an_order_that_does_not_match_the_plan_is_refused_and_nothing_changes(
    problem, officer, ha_noi_sites, make_plan
):
    plan = make_plan(officer, ha_noi_sites[:4])
    other = make_plan(officer, ha_noi_sites[4:6])
    before = list(plan.stops.values_list("pk", "day", "position", "pinned"))
    ids = [stop.pk for stop in plan.stops.all()]
    days, pinned = {
        "another plan's stop": ([[*ids, other.stops.first().pk]], set()),
        "a stop twice": ([ids, ids[:1]], set()),
        "a pin without day": ([ids[1:]], {ids[0]}),
    }[problem]

    with pytest.raises(ValidationError):
        services.reorder(plan, days, pinned)

    assert list(plan.stops.values_list("pk", "day", "position", "pinned")) == before


def test_an_officer_cannot_plan_a_site_of_another_province(
    officer, ha_noi_sites, da_nang_site, make_plan
):
    with pytest.raises(PermissionDenied):
        make_plan(officer, [ha_noi_sites[0], da_nang_site])

    assert not Plan.objects.exists()


def test_a_representative_or_the_public_cannot_plan(
    representative, public_user, ha_noi_sites, make_plan
):
    for user in (representative, public_user):
        with pytest.raises(PermissionDenied):
            make_plan(user, ha_noi_sites[:2])


def test_an_officers_plan_belongs_to_their_province_and_is_hidden_from_other_provinces(
    officer, other_officer, administrator, ha_noi_sites, make_plan
):
    plan = make_plan(officer, ha_noi_sites[:3])

    assert plan.province == province(HA_NOI)
    assert list(plans_for(officer)) == [plan]
    assert list(plans_for(administrator)) == [plan]
    assert not plans_for(other_officer).exists()


def test_a_central_administrator_plans_across_provinces(
    administrator, ha_noi_sites, da_nang_site, make_plan
):
    plan = make_plan(administrator, [ha_noi_sites[0], da_nang_site], last_day=date(2026, 12, 4))

    assert plan.province is None
    assert plan.stops.count() == 2


def test_dates_without_a_working_day_are_refused(officer, ha_noi_sites, make_plan):
    weekend = {"first_day": date(2026, 11, 28), "last_day": date(2026, 11, 29)}

    with translation.override("en"), pytest.raises(ValidationError, match="working day"):
        make_plan(officer, ha_noi_sites[:2], **weekend)

    assert not Plan.objects.exists()


def test_working_days_are_monday_to_friday():
    days = services.working_days(MONDAY, date(2026, 12, 1))

    assert [day.isoformat() for day in days] == [
        "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27",
        "2026-11-30", "2026-12-01",
    ]  # fmt: skip


def test_a_visit_lasts_as_long_as_the_longest_service_of_the_site(db):
    site = make_site(kinds=["verification", "testing"])

    assert services.visit_minutes_of(site, {"testing": 150}) == 150
    assert services.visit_minutes_of(site, {}) == 120


def test_tours_start_at_the_departments_office_when_it_is_recorded(officer):
    department = Authority.objects.get(code=f"so-khcn-{HA_NOI}")
    department.office_address = "Số 5 Nguyễn Trãi, phường Thanh Xuân, Hà Nội"
    department.office = Point(105.8047, 20.9939, srid=4326)
    department.save()

    office = services.default_office(officer)

    assert office.address == department.office_address
    assert office.point.coords == pytest.approx((105.8047, 20.9939))


def test_tours_start_at_the_province_centre_when_the_office_is_not_recorded(other_officer):
    office = services.default_office(other_officer)

    assert office.point.coords == province(DA_NANG).point.coords
    assert "Đà Nẵng" in office.address


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(date(2026, 11, 21), 6) == date(2026, 5, 21)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)
