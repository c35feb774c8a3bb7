"""The planner on realistic and on known instances: no database, distances on the ellipsoid."""

import random
from itertools import permutations, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections import planner
from inspections.routing import geodesic_travel

OFFICE = (105.8194, 21.0245)  # Hà Nội
HOUR = 3600


def problem(points, *, days=1, hours=9, cap=50, minutes=30, pinned=None, start=OFFICE, end=None):
    travel = geodesic_travel([start, end or start, *points], detour=1.3, speed_kmh=35)
    return planner.Problem(
        travel=travel,
        visit_seconds=[minutes * 60] * len(points),
        days=days,
        day_seconds=hours * HOUR,
        max_per_day=cap,
        pinned=pinned or {},
    )


def scattered(count, seed, west=105.6, south=20.85, size=(0.4, 0.32)):
    """Points over the heart of Hà Nội (about 40 × 35 km around the old city)."""
    rng = random.Random(seed)
    return [(west + rng.random() * size[0], south + rng.random() * size[1]) for _ in range(count)]


def placed(found):
    return sorted(stop for day in found.days for stop in day)


def test_forty_sites_over_a_province_fill_three_days_within_the_cap_and_the_hours():
    instance = problem(scattered(40, seed=1), days=3, cap=14, minutes=20)

    found = planner.plan(instance)

    assert placed(found) == list(range(40)) and found.unplaced == []
    assert all(len(day) <= 14 for day in found.days)
    assert all(planner.route_seconds(instance, day) <= 9 * HOUR for day in found.days)


def test_the_plan_is_a_third_shorter_than_the_order_picked_on_a_scattered_province():
    instance = problem(scattered(40, seed=1), days=3, cap=14, minutes=20)

    ordered = planner.metres(instance, planner.plan(instance))
    picked = planner.metres(instance, planner.picked_order(instance))

    assert ordered < 0.7 * picked  # at least 30 % shorter


def test_a_pinned_visit_stays_on_its_day_and_the_rest_is_ordered_around_it():
    points = scattered(40, seed=2)
    instance = problem(points, days=3, cap=14, minutes=20, pinned={7: 2, 30: 0})

    found = planner.plan(instance)

    assert 7 in found.days[2] and 30 in found.days[0]
    assert placed(found) == list(range(40))


def test_a_visit_pinned_to_a_day_the_plan_does_not_have_is_left_out_not_moved():
    instance = problem(scattered(5, seed=3), days=2, pinned={4: 5})

    found = planner.plan(instance)

    assert found.unplaced == [4]
    assert placed(found) == [0, 1, 2, 3]


def test_visits_that_do_not_fit_in_the_days_are_reported_not_dropped():
    instance = problem(scattered(12, seed=4), days=2, cap=4)

    found = planner.plan(instance)

    assert len(found.unplaced) == 4
    assert sorted(placed(found) + found.unplaced) == list(range(12))


def test_a_day_never_ends_after_working_hours():
    instance = problem(scattered(30, seed=5), days=5, hours=8, minutes=90)

    found = planner.plan(instance)

    assert all(planner.route_seconds(instance, day) <= 8 * HOUR for day in found.days)
    assert all(len(day) <= 4 for day in found.days)  # 4 × 90 min of visits fill most of 8 h


def test_two_opt_uncrosses_a_route_that_crosses_itself():
    corners = [(105.9, 21.1), (105.7, 21.1), (105.9, 21.0), (105.7, 21.0)]  # a Z when in order
    instance = problem(corners, start=(105.8, 21.15), end=(105.8, 21.15))

    found = planner.improve(instance, planner.Plan(days=[[0, 1, 2, 3]], unplaced=[]))

    assert found.days[0] in ([0, 2, 3, 1], [1, 3, 2, 0])


def brute_force_optimum(instance):
    stops = range(instance.stops)
    return min(planner.route_metres(instance, list(order)) for order in permutations(stops))


def test_nine_stops_come_within_five_percent_of_the_optimum_found_by_brute_force():
    instance = problem(scattered(9, seed=11), hours=24)

    found = planner.plan(instance)

    assert len(found.days[0]) == 9
    assert planner.metres(instance, found) <= 1.05 * brute_force_optimum(instance)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    count=st.integers(1, 25),
    days=st.integers(1, 4),
    cap=st.integers(1, 10),
    pins=st.lists(st.tuples(st.integers(0, 24), st.integers(0, 3)), max_size=4),
)
def test_the_ordered_route_is_never_longer_than_the_order_picked(seed, count, days, cap, pins):
    pinned = {stop: min(day, days - 1) for stop, day in pins if stop < count}
    instance = problem(scattered(count, seed), days=days, cap=cap, pinned=pinned)

    found = planner.plan(instance)
    picked = planner.picked_order(instance)

    assert len(found.unplaced) <= len(picked.unplaced)
    if len(found.unplaced) == len(picked.unplaced):
        assert planner.metres(instance, found) <= planner.metres(instance, picked) + 1e-6
    assert all(found.days[day].count(stop) == 1 for stop, day in pinned.items() if day < days)


@pytest.mark.parametrize(("count", "days"), product([1, 2, 6], [1, 3]))
def test_every_stop_is_placed_once_or_reported(count, days):
    instance = problem(scattered(count, seed=count * days), days=days, cap=2)

    found = planner.plan(instance)

    assert sorted(placed(found) + found.unplaced) == list(range(count))


def test_geodesic_distances_are_those_of_the_ellipsoid_times_the_detour():
    ha_noi, ho_chi_minh_city = (105.8342, 21.0278), (106.6297, 10.8231)

    travel = geodesic_travel([ha_noi, ho_chi_minh_city], detour=1.0, speed_kmh=60)

    assert travel.metres[0][1] == pytest.approx(1_137_000, rel=0.01)
    assert travel.seconds[0][1] == pytest.approx(travel.metres[0][1] / (60 / 3.6))
    assert travel.metres[0][0] == 0
