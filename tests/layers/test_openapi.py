"""The OpenAPI document tells the truth: schemathesis generates requests from it, valid and
invalid, and every response must be a declared status, never a server error, and match its
declared schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import make_credential, make_site


@pytest.fixture
def api_schema(wsgi_application):
    site = make_site()
    make_credential(site)
    make_site(name="Phòng thử nghiệm Hóa", kinds=["testing", "calibration"])
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_application)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_response_is_declared_and_matches_its_schema(case):
    # A code the vocabularies do not hold (kind=x) is a 400, rightly; the schema cannot list the
    # codes officials add, so a schema-valid request may be refused: that check is left out.
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"}, excluded_checks=[positive_data_acceptance]
    )


def test_the_schema_is_served_and_documents_every_published_endpoint(client):
    document = client.get("/api/schema/?format=json").json()
    assert document["openapi"].startswith("3.1")
    assert {
        "/api/v1/sites/",
        "/api/v1/sites/{site_id}/",
        "/api/v1/clusters/",
        "/api/v1/compare/",
        "/api/v1/vocabularies/",
        "/api/v1/layers/",
    } <= set(document["paths"])


def test_the_browsable_documentation_is_served_from_the_project(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert b"swagger-ui" in page.content
    assert b"cdn." not in page.content
