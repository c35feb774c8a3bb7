"""The field-visit planner's figures for `make bench`: how long planning takes and how much
shorter the plan is than the order the sites were picked in, on generated provinces.

Each case scatters its sites at random (fixed seeds) over a province-sized square around Hà Nội,
distances on the ellipsoid × 1.3 at 35 km/h as the planner uses them without OSRM."""

import random
import statistics
import time

from inspections import planner
from inspections.routing import geodesic_travel

OFFICE = (105.8194, 21.0245)
SEEDS = range(5)
# (sites, working days, at most visits a day, minutes a visit, the square's side in degrees)
CASES = [
    (9, 2, 9, 30, 0.3),
    (40, 3, 14, 20, 0.4),
    (40, 8, 14, 20, 0.4),
    (120, 10, 12, 30, 0.8),
    (300, 25, 12, 30, 1.2),
]


def _problem(sites, days, cap, minutes, side, seed):
    rng = random.Random(seed)
    west, south = OFFICE[0] - side / 2, OFFICE[1] - side / 2
    points = [(west + rng.random() * side, south + rng.random() * side) for _ in range(sites)]
    return planner.Problem(
        travel=geodesic_travel([OFFICE, OFFICE, *points], detour=1.3, speed_kmh=35),
        visit_seconds=[minutes * 60] * sites,
        days=days,
        day_seconds=9 * 3600,
        max_per_day=cap,
    )


def measure() -> dict:
    figures = {}
    for sites, days, cap, minutes, side in CASES:
        seconds, shorter, unplaced = [], [], []
        for seed in SEEDS:
            problem = _problem(sites, days, cap, minutes, side, seed)
            started = time.perf_counter()
            found = planner.plan(problem)
            seconds.append(time.perf_counter() - started)
            picked = planner.picked_order(problem)
            unplaced.append(len(picked.unplaced) - len(found.unplaced))
            if len(picked.unplaced) == len(found.unplaced):
                shorter.append(1 - planner.metres(problem, found) / planner.metres(problem, picked))
        case = f"{sites} sites, {days} days, ≤ {cap} a day, {side * 111:.0f} km square"
        figures[case] = {
            "plan (ms, median of 5 seeds)": round(statistics.median(seconds) * 1000, 1),
            "plan (ms, slowest)": round(max(seconds) * 1000, 1),
            "shorter than the order picked (median %)": (
                round(100 * statistics.median(shorter), 1) if shorter else None
            ),
            "visits the order picked could not fit but the plan did (median)": statistics.median(
                unplaced
            ),
        }
    return figures


def markdown(figures: dict, command: str) -> str:
    rows = "\n".join(
        f"| {case} | {values['plan (ms, median of 5 seeds)']} | {values['plan (ms, slowest)']} | "
        f"{values['shorter than the order picked (median %)'] or '–'} | "
        f"{values['visits the order picked could not fit but the plan did (median)']} |"
        for case, values in figures.items()
    )
    return f"""
## The field-visit planner (issue 7)

Measured by `{command}` (scripts/bench_planner.py), in the bench process, without a database:
each case is five provinces of random sites (seeds 0–4) in a square around Hà Nội, 9-hour
working days, straight-line distances × 1.3 at 35 km/h. "Shorter" compares with the order the
sites were picked in, cut into the same days, when both place as many visits; the last column
counts the visits the order picked leaves out for want of time and the plan places.

| case | plan, median (ms) | slowest (ms) | shorter than picked (median %) | more visits placed |
| --- | --- | --- | --- | --- |
{rows}
"""
