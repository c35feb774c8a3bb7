"""Orders visits into working days so that travel stays short. Pure: no database, no Django.

The route of a day starts at the plan's start point, visits its stops and ends at the end point.
A day holds at most `max_per_day` stops and must end within its working hours (travel plus
visits). A pinned stop stays on its day.

The heuristic: a giant tour (nearest neighbour from the start), cut into days in tour order,
then local search until nothing improves: 2-opt and or-opt inside a day, relocation and exchange
of stops between days, and insertion of stops that did not fit. The order the stops were picked
in goes through the same cut and search, and the shorter plan wins: the result is never longer
than the picked order.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

START, END = 0, 1  # indexes of the start and end points in the travel matrix; stops follow


@dataclass(frozen=True)
class Travel:
    """Metres and seconds between every pair of points: start, end, then the stops."""

    metres: Sequence[Sequence[float]]
    seconds: Sequence[Sequence[float]]


@dataclass(frozen=True)
class Problem:
    travel: Travel
    visit_seconds: Sequence[int]  # per stop, in the order the stops were picked
    days: int
    day_seconds: int  # the length of the working day
    max_per_day: int
    pinned: dict[int, int] = field(default_factory=dict)  # stop → day, both from 0

    @property
    def stops(self) -> int:
        return len(self.visit_seconds)


@dataclass
class Plan:
    """Stops (indexes from 0, in the picked order's numbering) per day, and those that did not
    fit in any day."""

    days: list[list[int]]
    unplaced: list[int]


def plan(problem: Problem) -> Plan:
    """The shortest of the plans grown from a nearest-neighbour tour and from the picked order."""
    candidates = [
        improve(problem, cut(problem, tour))
        for tour in (nearest_neighbour_tour(problem), list(range(problem.stops)))
    ]
    return min(candidates, key=lambda found: (len(found.unplaced), metres(problem, found)))


def picked_order(problem: Problem) -> Plan:
    """The plan as picked: the stops in the order chosen, cut into days the same way."""
    return cut(problem, list(range(problem.stops)))


# Measures ---------------------------------------------------------------------------------------


def _node(stop: int) -> int:
    return stop + 2


def _route(day: list[int]) -> list[int]:
    return [START, *map(_node, day), END]


def route_metres(problem: Problem, day: list[int]) -> float:
    table = problem.travel.metres
    return sum(table[a][b] for a, b in pairwise(_route(day)))


def route_seconds(problem: Problem, day: list[int]) -> float:
    """Travel and visits of one day, from leaving the start to reaching the end."""
    table = problem.travel.seconds
    travel = sum(table[a][b] for a, b in pairwise(_route(day)))
    return travel + sum(problem.visit_seconds[stop] for stop in day)


def metres(problem: Problem, found: Plan) -> float:
    return sum(route_metres(problem, day) for day in found.days if day)


def fits(problem: Problem, day: list[int]) -> bool:
    return len(day) <= problem.max_per_day and route_seconds(problem, day) <= problem.day_seconds


# Construction -----------------------------------------------------------------------------------


def nearest_neighbour_tour(problem: Problem) -> list[int]:
    table = problem.travel.metres
    left = set(range(problem.stops))
    tour, here = [], START
    while left:
        nearest = min(left, key=lambda stop: (table[here][_node(stop)], stop))
        tour.append(nearest)
        left.remove(nearest)
        here = _node(nearest)
    return tour


def cut(problem: Problem, tour: list[int]) -> Plan:
    """Days filled in tour order: the pinned stops of a day first reserve their place, then each
    day takes the next stops of the tour while it can hold them."""
    days = [
        [stop for stop in tour if problem.pinned.get(stop) == day] for day in range(problem.days)
    ]
    unplaced = [stop for stop in tour if problem.pinned.get(stop, 0) >= problem.days]
    free = [stop for stop in tour if stop not in problem.pinned]
    day = 0
    for stop in free:
        while day < problem.days and not fits(problem, _in_tour_order(days[day] + [stop], tour)):
            day += 1
        if day == problem.days:
            unplaced.append(stop)
            continue
        days[day] = _in_tour_order(days[day] + [stop], tour)
    return Plan(days, unplaced)


def _in_tour_order(stops: list[int], tour: list[int]) -> list[int]:
    rank = {stop: index for index, stop in enumerate(tour)}
    return sorted(stops, key=rank.__getitem__)


# Local search -----------------------------------------------------------------------------------


def improve(problem: Problem, found: Plan) -> Plan:
    """Applies improving moves until none is left. Every move keeps each day within its limits
    and shortens the plan, or places a stop that had no day."""
    days = [list(day) for day in found.days]
    unplaced = list(found.unplaced)
    improved = True
    while improved:
        improved = _place_unplaced(problem, days, unplaced)
        for index, day in enumerate(days):
            days[index] = _two_opt(problem, day)
            days[index] = _or_opt(problem, days[index])
        improved = _relocate(problem, days) or improved
        improved = _exchange(problem, days) or improved
    return Plan(days, unplaced)


def _shorter(problem: Problem, candidate: list[int], than: float) -> bool:
    return route_metres(problem, candidate) < than - 1e-6 and fits(problem, candidate)


def _two_opt(problem: Problem, day: list[int]) -> list[int]:
    best, length = day, route_metres(problem, day)
    improved = True
    while improved:
        improved = False
        for i in range(len(best) - 1):
            for j in range(i + 2, len(best) + 1):
                candidate = best[:i] + best[i:j][::-1] + best[j:]
                if _shorter(problem, candidate, length):
                    best, length, improved = candidate, route_metres(problem, candidate), True
    return best


def _or_opt(problem: Problem, day: list[int]) -> list[int]:
    """Moves a run of one to three consecutive stops elsewhere in the day, either way round."""
    best, length = day, route_metres(problem, day)
    improved = True
    while improved:
        improved = False
        for size in (1, 2, 3):
            for i in range(len(best) - size + 1):
                run, rest = best[i : i + size], best[:i] + best[i + size :]
                for j in range(len(rest) + 1):
                    for piece in (run, run[::-1]) if size > 1 else (run,):
                        candidate = rest[:j] + piece + rest[j:]
                        if _shorter(problem, candidate, length):
                            best, length, improved = (
                                candidate,
                                route_metres(problem, candidate),
                                True,
                            )
    return best


def _best_insertion(problem: Problem, day: list[int], stop: int) -> tuple[float, list[int]] | None:
    """The cheapest feasible place for `stop` in `day`: (added metres, the new day)."""
    base = route_metres(problem, day)
    options = []
    for position in range(len(day) + 1):
        candidate = [*day[:position], stop, *day[position:]]
        if fits(problem, candidate):
            options.append((route_metres(problem, candidate) - base, candidate))
    return min(options, key=lambda option: option[0], default=None)


def _place_unplaced(problem: Problem, days: list[list[int]], unplaced: list[int]) -> bool:
    """Gives a free stop that had no day the cheapest place that has room for it."""
    placed = False
    for stop in [stop for stop in unplaced if stop not in problem.pinned]:
        options = []
        for index, day in enumerate(days):
            if found := _best_insertion(problem, day, stop):
                options.append((found[0], index, found[1]))
        if options:
            _added, index, candidate = min(options, key=lambda option: option[:2])
            days[index] = candidate
            unplaced.remove(stop)
            placed = True
    return placed


def _relocate(problem: Problem, days: list[list[int]]) -> bool:
    """Moves a free stop to the day where it costs least, when that shortens the plan."""
    improved = False
    for source in range(len(days)):
        for stop in list(days[source]):
            if stop in problem.pinned:
                continue
            without = [other for other in days[source] if other != stop]
            saved = route_metres(problem, days[source]) - route_metres(problem, without)
            for target in range(len(days)):
                if target == source:
                    continue
                found = _best_insertion(problem, days[target], stop)
                if found and found[0] < saved - 1e-6:
                    days[source], days[target] = without, found[1]
                    improved = True
                    break
    return improved


def _exchange(problem: Problem, days: list[list[int]]) -> bool:
    """Swaps two free stops of different days, each into the other's place, at the first swap
    that shortens the plan."""
    for first, second in ((f, s) for f in range(len(days)) for s in range(f + 1, len(days))):
        before = route_metres(problem, days[first]) + route_metres(problem, days[second])
        for i, a in enumerate(days[first]):
            for j, b in enumerate(days[second]):
                if a in problem.pinned or b in problem.pinned:
                    continue
                one = [*days[first][:i], b, *days[first][i + 1 :]]
                two = [*days[second][:j], a, *days[second][j + 1 :]]
                after = route_metres(problem, one) + route_metres(problem, two)
                if after < before - 1e-6 and fits(problem, one) and fits(problem, two):
                    days[first], days[second] = one, two
                    return True
    return False
