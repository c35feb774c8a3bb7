import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds the reference data, loaded once, as a real deployment does."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)
