"""The public API, OGC API Features and the exports are rate-limited per client (DRF throttling,
map_portal.security): past the limit a 429 in JSON, in the visitor's language, with Retry-After;
the client is its address, and a forged X-Forwarded-For neither resets nor evades the count."""

import pytest
from django.core.cache import cache

CSV = "/api/v1/exports/sites.csv"


@pytest.fixture(autouse=True)
def fresh_counts(settings, db):
    """Counts start at nothing; the limits are set by each test (tests/conftest.py lifts them)."""
    settings.TRUSTED_PROXY_COUNT = 0
    cache.clear()
    yield
    cache.clear()


def ask(client, url, address="198.51.100.1", **headers):
    return client.get(url, REMOTE_ADDR=address, headers=headers)


def sites(n: int) -> str:
    """A different question each time: no answer comes from the cache."""
    return f"/api/v1/sites/?offset={n}"


def test_past_the_api_limit_the_answer_is_429_with_retry_after(client, settings):
    settings.API_RATE_LIMIT = "3/min"

    statuses = [ask(client, sites(n)).status_code for n in range(3)]
    refused = ask(client, sites(3), **{"Accept-Language": "en"})

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"] == "application/json"
    assert refused.json() == {
        "detail": f"Too many requests: try again in {refused['Retry-After']} seconds."
    }


def test_the_refusal_is_in_the_visitors_language(client, settings):
    settings.API_RATE_LIMIT = "1/min"
    ask(client, sites(0))

    english = ask(client, sites(1), **{"Accept-Language": "en"}).json()["detail"]
    vietnamese = ask(client, sites(2), **{"Accept-Language": "vi"})

    assert vietnamese.status_code == 429
    assert vietnamese["Content-Language"] == "vi"
    assert english.startswith("Too many requests")


def test_a_forged_x_forwarded_for_does_not_get_around_the_limit(client, settings):
    settings.API_RATE_LIMIT = "3/min"

    statuses = [
        ask(client, sites(n), **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(10)
    ]

    assert statuses == [200] * 3 + [429] * 7


def test_each_address_has_its_own_count(client, settings):
    settings.API_RATE_LIMIT = "2/min"
    for n in range(3):
        ask(client, sites(n), address="198.51.100.1")

    assert ask(client, sites(9), address="198.51.100.2").status_code == 200


def test_behind_a_trusted_proxy_the_address_the_proxy_saw_is_counted(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.API_RATE_LIMIT = "2/min"

    def via_proxy(n, forwarded):
        return ask(client, sites(n), address="127.0.0.1", **{"X-Forwarded-For": forwarded})

    statuses = [via_proxy(n, f"10.1.1.{n}, 203.0.113.7").status_code for n in range(4)]
    other_visitor = via_proxy(9, "203.0.113.8")

    assert statuses == [200, 200, 429, 429]
    assert other_visitor.status_code == 200


def test_ogc_api_features_is_limited_too(client, settings):
    settings.API_RATE_LIMIT = "2/min"

    statuses = [ask(client, f"/ogc/collections?f=json&n={n}").status_code for n in range(3)]

    assert statuses[-1] == 429


def test_the_exports_have_their_own_lower_limit(client, settings):
    settings.API_RATE_LIMIT = "100/min"
    settings.EXPORT_RATE_LIMIT = "2/min"

    downloads = [ask(client, CSV) for _ in range(3)]

    assert [response.status_code for response in downloads] == [200, 200, 429]
    assert int(downloads[-1]["Retry-After"]) > 0
    assert ask(client, sites(0)).status_code == 200  # the rest of the API is still served


def test_every_export_is_limited(client, settings):
    settings.EXPORT_RATE_LIMIT = "1/min"
    exports = [
        "/api/v1/exports/sites.xlsx",
        "/api/v1/exports/sites.geojson",
        "/api/v1/exports/national.zip",
    ]
    ask(client, CSV)

    assert [ask(client, url).status_code for url in exports] == [429, 429, 429]


def test_an_answer_served_from_the_cache_is_not_counted(client, settings):
    settings.API_RATE_LIMIT = "2/min"
    first = ask(client, sites(0))

    again = [ask(client, sites(0)) for _ in range(5)]  # stored: costs nothing
    revalidated = ask(client, sites(0), **{"If-None-Match": first["ETag"]})

    assert {response.status_code for response in again} == {200}
    assert revalidated.status_code == 304
    assert ask(client, sites(1)).status_code == 200
    assert ask(client, sites(2)).status_code == 429
