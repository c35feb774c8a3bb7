"""The registry the map page's browser tests look at, and a driver for the page.

Browser tests are transactional, so the vocabularies, guides and the communes of Hà Nội are
read once (loading the reference data if an earlier test flushed it) and put back before each
test that needs them, as `provinces` does for the provinces. Dates are relative to today, as
the statuses are computed for today."""

import time
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from geopy.distance import geodesic

from geodata.models import (
    AdministrativeUnit,
    Authority,
    CredentialEvent,
    Document,
    Field,
    Guide,
    InstrumentType,
    Scheme,
    ScopeItem,
    Site,
)
from layers.indexing import bump_registry_version
from tests.factories import make_credential, make_organisation, make_site, province

TODAY = date.today()
HOAN_KIEM_LAKE = {"longitude": 105.8342, "latitude": 21.0278}
HANOI_VIEW = "map=11/21.08/105.82"  # the five sites of Hà Nội, not the one of Hồ Chí Minh City
XSS_NAME = "<img src=x onerror=alert(1)>"
REFERENCE_MODELS = (Scheme, Field, InstrumentType, Authority, Guide)


# Reference data ------------------------------------------------------------------------------


def _hanoi_communes():
    return AdministrativeUnit.objects.filter(
        level="commune", current=True, parent__level="province", parent__code="01"
    )


@pytest.fixture(scope="session")
def reference_snapshot():
    """Filled by the first test that needs the vocabularies: `{model: records}`."""
    return {}


@pytest.fixture
def map_reference(provinces, reference_snapshot):
    """The vocabularies, the guides and the communes of Hà Nội, in the database for this test.
    Runs after `provinces`, so the records keep the primary keys they point at."""
    if not reference_snapshot:
        if not Scheme.objects.exists():
            call_command("load_reference_data", verbosity=0)
        reference_snapshot[AdministrativeUnit] = list(_hanoi_communes())
        for model in REFERENCE_MODELS:
            reference_snapshot[model] = list(model.objects.all())
    elif not Scheme.objects.exists():
        with transaction.atomic():  # an authority points at its successor: checked at commit
            for model, records in reference_snapshot.items():
                model.objects.bulk_create(records)
    bump_registry_version()  # the vocabularies changed without a signal


# The registry --------------------------------------------------------------------------------


def _commune(code):
    return AdministrativeUnit.objects.get(level="commune", current=True, code=code)


def _scope(credential, field=None, instrument=None, **text):
    return ScopeItem.objects.create(
        credential=credential,
        field=field and Field.objects.get(code=field),
        instrument_type=instrument and InstrumentType.objects.get(code=instrument),
        **text,
    )


def _water_meters():
    """Verification of water meters in Cầu Giấy: valid, with a public decision to download."""
    site = make_site(
        "Trạm kiểm định đồng hồ nước Cầu Giấy",
        organisation=make_organisation("Trung tâm Kiểm định Đo lường Hà Nội"),
        address="Số 8 Hoàng Quốc Việt, phường Nghĩa Đô, quận Cầu Giấy, Hà Nội",
        commune=_commune("00160"),
        location=Point(105.794, 21.0451, srid=4326),
        phone="024 3836 1234",
        opening_hours="Thứ Hai – Thứ Sáu, 8:00–17:00",
        legacy_province_name="Hà Nội",
        legacy_district_name="Cầu Giấy",
        legacy_commune_name="Nghĩa Đô",
    )
    decision = make_credential(
        site,
        number="101/QĐ-TĐC",
        scheme="cd-pt-nhom-2",
        issued_on=TODAY - timedelta(days=400),
        valid_until=TODAY + timedelta(days=700),
    )
    _scope(decision, "volume-flow", "water-meter", product="Đồng hồ nước lạnh", method="ĐLVN 17")
    Document.objects.create(
        kind=Document.Kind.DECISION,
        number="101/QĐ-TĐC",
        title="Quyết định chỉ định 101/QĐ-TĐC",
        issued_on=TODAY - timedelta(days=400),
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="decision.pdf"),
        organisation=site.organisation,
        credential=decision,
    )
    return site


def _laboratory():
    """Testing and calibration near Hoàn Kiếm lake, accredited, with a scope of four lines."""
    site = make_site(
        "Phòng thử nghiệm Hà Thành",
        organisation=make_organisation("Công ty Thử nghiệm Hà Thành"),
        kinds=["testing", "calibration"],
        address="Số 2 Tràng Tiền, phường Hoàn Kiếm, Hà Nội",
        commune=_commune("00070"),
        location=Point(105.852, 21.0285, srid=4326),
    )
    accreditation = make_credential(
        site, number="VILAS 1001", standard="ISO/IEC 17025", valid_until=TODAY + timedelta(days=900)
    )
    _scope(accreditation, "construction-materials", product="Xi măng poóc lăng",
           test="Độ bền nén", method="TCVN 6016:2011")  # fmt: skip
    _scope(accreditation, "construction-materials", product="Thép cốt bê tông",
           test="Giới hạn chảy", method="TCVN 197-1:2014")  # fmt: skip
    _scope(accreditation, "chemical", product="Nước sinh hoạt", test="Hàm lượng chì",
           method="SMEWW 3113B")  # fmt: skip
    _scope(accreditation, "pressure", "pressure-gauge", test="Áp suất", range="0–60 MPa")
    return site


def _certification():
    """Certification south-west of the centre, its registration suspended."""
    site = make_site(
        "Trung tâm Chứng nhận Phù Hợp",
        organisation=make_organisation("Công ty Chứng nhận Phù Hợp"),
        kinds=["certification"],
        address="Số 40 Nguyễn Trãi, Hà Nội",
        location=Point(105.78, 20.98, srid=4326),
    )
    registration = make_credential(site, number="VICAS 2002", scheme="vicas")
    CredentialEvent.objects.create(
        credential=registration,
        kind=CredentialEvent.Kind.SUSPENDED,
        effective_on=TODAY - timedelta(days=10),
        decision_number="55/QĐ-BoA",
        reason="Đình chỉ tạm thời",
    )
    return site


def _hostile():
    """Inspection with markup for a name, organisation and address, a script for a website:
    an expired credential."""
    site = make_site(
        XSS_NAME,
        organisation=make_organisation(
            "<b>Công ty</b> <script>alert(2)</script>", website="javascript:alert(4)"
        ),
        kinds=["inspection"],
        address='"><svg onload=alert(3)>',
        location=Point(105.845, 21.045, srid=4326),
    )
    make_credential(
        site,
        number="VIAS 3003",
        scheme="vias",
        issued_on=TODAY - timedelta(days=800),
        valid_until=TODAY - timedelta(days=30),
    )
    return site


def _countryside():
    """Verification of water meters north of the city: expiring within 90 days."""
    site = make_site(
        "Trung tâm Kiểm định Sóc Sơn",
        organisation=make_organisation("Trung tâm Đo lường Sóc Sơn"),
        address="Xã Sóc Sơn, Hà Nội",
        commune=_commune("00376"),
        location=Point(105.85, 21.20, srid=4326),
    )
    decision = make_credential(
        site, number="102/QĐ-TĐC", scheme="cd-pt-nhom-2", valid_until=TODAY + timedelta(days=30)
    )
    _scope(decision, "volume-flow", "water-meter", product="Đồng hồ nước lạnh")
    return site


def _saigon():
    """Calibration in Hồ Chí Minh City, far from every view of Hà Nội."""
    site = make_site(
        "Phòng hiệu chuẩn Sài Gòn",
        organisation=make_organisation("Công ty Hiệu chuẩn Sài Gòn"),
        kinds=["calibration"],
        address="Số 1 Lê Duẩn, Hồ Chí Minh",
        province=province("79"),
        location=Point(106.70, 10.78, srid=4326),
    )
    make_credential(site, number="VILAS 1002")
    return site


@dataclass
class Registry:
    water_meters: Site
    laboratory: Site
    certification: Site
    hostile: Site
    countryside: Site
    saigon: Site

    @property
    def hanoi(self):
        """The five sites of Hà Nội."""
        return [
            self.water_meters,
            self.laboratory,
            self.certification,
            self.hostile,
            self.countryside,
        ]


@pytest.fixture
def registry(map_reference):
    """Six published sites: five in Hà Nội, around Hoàn Kiếm lake, one in Hồ Chí Minh City."""
    return Registry(
        water_meters=_water_meters(),
        laboratory=_laboratory(),
        certification=_certification(),
        hostile=_hostile(),
        countryside=_countryside(),
        saigon=_saigon(),
    )


def distance_km(site, point):
    """The distance on the WGS 84 ellipsoid, as PostGIS measures a geography."""
    return geodesic((site.location.y, site.location.x), (point["latitude"], point["longitude"])).km


# Driving the page ----------------------------------------------------------------------------


def wait_until(page, script, arg=None, timeout_s=10):
    """Polls `script` (a JavaScript function of `arg`) until it returns something true.
    Playwright's wait_for_function evaluates its predicate with eval(), which the page's Content
    Security Policy forbids; page.evaluate is not bound by it."""
    deadline = time.monotonic() + timeout_s
    while not (result := page.evaluate(script, arg)):
        if time.monotonic() > deadline:
            raise AssertionError(f"Still false after {timeout_s} s: {script} ({arg})")
        page.wait_for_timeout(20)
    return result


class MapPage:
    """The map page as the tests read it: `#map`'s data attributes, the list, the panel."""

    def __init__(self, page):
        self.page = page
        self.map = page.locator("#map")
        self.results = page.locator("#results-list li[data-id]")
        self.panel = page.locator("#site-panel")

    def open(self, query=""):
        """Loads the page and waits until the map is drawn and stays so: the view of the address
        may be reached by an animated zoom, whose end refreshes the map once more."""
        self.page.goto(f"/?{query}" if query else "/")
        self.wait_ready(0)
        self.wait_settled()
        return self

    def wait_settled(self, quiet_s=0.25):
        """Until the map is ready and no refresh happened for `quiet_s`."""
        last, since, deadline = None, time.monotonic(), time.monotonic() + 15
        while time.monotonic() - since < quiet_s or last[0] != "ready":
            if time.monotonic() > deadline:
                raise AssertionError(f"The map never settled: {last}")
            now = (self.map.get_attribute("data-state"), self.refreshes())
            if now != last:
                last, since = now, time.monotonic()
            self.page.wait_for_timeout(30)

    def refreshes(self):
        return int(self.map.get_attribute("data-refreshes") or 0)

    def wait_ready(self, after):
        """Until a refresh after the `after`-th one has drawn the map and the list."""
        wait_until(
            self.page,
            """(after) => {
                const map = document.getElementById("map");
                return map.dataset.state === "ready" && Number(map.dataset.refreshes || 0) > after;
            }""",
            after,
        )

    def refreshed_by(self, action, moves_map=False):
        """Does `action`, then waits for the refresh it causes; when the action `moves_map` with
        an animation, for the one at the end of the animation too."""
        before = self.refreshes()
        action()
        self.wait_ready(before)
        if moves_map:
            self.wait_settled()

    def markers(self):
        return int(self.map.get_attribute("data-markers"))

    def listed_ids(self):
        return [int(i) for i in self.results.evaluate_all("items => items.map(i => i.dataset.id)")]

    def listed_names(self):
        return self.page.locator("#results-list .result__name").all_inner_texts()

    def query(self):
        """The page's query string as a dict of its parameters."""
        return dict(
            self.page.evaluate("() => [...new URLSearchParams(window.location.search).entries()]")
        )

    def open_filters(self):
        if not self.page.locator("#filters-box").evaluate("box => box.open"):
            self.page.locator("#filters-box summary").click()

    def open_site_from_list(self, site):
        self.page.locator(f"#results-list li[data-id='{site.pk}'] .result__name").click()
        self.page.locator("#site-name").filter(has_text=site.name).wait_for()
