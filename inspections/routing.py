"""Distances and travel times between the points of a plan: on the ellipsoid, stretched by a
detour factor, or along the roads from an OSRM server when one is configured."""

import json
from urllib.error import URLError
from urllib.request import urlopen

import numpy as np
from pyproj import Geod

from inspections.planner import Travel

WGS84 = Geod(ellps="WGS84")


class RoadsUnavailable(Exception):
    """The road server could not give the distances (down, refused, or a point off the roads)."""


def geodesic_travel(points: list[tuple[float, float]], detour: float, speed_kmh: float) -> Travel:
    """Straight-line (geodesic) distances × `detour`, driven at `speed_kmh`."""
    lons, lats = np.array(points, dtype=float).T
    count = len(points)
    rows, columns = np.meshgrid(np.arange(count), np.arange(count), indexing="ij")
    _forward, _back, distance = WGS84.inv(
        lons[rows.ravel()], lats[rows.ravel()], lons[columns.ravel()], lats[columns.ravel()]
    )
    metres = np.asarray(distance).reshape(count, count) * detour
    seconds = metres / (speed_kmh / 3.6)
    return Travel(metres.tolist(), seconds.tolist())


def road_travel(base_url: str, points: list[tuple[float, float]], timeout: float) -> Travel:
    """The OSRM table service: every distance and duration between the points by road."""
    coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in points)
    url = f"{base_url.rstrip('/')}/table/v1/driving/{coordinates}?annotations=distance,duration"
    try:
        with urlopen(url, timeout=timeout) as response:  # noqa: S310 (the configured server)
            answer = json.load(response)
    except (URLError, OSError, ValueError) as error:
        raise RoadsUnavailable(str(error)) from error
    if answer.get("code") != "Ok":
        raise RoadsUnavailable(answer.get("message") or answer.get("code") or "no answer")
    metres, seconds = answer.get("distances"), answer.get("durations")
    if not _complete(metres, len(points)) or not _complete(seconds, len(points)):
        raise RoadsUnavailable("a point cannot be reached by road")
    return Travel(metres, seconds)


def _complete(table, count: int) -> bool:
    return (
        isinstance(table, list)
        and len(table) == count
        and all(isinstance(row, list) and len(row) == count for row in table)
        and all(isinstance(value, int | float) for row in table for value in row)
    )
