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
    """Files the tests store (documents) go to a temporary folder, not the developer's media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
