"""The geocoder against a real local HTTP server that answers as Nominatim and Photon do."""

import logging
import socket
import time
import unicodedata

import pytest
from django.core.exceptions import ImproperlyConfigured

from geodata.importers.geocoding import Geocoded, Geocoder
from tests.geodata.importers.fake_geocoder import MALFORMED, QUATEST_1, QUATEST_3

pytestmark = pytest.mark.usefixtures("empty_cache")


def make_geocoder(url: str, **options) -> Geocoder:
    defaults = {"user_agent": "tests", "timeout": 2.0, "min_delay": 0.0, "cache_seconds": 60}
    return Geocoder(url, **(defaults | options))


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (
            QUATEST_1,
            Geocoded(
                lon=105.7981,
                lat=21.0463,
                accuracy_m=30,
                label="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1, 8, Hoàng Quốc Việt, "
                "Nghĩa Đô, Hà Nội, Việt Nam",
            ),
        ),
        (
            "Đường Láng, Hà Nội",
            Geocoded(105.8106, 21.0143, 150, "Đường Láng, Láng, Hà Nội, Việt Nam"),
        ),
        ("Bát Tràng, Hà Nội", Geocoded(105.912, 20.9766, 1500, "Bát Tràng, Hà Nội, Việt Nam")),
        ("Tỉnh Lâm Đồng", Geocoded(108.1429, 11.5753, 10000, "Tỉnh Lâm Đồng, Việt Nam")),
    ],
    ids=["building", "street", "village", "province"],
)
def test_nominatim_url_finds_an_address_and_reports_its_precision(service, address, expected):
    geocoder = make_geocoder(service.url("nominatim"))

    assert geocoder.geocode(address) == expected
    assert [request.path for request in service.received] == ["/search"]
    assert service.received[0].params["q"] == address


def test_a_nominatim_answer_without_a_place_rank_is_judged_by_its_address_type(service):
    geocoder = make_geocoder(service.url("nominatim"))

    found = geocoder.geocode("Phố Hàng Bạc, Hà Nội")

    assert found == Geocoded(105.8522, 21.0343, 150, "Phố Hàng Bạc, Hoàn Kiếm, Hà Nội, Việt Nam")


def test_nominatim_is_asked_for_places_in_viet_nam_only(service):
    make_geocoder(service.url("nominatim")).geocode(QUATEST_1)

    assert service.received[0].params["countrycodes"] == "vn"


def test_photon_url_finds_an_address_and_reports_its_precision(service):
    geocoder = make_geocoder(service.url("photon"))

    found = geocoder.geocode(QUATEST_3)

    assert found == Geocoded(
        lon=106.7005,
        lat=10.777,
        accuracy_m=30,
        label="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3, 49 Pasteur, "
        "Thành phố Hồ Chí Minh, Việt Nam",
    )
    assert [request.path for request in service.received] == ["/api"]


def test_photon_results_outside_viet_nam_are_dropped(service):
    geocoder = make_geocoder(service.url("photon"))

    assert geocoder.geocode("Pasteur") == Geocoded(
        106.6955, 10.779, 150, "Pasteur, Thành phố Hồ Chí Minh, Việt Nam"
    )
    assert geocoder.geocode("Rue Pasteur, Lyon") is None


def test_a_repeated_address_is_served_from_the_cache_without_a_second_request(service):
    geocoder = make_geocoder(service.url("nominatim"))
    written_otherwise = unicodedata.normalize("NFD", f"  {QUATEST_1.upper()}  ")

    first = geocoder.geocode(QUATEST_1)

    assert geocoder.geocode(written_otherwise) == first
    assert len(service.received) == 1


def test_a_cached_address_does_not_wait_for_the_rate_limit(service):
    geocoder = make_geocoder(service.url("nominatim"), min_delay=5.0)
    geocoder.geocode(QUATEST_1)

    started = time.monotonic()
    geocoder.geocode(QUATEST_1)

    assert time.monotonic() - started < 1.0


def test_an_address_not_found_is_cached_too(service):
    geocoder = make_geocoder(service.url("nominatim"))

    assert geocoder.geocode("Số 1 Phố Không Có, Hà Nội") is None
    assert geocoder.geocode("Số 1 Phố Không Có, Hà Nội") is None
    assert len(service.received) == 1
    assert geocoder.failures == 0


def test_each_geocoder_url_has_its_own_cached_answers(service):
    make_geocoder(service.url("nominatim")).geocode("Pasteur")
    make_geocoder(service.url("photon")).geocode("Pasteur")

    assert [request.path for request in service.received] == ["/search", "/api"]


def test_a_server_error_returns_none_counts_a_failure_and_is_not_cached(service, caplog):
    geocoder = make_geocoder(service.url("nominatim"))
    service.failing_with = 500

    with caplog.at_level(logging.WARNING, logger="geodata.importers.geocoding"):
        assert geocoder.geocode(QUATEST_1) is None

    assert geocoder.failures == 1
    assert len(caplog.records) == 1
    assert service.url("nominatim") in caplog.records[0].getMessage()
    service.failing_with = None
    assert geocoder.geocode(QUATEST_1).accuracy_m == 30
    assert len(service.received) == 2


def test_a_timeout_returns_none_counts_a_failure_and_is_not_cached(service):
    geocoder = make_geocoder(service.url("nominatim"), timeout=0.2)
    service.delay = 1.0

    assert geocoder.geocode(QUATEST_1) is None

    assert geocoder.failures == 1
    service.delay = 0.0
    assert geocoder.geocode(QUATEST_1).accuracy_m == 30
    assert len(service.received) == 2


def test_a_service_that_is_not_running_counts_a_failure():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    geocoder = make_geocoder(f"nominatim+http://127.0.0.1:{port}")

    assert geocoder.geocode(QUATEST_1) is None
    assert geocoder.failures == 1


@pytest.mark.parametrize("provider", ["nominatim", "photon"])
def test_a_malformed_answer_counts_a_failure(service, provider):
    geocoder = make_geocoder(service.url(provider))

    assert geocoder.geocode(MALFORMED) is None
    assert geocoder.failures == 1


def test_two_lookups_are_spaced_by_the_minimum_delay(service):
    geocoder = make_geocoder(service.url("nominatim"), min_delay=0.3)

    geocoder.geocode(QUATEST_1)
    geocoder.geocode("Đường Láng, Hà Nội")

    first, second = service.received
    # The requests leave 0.3 s apart; on arrival, the first may have taken a few ms longer.
    assert second.at - first.at >= 0.25


def test_a_blank_address_is_not_looked_up(service):
    geocoder = make_geocoder(service.url("nominatim"))

    assert geocoder.geocode("   ") is None
    assert service.received == []
    assert geocoder.failures == 0


def test_from_settings_is_none_when_no_geocoder_url_is_set(settings):
    settings.GEOCODER_URL = ""

    assert Geocoder.from_settings() is None


@pytest.mark.parametrize(
    ("provider", "prefix", "asked_path"),
    [("nominatim", "/nominatim", "/nominatim/search"), ("photon", "", "/api")],
)
def test_from_settings_builds_the_provider_the_url_names(
    service, settings, provider, prefix, asked_path
):
    settings.GEOCODER_URL = service.url(provider, prefix)
    settings.GEOCODER_USER_AGENT = "vn-quality-map-tests"

    Geocoder.from_settings().geocode("Pasteur")

    assert [request.path for request in service.received] == [asked_path]
    assert service.received[0].user_agent == "vn-quality-map-tests"


@pytest.mark.parametrize(
    "url",
    [
        "https://geocoder.example.gov.vn/nominatim",
        "google+https://maps.example.com",
        "nominatim+ftp://geocoder.example.gov.vn",
        "nominatim+http://",
        "photon+http:///api",
        "photon+http://geocoder.example.gov.vn:port",
    ],
)
def test_an_invalid_geocoder_url_is_improperly_configured(settings, url):
    settings.GEOCODER_URL = url

    with pytest.raises(ImproperlyConfigured, match="GEOCODER_URL"):
        Geocoder.from_settings()
