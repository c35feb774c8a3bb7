"""The map page on a phone (360 × 640, touch): no sideways scrolling, the map in sight, a tapped
result opens its panel without the map hiding it, and the comparison fits the screen."""

import pytest

from tests.browser.conftest import PHONE, route_offline
from tests.browser.map_fixtures import HANOI_VIEW, MapPage

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser, live_server, page_problems):
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="vi-VN",
        base_url=live_server.url,
    )
    context.route("**/*", route_offline(live_server.url))
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and page_problems.console_errors.append(m.text))
    page.on("pageerror", lambda error: page_problems.page_errors.append(str(error)))
    yield page
    context.close()


def in_view(page, selector):
    """Whether the middle of the element is on the screen and not covered by another one."""
    return page.locator(selector).evaluate(
        """element => {
            const box = element.getBoundingClientRect();
            const x = box.left + box.width / 2, y = box.top + Math.min(box.height / 2, 10);
            if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
            const top = document.elementFromPoint(x, y);
            return element === top || element.contains(top);
        }"""
    )


def test_on_a_phone_the_page_fits_and_a_tapped_result_opens_beside_the_map_in_sight(
    phone, page_problems, registry
):
    explorer = MapPage(phone).open(HANOI_VIEW)

    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = explorer.map.bounding_box()
    assert box["width"] >= PHONE["width"] - 1 and box["height"] >= 200
    assert explorer.listed_ids()

    phone.locator("#results-list .result__name").first.tap()
    phone.locator("#site-name:not(:empty)").wait_for()
    assert explorer.panel.is_visible()
    assert in_view(phone, "#site-name"), "the panel's heading is hidden"
    map_box = explorer.map.bounding_box()
    assert map_box["y"] + map_box["height"] > 100 and map_box["y"] < PHONE["height"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    explorer.panel.locator("[data-slot=compare]").tap()
    phone.locator("#compare-open").tap()
    dialog = phone.locator("#compare-dialog")
    dialog.locator(".compare__name").wait_for()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page_problems, page_problems
