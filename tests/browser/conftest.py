"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Nothing outside the live server is reached: tiles get a blank image, anything else is aborted.
Static files are served as in production, by WhiteNoise from STATIC_ROOT with hashed names, so
`collectstatic` must have run first (scripts/test does it)."""

import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

from geodata.models import AdministrativeUnit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 640}


def blank_tile_png(size=256):
    """A fully transparent PNG tile, built without an image library."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    pixels = b"".join(b"\x00" + b"\x00" * 4 * size for _ in range(size))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels, 9))
        + chunk(b"IEND", b"")
    )


BLANK_TILE = blank_tile_png()


def _whitenoise_serves_static(app):
    """No test static handler: WhiteNoise, in the middleware, serves STATIC_ROOT as it does in
    production (the test handlers look the unhashed names up in the apps)."""
    return app


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, with static files served by WhiteNoise."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        pytest.fail(f"No {manifest}: run `manage.py collectstatic` before the browser tests.")
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _whitenoise_serves_static
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API keeps an event loop running in the test thread, and Django refuses
    # ORM calls from a thread with a running loop. These tests are synchronous code that only
    # waits on the browser, so the guard is lifted while a browser runs, and only then.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@dataclass
class PageProblems:
    """What the page reported as going wrong."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def __bool__(self):
        return bool(self.console_errors or self.page_errors)


def route_offline(live_server_url):
    """Route handler: the live server is reached; a tile gets a blank image; nothing else."""

    def handle(route):
        request = route.request
        if request.url.startswith(live_server_url):
            route.continue_()
        elif request.resource_type == "image":
            route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
        else:
            route.abort()

    return handle


@pytest.fixture
def browser_context(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", base_url=live_server.url)
    context.route("**/*", route_offline(live_server.url))
    yield context
    context.close()


@pytest.fixture
def page_problems():
    return PageProblems()


@pytest.fixture
def page(browser_context, page_problems):
    page = browser_context.new_page()
    page.set_default_timeout(15_000)
    page.on(
        "console",
        lambda message: message.type == "error"
        and page_problems.console_errors.append(f"{message.text} ({message.location})"),
    )
    page.on("pageerror", lambda error: page_problems.page_errors.append(str(error)))
    return page


# Reference data ------------------------------------------------------------------------------
# Browser tests are transactional: the database is flushed after each one, reference data too.
# The 34 current provinces are read once (loading the reference data if an earlier transactional
# test flushed it) and put back before each test that needs them, which takes milliseconds.


def _current_provinces():
    return AdministrativeUnit.objects.filter(level="province", current=True)


@pytest.fixture(scope="session")
def province_records(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if _current_provinces().filter(boundary__isnull=False).count() < 34:
            call_command("load_reference_data", verbosity=0)
        return list(_current_provinces().order_by("code"))


@pytest.fixture
def provinces(province_records, transactional_db):
    """The 34 current provinces with their boundaries, in the database for this test."""
    if not _current_provinces().exists():
        AdministrativeUnit.objects.bulk_create(province_records)
    return list(_current_provinces().order_by("code"))


PASSWORD = "a-long-test-password-1"


def sign_in(page, username, password=PASSWORD):
    """Signs in through the admin's sign-in form, as a person does."""
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("#login-form [type=submit]").click()


@pytest.fixture
def admin_page(page, django_user_model):
    """The page, logged into the admin as a superuser."""
    django_user_model.objects.create_superuser("official", "official@example.org", PASSWORD)
    sign_in(page, "official")
    return page


# The map page's registry (tests/browser/test_map_*.py) ---------------------------------------

from tests.browser.map_fixtures import (  # noqa: E402, F401
    map_reference,
    reference_snapshot,
    registry,
)
