"""Geocoding an address that came without coordinates, by a self-hosted Nominatim or Photon.

The service is configured by one URL, GEOCODER_URL, such as "nominatim+https://host/nominatim"
or "photon+http://host:2322"; it is off when that is empty. Answers are cached, found or not,
requests are spaced by a minimum delay, and a service that fails is logged and counted but
never raises to the caller: the importer goes on without coordinates.
"""

import hashlib
import logging
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from geopy.adapters import URLLibAdapter
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim, Photon
from geopy.location import Location

from geodata.text import nfc

logger = logging.getLogger(__name__)

_PROVIDERS = {"nominatim": Nominatim, "photon": Photon}
_TRANSPORTS = ("http", "https")
_PHOTON_CANDIDATES = 5  # Photon cannot filter by country: some room for results outside Viet Nam
_NOT_FOUND = "not found"  # cached for an address the service does not know
# A malformed answer surfaces as one of these from geopy's parsing or ours.
_BAD_ANSWER = (AttributeError, LookupError, TypeError, ValueError)

_BUILDING_M = 30
_STREET_M = 150
_COMMUNE_M = 1500
_COARSE_M = 10000
# What a result is, as Nominatim's addresstype, type or class and Photon's type, osm_value or
# osm_key name it. Photon's "district" is a part of a city, not a county.
_KINDS_BY_ACCURACY = {
    _BUILDING_M: [
        "house",
        "house_number",
        "house_name",
        "building",
        "amenity",
        "office",
        "shop",
        "craft",
    ],
    _STREET_M: ["street", "road", "highway"],
    _COMMUNE_M: [
        "town",
        "village",
        "hamlet",
        "isolated_dwelling",
        "suburb",
        "quarter",
        "neighbourhood",
        "locality",
        "district",
    ],
    _COARSE_M: ["city", "municipality", "county", "state", "province", "region", "country"],
}
_ACCURACY_BY_KIND = {kind: m for m, kinds in _KINDS_BY_ACCURACY.items() for kind in kinds}


@dataclass(frozen=True)
class Geocoded:
    """A point found for an address, how far from the place it may be, and the service's name
    for what it found."""

    lon: float
    lat: float
    accuracy_m: int
    label: str


class Geocoder:
    """One geocoding service; geocode() never raises for the service's faults, it counts them."""

    def __init__(
        self, url: str, *, user_agent: str, timeout: float, min_delay: float, cache_seconds: int
    ):
        provider, parts = _parse_url(url)
        service = _PROVIDERS[provider](
            scheme=parts.scheme.partition("+")[2],
            domain=parts.netloc + parts.path.rstrip("/"),
            user_agent=user_agent,
            timeout=timeout,
            # geopy's default adapter, requests, retries timeouts and refused connections on its
            # own, outside the rate limit; this one makes exactly one request per lookup.
            adapter_factory=URLLibAdapter,
        )
        self._url = url
        self._provider = provider
        self._search = RateLimiter(
            service.geocode,
            min_delay_seconds=min_delay,
            max_retries=0,
            error_wait_seconds=min_delay,
            swallow_exceptions=False,
        )
        self._cache_seconds = cache_seconds
        self.failures = 0

    @classmethod
    def from_settings(cls) -> "Geocoder | None":
        """The geocoder the settings describe, or None when GEOCODER_URL is empty."""
        if not settings.GEOCODER_URL:
            return None
        return cls(
            settings.GEOCODER_URL,
            user_agent=settings.GEOCODER_USER_AGENT,
            timeout=settings.GEOCODER_TIMEOUT_SECONDS,
            min_delay=settings.GEOCODER_MIN_DELAY_SECONDS,
            cache_seconds=settings.GEOCODER_CACHE_SECONDS,
        )

    def geocode(self, address: str) -> Geocoded | None:
        """The place in Viet Nam at this address, or None when it is not found or the service
        failed (see failures)."""
        query = nfc(address)
        if not query:
            return None
        key = self._cache_key(query)
        cached = cache.get(key)
        if cached is not None:
            return None if cached == _NOT_FOUND else cached
        try:
            found = self._ask(query)
        except (GeopyError, *_BAD_ANSWER) as error:
            self.failures += 1
            logger.warning("Geocoder %s failed for %r: %r", self._url, query, error)
            return None
        cache.set(key, _NOT_FOUND if found is None else found, self._cache_seconds)
        return found

    def _cache_key(self, query: str) -> str:
        written = f"{self._url}\n{query.casefold()}".encode()
        return f"geocoder:{hashlib.sha256(written).hexdigest()}"

    def _ask(self, query: str) -> Geocoded | None:
        if self._provider == "nominatim":
            location = self._search(query, exactly_one=True, country_codes="vn")
            return None if location is None else _from_nominatim(location)
        locations = self._search(query, exactly_one=False, limit=_PHOTON_CANDIDATES) or []
        in_viet_nam = (place for place in locations if _photon_in_viet_nam(place))
        location = next(in_viet_nam, None)
        return None if location is None else _from_photon(location)


def _parse_url(url: str) -> tuple[str, SplitResult]:
    parts = urlsplit(url)
    provider, _, transport = parts.scheme.partition("+")
    example = "as in nominatim+https://geocoder.example.gov.vn/nominatim or photon+http://host:2322"
    if provider not in _PROVIDERS or transport not in _TRANSPORTS:
        raise ImproperlyConfigured(
            f"GEOCODER_URL {url!r} must start with nominatim+ or photon+ and then http:// or "
            f"https://, {example}."
        )
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
    except ValueError as error:
        raise ImproperlyConfigured(f"GEOCODER_URL {url!r} has an invalid port: {error}.") from None
    if not parts.hostname:
        raise ImproperlyConfigured(f"GEOCODER_URL {url!r} names no host, {example}.")
    return provider, parts


def _from_nominatim(location: Location) -> Geocoded:
    raw = location.raw
    if "place_rank" in raw:
        accuracy = _accuracy_of_rank(int(raw["place_rank"]))
    else:
        accuracy = _accuracy_of_kinds(raw.get("addresstype"), raw.get("type"), raw.get("class"))
    return Geocoded(
        lon=float(raw["lon"]), lat=float(raw["lat"]), accuracy_m=accuracy, label=raw["display_name"]
    )


def _from_photon(location: Location) -> Geocoded:
    properties = location.raw["properties"]
    lon, lat = location.raw["geometry"]["coordinates"]
    accuracy = _accuracy_of_kinds(
        properties.get("type"), properties.get("osm_value"), properties.get("osm_key")
    )
    return Geocoded(
        lon=float(lon), lat=float(lat), accuracy_m=accuracy, label=_photon_label(properties)
    )


def _photon_in_viet_nam(location: Location) -> bool:
    return (location.raw["properties"].get("countrycode") or "VN").upper() == "VN"


def _photon_label(properties: dict) -> str:
    """Photon sends no display name: "name, number street, district, city, state, country"."""
    street = " ".join(filter(None, map(properties.get, ("housenumber", "street"))))
    places = map(properties.get, ("district", "city", "state", "country"))
    parts = (properties.get("name"), street, *places)
    return ", ".join(dict.fromkeys(part for part in parts if part))


def _accuracy_of_rank(place_rank: int) -> int:
    """Nominatim's search rank: 30 a house or point of interest, 26-27 a street, 19-25 a village,
    hamlet or neighbourhood, 17-18 a town; 16 and below a city, county, province or country."""
    if place_rank >= 28:
        return _BUILDING_M
    if place_rank >= 26:
        return _STREET_M
    if place_rank >= 17:
        return _COMMUNE_M
    return _COARSE_M


def _accuracy_of_kinds(*kinds: str | None) -> int:
    """The accuracy of the first kind known, most specific first; coarse when none is known."""
    known = (_ACCURACY_BY_KIND[kind] for kind in kinds if kind in _ACCURACY_BY_KIND)
    return next(known, _COARSE_M)
