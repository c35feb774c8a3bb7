"""Officials of two provinces, sites spread over Hà Nội, and a plan made the way the page makes
it (inspections.services.create_plan)."""

import random
from datetime import date, time

import pytest
from django.contrib.gis.geos import Point

from inspections import services
from tests.factories import make_organisation, make_site, province
from tests.governance.conftest import (  # noqa: F401  (fixtures shared with the registry's tests)
    DA_NANG,
    HA_NOI,
    PASSWORD,
    administrator,
    da_nang_site,
    officer,
    organisation,
    other_officer,
    public_user,
    representative,
)

# A Monday, so that the plan's days are Monday, Tuesday and Wednesday.
MONDAY = date(2026, 11, 23)


@pytest.fixture
def ha_noi_sites(db):
    """Forty verification and testing sites scattered over Hà Nội (a fixed seed)."""
    rng = random.Random(7)
    owner = make_organisation("Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1")
    return [
        make_site(
            f"Điểm kiểm định số {number}",
            organisation=owner,
            kinds=["verification"] if number % 3 else ["testing"],
            province=province(HA_NOI),
            location=Point(105.6 + rng.random() * 0.35, 20.9 + rng.random() * 0.25, srid=4326),
        )
        for number in range(1, 41)
    ]


@pytest.fixture
def make_plan(db):
    """A plan by `user` of `sites`: three working days from MONDAY, 08:00–17:00, at most six
    visits a day, starting and ending at the department's door in Hà Nội."""

    def made(user, sites, **fields):
        office = Point(105.8194, 21.0245, srid=4326)
        return services.create_plan(
            user,
            sites,
            **{
                "title": "Kiểm tra định kỳ tháng 11",
                "start": office,
                "start_address": "Sở Khoa học và Công nghệ Hà Nội",
                "end": office,
                "end_address": "Sở Khoa học và Công nghệ Hà Nội",
                "first_day": MONDAY,
                "last_day": date(2026, 11, 25),
                "day_starts": time(8, 0),
                "day_ends": time(17, 0),
                "max_visits_per_day": 6,
                **fields,
            },
        )

    return made
