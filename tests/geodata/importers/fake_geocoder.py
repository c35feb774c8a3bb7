"""A real local HTTP server that answers as Nominatim and Photon do, with canned places."""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

QUATEST_1 = "8 Hoàng Quốc Việt, Cầu Giấy, Hà Nội"
QUATEST_3 = "49 Pasteur, Quận 1, Thành phố Hồ Chí Minh"
MALFORMED = "một câu trả lời hỏng"

NOMINATIM_PLACES = {
    QUATEST_1: {
        "lat": "21.0463",
        "lon": "105.7981",
        "class": "office",
        "type": "government",
        "addresstype": "office",
        "place_rank": 30,
        "display_name": "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1, 8, Hoàng Quốc Việt, "
        "Nghĩa Đô, Hà Nội, Việt Nam",
    },
    "Đường Láng, Hà Nội": {
        "lat": "21.0143",
        "lon": "105.8106",
        "class": "highway",
        "type": "primary",
        "addresstype": "road",
        "place_rank": 26,
        "display_name": "Đường Láng, Láng, Hà Nội, Việt Nam",
    },
    "Bát Tràng, Hà Nội": {
        "lat": "20.9766",
        "lon": "105.912",
        "class": "place",
        "type": "village",
        "addresstype": "village",
        "place_rank": 19,
        "display_name": "Bát Tràng, Hà Nội, Việt Nam",
    },
    "Tỉnh Lâm Đồng": {
        "lat": "11.5753",
        "lon": "108.1429",
        "class": "boundary",
        "type": "administrative",
        "addresstype": "state",
        "place_rank": 8,
        "display_name": "Tỉnh Lâm Đồng, Việt Nam",
    },
    "Phố Hàng Bạc, Hà Nội": {  # as a Nominatim too old to send place_rank answers
        "lat": "21.0343",
        "lon": "105.8522",
        "class": "highway",
        "type": "residential",
        "addresstype": "road",
        "display_name": "Phố Hàng Bạc, Hoàn Kiếm, Hà Nội, Việt Nam",
    },
    MALFORMED: {"display_name": "no coordinates"},
}


def _photon_feature(lon, lat, **properties):
    point = {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": point, "properties": properties}


_RUE_PASTEUR = _photon_feature(
    4.8396,
    45.7485,
    name="Rue Pasteur",
    type="street",
    osm_key="highway",
    osm_value="residential",
    city="Lyon",
    country="France",
    countrycode="FR",
)
PHOTON_FEATURES = {
    QUATEST_3: [
        _photon_feature(
            106.7005,
            10.777,
            name="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3",
            type="house",
            osm_key="office",
            osm_value="government",
            housenumber="49",
            street="Pasteur",
            city="Thành phố Hồ Chí Minh",
            country="Việt Nam",
            countrycode="VN",
        )
    ],
    "Pasteur": [
        _RUE_PASTEUR,
        _photon_feature(
            106.6955,
            10.779,
            name="Pasteur",
            type="street",
            osm_key="highway",
            osm_value="secondary",
            city="Thành phố Hồ Chí Minh",
            country="Việt Nam",
            countrycode="VN",
        ),
    ],
    "Rue Pasteur, Lyon": [_RUE_PASTEUR],
}


@dataclass(frozen=True)
class Received:
    path: str
    params: dict[str, str]
    user_agent: str
    at: float


class FakeGeocoderService:
    """Nominatim's /search and Photon's /api with canned answers; it records what it receives
    and can be told to fail with an HTTP status or to answer late."""

    def __init__(self):
        self.received: list[Received] = []
        self.failing_with: int | None = None
        self.delay = 0.0
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.http.service = self

    def url(self, provider: str, path: str = "") -> str:
        host, port = self.http.server_address
        return f"{provider}+http://{host}:{port}{path}"

    def answer(self, path: str, query: str) -> tuple[int, object]:
        if self.failing_with:
            return self.failing_with, {"error": "the service is down"}
        if path.endswith("/search"):
            place = NOMINATIM_PLACES.get(query)
            return 200, [place] if place else []
        if path.endswith("/api"):
            if query == MALFORMED:
                return 200, {"type": "FeatureCollection"}
            return 200, {"type": "FeatureCollection", "features": PHOTON_FEATURES.get(query, [])}
        return 404, {"error": "no such page"}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        service = self.server.service
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query))
        service.received.append(
            Received(url.path, params, self.headers["User-Agent"], time.monotonic())
        )
        time.sleep(service.delay)
        status, answer = service.answer(url.path, params.get("q", ""))
        body = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped waiting

    def log_message(self, *args):
        pass


def started() -> FakeGeocoderService:
    fake = FakeGeocoderService()
    threading.Thread(target=fake.http.serve_forever, args=(0.01,), daemon=True).start()
    return fake


def stopped(fake: FakeGeocoderService):
    fake.http.shutdown()
    fake.http.server_close()
