import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

# Modules whose module-scoped fixtures are costly (a registry prepared in a scratch database, the
# demo loaded): scripts/test runs them whole on one xdist worker (--dist loadgroup), not once on
# each worker.
ONE_WORKER_MODULES = {"tests/test_backup_restore.py", "tests/geodata/test_demo.py"}


@pytest.hookimpl(tryfirst=True)  # before xdist names the groups
def pytest_collection_modifyitems(items):
    for item in items:
        module = item.nodeid.partition("::")[0]
        if module in ONE_WORKER_MODULES:
            item.add_marker(pytest.mark.xdist_group(module))


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
def fast_password_hashing():
    """The tests create a user, with a password, for most tests of the roles; the production
    hasher spends half a second of CPU on each on purpose. Django's hashers are not what the tests
    prove (test_hardening_login sets its own counting one)."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def plain_http_without_rate_limits():
    """The tests speak plain http, as `make run` does, and make far more requests than a visitor:
    the rate limits are off but where a test sets them (tests/map_portal/test_hardening_*)."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.API_RATE_LIMIT = settings.EXPORT_RATE_LIMIT = None
