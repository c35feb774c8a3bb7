"""The soak test of make soak, shortened to 30 seconds: under a fixed mix of map requests, every
answer is a 2xx or 304 and the workers' memory does not grow."""

import pytest
from django.contrib.gis.geos import Point

from tests.factories import make_organisation, make_site
from tests.scale.servers import soak  # scripts/soak.py

pytestmark = pytest.mark.django_db(transaction=True)


def test_thirty_seconds_of_map_requests_answer_and_leave_memory_flat(committed):
    organisation = make_organisation()
    for number in range(40):  # across Hà Nội, some close enough to share clusters
        location = Point(105.7 + number % 8 * 0.03, 20.95 + number // 8 * 0.03, srid=4326)
        make_site(f"Trạm kiểm định số {number}", organisation, location=location)
    result = soak.soak(soak.database_url(), seconds=30, concurrency=4)
    soak.report(result, None)
    assert result["requests"] > 0
    assert result["failed_answers"] == {}
    assert result["memory_flat"], result["rss_samples"]
