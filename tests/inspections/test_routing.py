"""Road distances from an OSRM server. No OSRM runs on this machine: a small server speaking
OSRM's table protocol (https://project-osrm.org/docs/v5.24.0/api/#table-service) stands in for
it; a real one is tested when OSRM_TEST_URL names it."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from inspections.models import Plan
from inspections.routing import RoadsUnavailable, road_travel

HA_NOI, HAI_PHONG = (105.8342, 21.0278), (106.6881, 20.8449)


class TableService(BaseHTTPRequestHandler):
    """Distances of 1.5 × the degree distance × 100 km, durations at 50 km/h; `answer`, when
    the test sets it, replaces the reply."""

    answer = None
    requests: list[str]

    def do_GET(self):
        self.requests.append(self.path)
        path = urlsplit(self.path).path
        points = [tuple(map(float, pair.split(","))) for pair in path.rsplit("/", 1)[1].split(";")]
        distances = [
            [150_000 * (abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in points] for a in points
        ]
        answer = self.answer or {
            "code": "Ok",
            "distances": distances,
            "durations": [[metres / (50 / 3.6) for metres in row] for row in distances],
        }
        body = json.dumps(answer).encode()
        self.send_response(200 if answer.get("code") == "Ok" else 400)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def osrm():
    handler = type("Handler", (TableService,), {"requests": [], "answer": None})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    server.handler = handler
    yield server
    server.shutdown()


def test_road_distances_come_from_the_table_service(osrm):
    travel = road_travel(osrm.url, [HA_NOI, HAI_PHONG], timeout=5)

    assert travel.metres[0][1] == pytest.approx(150_000 * (0.8539 + 0.1829), rel=1e-4)
    assert travel.seconds[1][0] == pytest.approx(travel.metres[1][0] / (50 / 3.6))
    assert osrm.handler.requests == [
        "/table/v1/driving/105.834200,21.027800;106.688100,20.844900?annotations=distance,duration"
    ]


def test_a_point_the_roads_do_not_reach_is_an_error_not_a_zero(osrm):
    osrm.handler.answer = {"code": "Ok", "distances": [[0, None], [None, 0]], "durations": []}

    with pytest.raises(RoadsUnavailable, match="cannot be reached"):
        road_travel(osrm.url, [HA_NOI, HAI_PHONG], timeout=5)


def test_a_refusal_of_the_server_is_reported_with_its_message(osrm):
    osrm.handler.answer = {"code": "InvalidQuery", "message": "Query string malformed"}

    with pytest.raises(RoadsUnavailable):
        road_travel(osrm.url, [HA_NOI, HAI_PHONG], timeout=5)


def test_a_server_that_does_not_answer_is_reported():
    with pytest.raises(RoadsUnavailable):
        road_travel("http://127.0.0.1:9", [HA_NOI, HAI_PHONG], timeout=2)


def test_a_plan_uses_the_roads_when_a_server_is_configured(
    osrm, settings, officer, ha_noi_sites, make_plan
):
    settings.OSRM_URL = osrm.url

    plan = make_plan(officer, ha_noi_sites[:8])

    assert plan.distances == Plan.Distances.ROADS
    assert len(osrm.handler.requests) == 1
    assert "roads_unavailable" not in plan.summary


def test_a_plan_falls_back_to_straight_lines_when_the_roads_server_is_down(
    settings, officer, ha_noi_sites, make_plan
):
    settings.OSRM_URL = "http://127.0.0.1:9"

    plan = make_plan(officer, ha_noi_sites[:8])

    assert plan.distances == Plan.Distances.GEODESIC
    assert plan.summary["roads_unavailable"]
    assert plan.stops.filter(day__isnull=False).count() == 8


@pytest.mark.skipif(
    not os.environ.get("OSRM_TEST_URL"),
    reason="no OSRM server runs on this machine: set OSRM_TEST_URL (e.g. http://osrm:5000) "
    "to test against one loaded with Viet Nam's roads",
)
def test_a_real_osrm_server_gives_the_road_distance_from_ha_noi_to_hai_phong():
    travel = road_travel(os.environ["OSRM_TEST_URL"], [HA_NOI, HAI_PHONG], timeout=10)

    assert 95_000 < travel.metres[0][1] < 140_000  # about 105 km by the expressway
