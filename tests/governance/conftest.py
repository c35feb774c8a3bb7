"""Users of each role, and a small registry across two provinces."""

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from governance.models import ApiToken, Profile
from governance.roles import Role
from tests.factories import make_organisation, make_site, province

HA_NOI, DA_NANG = "01", "48"
PASSWORD = "correct horse battery staple"


def _user(django_user_model, username, **profile):
    user = django_user_model.objects.create_user(
        username, f"{username}@example.org", PASSWORD, is_staff=True
    )
    if profile:
        Profile.objects.create(user=user, **profile)
    return user


@pytest.fixture
def administrator(django_user_model):
    return _user(django_user_model, "trung-uong", role=Role.ADMINISTRATOR)


@pytest.fixture
def officer(django_user_model):
    return _user(
        django_user_model, "so-ha-noi", role=Role.PROVINCIAL_OFFICER, province=province(HA_NOI)
    )


@pytest.fixture
def other_officer(django_user_model):
    return _user(
        django_user_model, "so-da-nang", role=Role.PROVINCIAL_OFFICER, province=province(DA_NANG)
    )


@pytest.fixture
def organisation(db):
    return make_organisation("Công ty TNHH Cân Điện Tử Hà Nội")


@pytest.fixture
def representative(django_user_model, organisation):
    return _user(django_user_model, "dai-dien", role=Role.REPRESENTATIVE, organisation=organisation)


@pytest.fixture
def public_user(django_user_model):
    return _user(django_user_model, "cong-dan")


@pytest.fixture
def ha_noi_site(organisation):
    return make_site("Phòng kiểm định cân Hà Nội", organisation=organisation)


@pytest.fixture
def api_as(db):
    """An API client for `user` that sends a real API key of theirs (ApiToken.issue), as a
    machine client does. `client.token` is the key's record, `client.key` the key itself."""

    def client_of(user, expires_at=None):
        token, key = ApiToken.issue(user, "Hệ thống thử nghiệm", expires_at)
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        client.token, client.key = token, key
        return client

    return client_of


@pytest.fixture
def da_nang_site(db):
    return make_site(
        "Trạm kiểm định Đà Nẵng",
        organisation=make_organisation("Trung tâm Đo lường Đà Nẵng"),
        province=province(DA_NANG),
        address="Số 1 Lê Duẩn, Hải Châu, Đà Nẵng",
        location=Point(108.22, 16.07, srid=4326),
    )
