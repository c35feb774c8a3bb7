"""The verification page a QR code opens, on a phone and at a desk, with no map tiles: the
verdict is seen first, nothing overflows sideways, and the issuing site is shown on the province
boundaries."""

import base64
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from certificates import signing
from tests.browser.conftest import DESKTOP, PHONE
from tests.certificates.conftest import signed_certificate
from tests.factories import make_credential, make_organisation, make_site

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
TODAY = date.today()
BOUNDARY = ".leaflet-overlay-pane path"


@pytest.fixture
def issued(map_reference):
    """A signed verification certificate of a Hà Nội station, with `fields`."""
    station = make_site(
        "Trạm kiểm định cân Cầu Giấy",
        organisation=make_organisation(
            "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1",
            short_name="QUATEST 1",
            phone="024 3836 1399",
        ),
        phone="024 3791 2345",
    )
    credential = make_credential(
        station,
        number="05/ĐK-ĐL",
        scheme="dk-dvdl",
        issued_on=TODAY - timedelta(days=700),
        valid_until=TODAY + timedelta(days=1500),
    )

    def certificate(**fields):
        return signed_certificate(station, credential, **{"maker": "Mettler Toledo", **fields})

    return certificate


def _forged(certificate):
    data, kid, signature = signing.split_code(signing.code(certificate))
    altered = data.replace(b"B123456", b"B654321")
    encoded = base64.urlsafe_b64encode(altered).rstrip(b"=").decode()
    return f"{encoded}.{kid}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


@pytest.fixture
def tiles_refused(browser, live_server):
    """Pages at a size, where only the live server answers: every tile is refused."""
    contexts = []

    def page_at(viewport):
        context = browser.new_context(viewport=viewport, locale="vi-VN", base_url=live_server.url)
        context.route(
            "**/*",
            lambda route: route.continue_()
            if route.request.url.startswith(live_server.url)
            else route.abort(),
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        return page

    yield page_at
    for context in contexts:
        context.close()


def _look(page, path, verdict, size):
    page.goto(path)
    banner = page.locator(f".verdict--{verdict}")
    box = banner.bounding_box()
    assert box is not None and box["y"] + box["height"] <= size["height"]  # above the fold
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]


def _screenshot(page, name):
    page.screenshot(path=SCREENSHOTS / f"verify-{name}.png", full_page=True)


@pytest.mark.parametrize("size, suffix", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_valid_certificate_shows_its_verdict_first_and_its_site_on_the_map(
    issued, tiles_refused, size, suffix
):
    certificate = issued()
    page = tiles_refused(size)

    _look(page, f"/verify/{signing.code(certificate)}/", "valid", size)

    page.locator(f"#verify-map {BOUNDARY}").first.wait_for(state="attached")
    assert page.locator(f"#verify-map {BOUNDARY}").count() >= 34  # the provinces
    assert page.locator("#verify-map .leaflet-site-pane path").count() == 1  # the site
    assert page.get_by_text("05/ĐK-ĐL").is_visible()
    assert not page.errors
    _screenshot(page, f"valid-{suffix}")


@pytest.mark.parametrize("size, suffix", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_revoked_certificate_shows_revoked_and_the_reason(issued, tiles_refused, size, suffix):
    certificate = issued(revoked_on=TODAY, revocation_reason="Cân bị sửa chữa sau kiểm định")
    page = tiles_refused(size)

    _look(page, f"/verify/{signing.code(certificate)}/", "revoked", size)

    assert "Cân bị sửa chữa sau kiểm định" in page.locator("#verdict").inner_text()
    page.locator(f"#verify-map {BOUNDARY}").first.wait_for(state="attached")
    assert not page.errors
    _screenshot(page, f"revoked-{suffix}")


@pytest.mark.parametrize("size, suffix", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_forged_code_shows_forged_and_no_certificate(issued, tiles_refused, size, suffix):
    page = tiles_refused(size)

    _look(page, f"/verify/{_forged(issued())}/", "forged", size)

    assert page.locator("#verify-map").count() == 0
    assert page.locator(".verify__advice").is_visible()
    assert not page.errors
    _screenshot(page, f"forged-{suffix}")
