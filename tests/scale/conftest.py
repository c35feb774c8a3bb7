import pytest
from django.core.management import call_command

from geodata.models import AdministrativeUnit
from governance.models import ApiToken, Profile
from governance.roles import Role


@pytest.fixture
def committed(transactional_db):
    """Committed data, which other processes (gunicorn, a replica) see. A transactional test
    empties the database when it ends: the reference data is loaded again when missing."""
    if not AdministrativeUnit.objects.exists():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def administrator_key(committed, django_user_model):
    """The API key of a central administrator, who may edit any site."""
    user = django_user_model.objects.create_user("trung-uong", "tu@example.org", is_staff=True)
    Profile.objects.create(user=user, role=Role.ADMINISTRATOR)
    return ApiToken.issue(user, "Kiểm thử quy mô")[1]
