"""The permission check of one record and the filter of every list say the same thing, for
every role and any shape of the registry."""

from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.models import (
    Authority,
    Credential,
    CredentialEvent,
    Document,
    Organisation,
    Scheme,
    ScopeItem,
    Site,
)
from governance import scopes
from tests.factories import province

PROVINCES = ["01", "48", "31"]
ORGANISATIONS = 3

registries = st.fixed_dictionaries(
    {
        "sites": st.lists(
            st.tuples(st.integers(0, ORGANISATIONS - 1), st.sampled_from(PROVINCES)), max_size=5
        ),
        "credentials": st.lists(
            st.tuples(st.integers(0, ORGANISATIONS - 1), st.sets(st.integers(0, 4))), max_size=3
        ),
        "documents": st.lists(
            st.tuples(st.integers(0, ORGANISATIONS - 1), st.none() | st.integers(0, 2)),
            max_size=3,
        ),
    }
)


def build(registry, represented):
    others = [Organisation.objects.create(name_vi=f"Tổ chức {i}") for i in range(1, ORGANISATIONS)]
    organisations = [represented, *others]
    sites = [
        Site.objects.create(
            organisation=organisations[owner],
            name=f"Điểm {i}",
            address=f"Số {i}",
            province=province(code),
            location=Point(105.8, 21.0, srid=4326),
            location_method="surveyed",
        )
        for i, (owner, code) in enumerate(registry["sites"])
    ]
    credentials = []
    for i, (owner, covered) in enumerate(registry["credentials"]):
        credential = Credential.objects.create(
            organisation=organisations[owner],
            scheme=Scheme.objects.get(code="vilas"),
            number=f"VILAS {900 + i}",
            issuer=Authority.objects.get(code="boa"),
            issued_on=date(2024, 1, 1),
        )
        credential.sites.set([sites[j] for j in covered if j < len(sites)])
        CredentialEvent.objects.create(
            credential=credential, kind="suspended", effective_on=date(2025, 1, 1)
        )
        ScopeItem.objects.create(credential=credential, product="Cân")
        credentials.append(credential)
    for i, (owner, credential) in enumerate(registry["documents"]):
        Document.objects.create(
            organisation=organisations[owner],
            credential=credentials[credential]
            if credential is not None and credential < len(credentials)
            else None,
            kind="certificate",
            title=f"Giấy {i}",
            file=f"documents/{i}.pdf",
            sha256="0" * 64,
            size_bytes=1,
        )


def disagreements(user):
    found = []
    for model in scopes.REGISTRY_MODELS:
        everything = model.objects.all()
        visible = set(scopes.visible(user, everything).values_list("pk", flat=True))
        changeable = set(scopes.changeable(user, everything).values_list("pk", flat=True))
        name = model._meta.model_name
        for record in everything:
            if user.has_perm(f"geodata.view_{name}", record) != (record.pk in visible):
                found.append(("view", record))
            if user.has_perm(f"geodata.change_{name}", record) != (record.pk in changeable):
                found.append(("change", record))
    return found


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(registry=registries)
def test_the_permission_of_a_record_and_the_filter_of_the_list_always_agree(
    registry, administrator, officer, other_officer, representative, public_user
):
    with transaction.atomic():
        build(registry, representative.profile.organisation)
        for user in (administrator, officer, other_officer, representative, public_user):
            assert disagreements(user) == [], user
        transaction.set_rollback(True)
