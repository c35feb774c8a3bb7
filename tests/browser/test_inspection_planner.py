# ruff: noqa: F811
"""An inspector plans field visits in the real browser: selects the sites of Hà Nội by a filter
and by clicking them on the map, makes the plan, sees its routes, moves a visit to another day
with the buttons, pins it and re-optimises; on a desktop and on a 360 px phone."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from inspections.models import Plan, Stop
from tests.browser.conftest import DESKTOP, PHONE, sign_in
from tests.governance.conftest import PASSWORD

# The fixtures of tests/inspections/conftest.py, by name (so the parameters redefine them).
from tests.inspections.conftest import ha_noi_sites, make_plan, officer  # noqa: F401

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
NEXT_FRAMES = "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def at_both_sizes(page, name):
    """The page as opened at desktop then at phone size (the state is in the address and the
    database): a screenshot of each, and the horizontal overflow at each."""
    overflow = []
    for size, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.reload()
        ready(page)
        page.locator(".leaflet-overlay-pane path").first.wait_for()  # the province boundaries
        page.evaluate(NEXT_FRAMES)
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        overflow.append(horizontal_overflow(page))
    page.set_viewport_size(DESKTOP)
    return overflow


@pytest.fixture
def inspector(page, map_reference, officer):
    sign_in(page, officer.username, PASSWORD)
    return page


def ready(page):
    expect(page.locator("#planner")).to_have_attribute("data-state", "ready")


def test_an_inspector_picks_sites_by_filter_and_on_the_map_and_makes_a_plan(
    inspector,
    page_problems,
    ha_noi_sites,
):
    page = inspector
    testing = [site for site in ha_noi_sites if "testing" in site.kinds]
    page.goto(reverse("inspections:new_plan"))
    ready(page)
    candidates = page.locator("#candidates-list li")
    expect(candidates).to_have_count(40)

    page.select_option("#id_kind", "testing")
    expect(candidates).to_have_count(len(testing))
    by_filter = [testing[0], testing[1]]
    for site in by_filter:
        page.locator(f'#candidates-list input[value="{site.pk}"]').check()

    page.select_option("#id_kind", "")
    expect(candidates).to_have_count(40)
    by_map = [ha_noi_sites[0], ha_noi_sites[1]]
    for site in by_map:
        page.locator(f'path.candidate-dot[data-site-id="{site.pk}"]').click(force=True)

    picked = by_filter + by_map
    expect(page.locator("#picked-list .picked__name")).to_have_text([s.name for s in picked])
    expect(page.locator("#candidates-list input:checked")).to_have_count(4)
    expect(page.locator(".pick-badge:not(.pick-badge--end)")).to_have_count(4)
    assert at_both_sizes(page, "inspection-select") == [0, 0]

    page.fill("#id_title", "Kiểm tra các điểm thử nghiệm")
    with page.expect_navigation():
        page.locator(".plan-form__submit").click()

    plan = Plan.objects.get()
    assert page.url.endswith(reverse("inspections:plan_detail", args=[plan.pk]))
    stops = plan.stops.order_by("picked").select_related("site")
    assert [stop.site for stop in stops] == picked
    ready(page)
    days_with_visits = plan.stops.exclude(day=None).values("day").distinct().count()
    expect(page.locator("path.route")).to_have_count(days_with_visits)
    expect(page.locator(".stop")).to_have_count(4)
    assert not page_problems


def test_a_visit_moved_to_another_day_and_pinned_stays_there_when_re_optimised(
    inspector,
    page_problems,
    ha_noi_sites,
    make_plan,
    officer,
):
    page = inspector
    plan = make_plan(officer, ha_noi_sites[:10], visit_minutes={"verification": 30, "testing": 30})
    moved = plan.stops.get(day=1, position=0)
    page.goto(reverse("inspections:plan_detail", args=[plan.pk]))
    ready(page)
    days = plan.stops.exclude(day=None).values("day").distinct().count()
    expect(page.locator("path.route")).to_have_count(days)

    visit = page.locator(f'.stop[data-stop-id="{moved.pk}"]')
    visit.locator("[data-action=menu]").click()
    visit.locator('[data-action=move][data-day="2"]').click()
    ready(page)
    day_two = page.locator('.day[data-day="2"]')
    expect(day_two.locator(f'.stop[data-stop-id="{moved.pk}"]')).to_have_count(1)
    assert Stop.objects.get(pk=moved.pk).day == 2

    pin = day_two.locator(f'.stop[data-stop-id="{moved.pk}"] [data-action=pin]')
    pin.click()
    ready(page)
    expect(pin).to_have_attribute("aria-pressed", "true")
    assert Stop.objects.get(pk=moved.pk).pinned

    page.locator("#optimise").click()
    ready(page)
    expect(page.locator("#plan-status")).to_contain_text(".")
    pin = day_two.locator(f'.stop[data-stop-id="{moved.pk}"] [data-action=pin]')
    expect(pin).to_have_attribute("aria-pressed", "true")
    assert Stop.objects.get(pk=moved.pk).day == 2
    assert at_both_sizes(page, "inspection-plan") == [0, 0]
    assert not page_problems


def test_on_a_phone_a_visit_is_moved_down_its_day_with_its_button(
    inspector,
    page_problems,
    ha_noi_sites,
    make_plan,
    officer,
):
    page = inspector
    page.set_viewport_size(PHONE)
    plan = make_plan(officer, ha_noi_sites[:10], visit_minutes={"verification": 30, "testing": 30})
    first, second = plan.stops.filter(day=1).order_by("position")[:2]
    page.goto(reverse("inspections:plan_detail", args=[plan.pk]))
    ready(page)

    page.locator(f'.stop[data-stop-id="{first.pk}"] [data-action=down]').click()
    ready(page)

    day_one = page.locator('.day[data-day="1"] .stop')
    expect(day_one.nth(0)).to_have_attribute("data-stop-id", str(second.pk))
    expect(day_one.nth(1)).to_have_attribute("data-stop-id", str(first.pk))
    assert Stop.objects.get(pk=first.pk).position == 1
    assert horizontal_overflow(page) <= 0
    assert not page_problems


def test_a_visit_dragged_onto_another_day_lands_where_it_was_dropped(
    inspector,
    page_problems,
    ha_noi_sites,
    make_plan,
    officer,
):
    page = inspector
    # Tall enough for both days to be in sight: a drag that scrolls picks up another visit.
    page.set_viewport_size({"width": DESKTOP["width"], "height": 2400})
    plan = make_plan(officer, ha_noi_sites[:10], visit_minutes={"verification": 30, "testing": 30})
    dragged = plan.stops.get(day=1, position=0)
    target = plan.stops.get(day=2, position=0)
    page.goto(reverse("inspections:plan_detail", args=[plan.pk]))
    ready(page)

    page.drag_and_drop(
        f'.stop[data-stop-id="{dragged.pk}"] .stop__name',
        f'.stop[data-stop-id="{target.pk}"] .stop__name',
        target_position={"x": 5, "y": 1},
    )
    ready(page)

    day_two = page.locator('.day[data-day="2"] .stop')
    expect(day_two.nth(0)).to_have_attribute("data-stop-id", str(dragged.pk))
    assert Stop.objects.get(pk=dragged.pk).day == 2
    assert not page_problems


def test_sites_are_selected_around_a_point_and_inside_an_area_clicked_on_the_map(
    inspector,
    page_problems,
    ha_noi_sites,
):
    page = inspector
    page.goto(reverse("inspections:new_plan"))
    ready(page)
    candidates = page.locator("#candidates-list li")
    expect(candidates).to_have_count(40)
    site = ha_noi_sites[5]
    dot = page.locator(f'path.candidate-dot[data-site-id="{site.pk}"]').bounding_box()
    x, y = dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2

    page.locator("[data-action=area-point]").click()
    page.mouse.click(x, y)
    page.fill("#id_radius_km", "2")
    page.locator("#id_radius_km").dispatch_event("change")
    expect(page.locator(f'#candidates-list input[value="{site.pk}"]')).to_have_count(1)
    expect(candidates).not_to_have_count(40)
    assert page.input_value("#id_near") != ""

    page.locator("[data-action=area-clear]").click()
    expect(candidates).to_have_count(40)
    page.locator("[data-action=area-draw]").click()
    for dx, dy in ((-12, -12), (12, -12), (12, 12), (-12, 12)):
        page.mouse.click(x + dx, y + dy)
    page.locator("#map-mode [data-action=finish]").click()
    expect(page.locator(f'#candidates-list input[value="{site.pk}"]')).to_have_count(1)
    expect(candidates).not_to_have_count(40)
    assert '"Polygon"' in page.input_value("#id_polygon")
    assert "polygon=" in page.url
    assert not page_problems
