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
NEAREST = 12  # how many nearest stops a stop may trade places with across days


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
    and shortens the plan, or places a stop that had no day. Moves between days only bring
    together stops that are among each other's nearest (a granular neighbourhood)."""
    days = [list(day) for day in found.days]
    unplaced = list(found.unplaced)
    near = _nearest(problem)
    changed = set(range(len(days)))
    while changed:
        for index in changed:
            days[index] = _or_opt(problem, _two_opt(problem, days[index]))
        changed = _place_unplaced(problem, days, unplaced)
        changed |= _relocate(problem, days, near)
        changed |= _exchange(problem, days, near)
    return Plan(days, unplaced)


def _nearest(problem: Problem) -> list[list[int]]:
    """For each stop, the NEAREST stops closest to it."""
    metres = problem.travel.metres
    return [
        sorted(
            (other for other in range(problem.stops) if other != stop),
            key=lambda other: metres[_node(stop)][_node(other)],
        )[:NEAREST]
        for stop in range(problem.stops)
    ]


def _day_of(days: list[list[int]]) -> dict[int, int]:
    return {stop: index for index, day in enumerate(days) for stop in day}


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


def _best_insertion(problem: Problem, day: list[int], stop: int) -> tuple[float, int] | None:
    """The cheapest place for `stop` in `day` that keeps the day within its limits: (added
    metres, position), or None."""
    if len(day) >= problem.max_per_day:
        return None
    metres, seconds = problem.travel.metres, problem.travel.seconds
    room = problem.day_seconds - route_seconds(problem, day) - problem.visit_seconds[stop]
    route, node, best = _route(day), _node(stop), None
    for position, (a, b) in enumerate(pairwise(route)):
        if seconds[a][node] + seconds[node][b] - seconds[a][b] > room:
            continue
        added = metres[a][node] + metres[node][b] - metres[a][b]
        if best is None or added < best[0]:
            best = (added, position)
    return best


def _place_unplaced(problem: Problem, days: list[list[int]], unplaced: list[int]) -> set[int]:
    """Gives each free stop that had no day the cheapest place that has room for it; returns the
    days changed."""
    changed = set()
    for stop in [stop for stop in unplaced if stop not in problem.pinned]:
        options = [
            (found[0], index, found[1])
            for index, day in enumerate(days)
            if (found := _best_insertion(problem, day, stop))
        ]
        if options:
            _added, index, position = min(options)
            days[index].insert(position, stop)
            unplaced.remove(stop)
            changed.add(index)
    return changed


def _neighbours(day: list[int], position: int) -> tuple[int, int]:
    """The points before and after the stop at `position` in its day's route."""
    before = _node(day[position - 1]) if position > 0 else START
    after = _node(day[position + 1]) if position + 1 < len(day) else END
    return before, after


def _removal_saves(problem: Problem, day: list[int], position: int) -> float:
    metres, here = problem.travel.metres, _node(day[position])
    before, after = _neighbours(day, position)
    return metres[before][here] + metres[here][after] - metres[before][after]


def _relocate(problem: Problem, days: list[list[int]], near: list[list[int]]) -> set[int]:
    """Moves each free stop to the day, among those of its nearest stops, where it costs least,
    when that shortens the plan; returns the days changed."""
    changed, day_of = set(), _day_of(days)
    for source, day in enumerate(days):
        for stop in list(day):
            if stop in problem.pinned:
                continue
            saved = _removal_saves(problem, day, day.index(stop))
            targets = {day_of[other] for other in near[stop] if other in day_of} - {source}
            options = [
                (found[0], target, found[1])
                for target in sorted(targets)
                if (found := _best_insertion(problem, days[target], stop))
            ]
            added, target, position = min(options, default=(saved, None, None))
            if added < saved - 1e-6:
                day.remove(stop)
                days[target].insert(position, stop)
                day_of[stop] = target
                changed |= {source, target}
    return changed


def _exchange(problem: Problem, days: list[list[int]], near: list[list[int]]) -> set[int]:
    """Swaps two free stops of different days, one among the other's nearest, each into the
    other's place, when that shortens the plan and both days keep within their limits; returns
    the days changed."""
    changed, day_of = set(), _day_of(days)
    for a in list(day_of):
        for b in near[a]:
            first, second = day_of[a], day_of.get(b)
            if second is None or second == first:
                continue
            one, two = days[first], days[second]
            i, j = one.index(a), two.index(b)
            if _swap_shortens(problem, one, i, two, j):
                one[i], two[j] = b, a
                day_of[a], day_of[b] = second, first
                changed |= {first, second}
                break
    return changed


def _swap_shortens(problem: Problem, one: list[int], i: int, two: list[int], j: int) -> bool:
    a, b = one[i], two[j]
    if a in problem.pinned or b in problem.pinned:
        return False
    metres_one, seconds_one = _replacement(problem, one, i, b)
    metres_two, seconds_two = _replacement(problem, two, j, a)
    return (
        metres_one + metres_two < -1e-6
        and route_seconds(problem, one) + seconds_one <= problem.day_seconds
        and route_seconds(problem, two) + seconds_two <= problem.day_seconds
    )


def _replacement(problem: Problem, day: list[int], position: int, stop: int):
    """What putting `stop` in the place of the stop at `position` adds: (metres, seconds)."""
    old, new = day[position], stop
    before, after = _neighbours(day, position)
    metres, seconds = problem.travel.metres, problem.travel.seconds
    node_old, node_new = _node(old), _node(new)
    return (
        metres[before][node_new]
        + metres[node_new][after]
        - metres[before][node_old]
        - metres[node_old][after],
        seconds[before][node_new]
        + seconds[node_new][after]
        - seconds[before][node_old]
        - seconds[node_old][after]
        + problem.visit_seconds[new]
        - problem.visit_seconds[old],
    )
