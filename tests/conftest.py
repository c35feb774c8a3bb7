import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds the reference data, loaded once, as a real deployment does."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def media_root_of_the_session(tmp_path_factory):
    """Files the tests store (documents, signing keys) go to temporary folders, not the
    developer's."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.CERTIFICATE_KEYS_DIR = tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="session", autouse=True)
def plain_http_without_rate_limits():
    """The tests speak plain http, as `make run` does, and make far more requests than a visitor:
    the rate limits are off but where a test sets them (tests/map_portal/test_hardening_*)."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.API_RATE_LIMIT = settings.EXPORT_RATE_LIMIT = None
