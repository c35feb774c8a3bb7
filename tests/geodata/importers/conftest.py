import pytest
from django.core.cache import cache

from tests.geodata.importers import fake_geocoder


@pytest.fixture
def service():
    """A local geocoding service (Nominatim's and Photon's APIs) for the test."""
    fake = fake_geocoder.started()
    yield fake
    fake_geocoder.stopped(fake)


@pytest.fixture
def empty_cache(settings):
    """A cache of the tests' own, never the developer's configured one, empty for each test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "importer-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()
