"""The site panel: what a citizen needs to know about one site, its scope searchable in place,
and the way back to the list (its own button and the browser's Back)."""

import pytest
from django.utils import translation

from geodata import status
from geodata.models import Document
from tests.browser.map_fixtures import HANOI_VIEW, MapPage

pytestmark = pytest.mark.browser


def in_vietnamese(text):
    with translation.override("vi"):
        return str(text)


def test_the_panel_shows_the_sites_address_phone_credentials_documents_guides_and_links(
    page, page_problems, registry, live_server
):
    site = registry.water_meters
    explorer = MapPage(page).open(HANOI_VIEW)
    explorer.open_site_from_list(site)
    panel = explorer.panel

    assert panel.locator("[data-slot=organisation]").inner_text() == site.organisation.name_vi
    assert panel.locator("[data-slot=address]").inner_text() == site.address
    assert panel.locator("[data-slot=current-address]").inner_text() == "Nghĩa Đô, Hà Nội"
    assert panel.locator("[data-slot=legacy-address]").inner_text() == "Nghĩa Đô, Cầu Giấy, Hà Nội"
    assert panel.locator("[data-slot=hours]").inner_text() == site.opening_hours
    phone = panel.locator("[data-slot=phone] a")
    assert phone.inner_text() == "024 3836 1234"
    assert phone.get_attribute("href") == "tel:02438361234"
    assert panel.locator("[data-slot=email-row]").is_hidden()

    credentials = panel.locator("[data-slot=credentials] > li")
    assert credentials.count() == 1
    assert "101/QĐ-TĐC" in credentials.inner_text()
    assert in_vietnamese(status.LABELS[status.VALID]) in credentials.locator(".badge").inner_text()
    assert panel.locator("[data-slot=status]").inner_text() == in_vietnamese(
        status.LABELS[status.VALID]
    )
    document = Document.objects.get()
    download = panel.locator("[data-slot=documents] a")
    assert download.inner_text() == document.title
    assert download.get_attribute("href") == f"{live_server.url}/api/v1/documents/{document.pk}/"

    guides = panel.locator("[data-slot=guides] a").all_inner_texts()
    assert "Kiểm định phương tiện đo" in guides
    assert "Kiểm định đồng hồ nước" in guides
    assert "openstreetmap.org/directions" in panel.locator("[data-slot=directions]").get_attribute(
        "href"
    )
    assert "21.045100%2C105.794000" in panel.locator("[data-slot=directions]").get_attribute("href")
    permalink = panel.locator("[data-slot=permalink]").get_attribute("href")
    assert permalink == f"{live_server.url}/?site={site.pk}"
    assert explorer.query()["site"] == str(site.pk)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    panel.locator("[data-slot=copy]").click()
    panel.locator(".panel__copied").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == permalink

    page.goto(permalink)
    page.locator("#site-name").filter(has_text=site.name).wait_for()
    assert not page_problems, page_problems


def test_a_click_on_a_sites_marker_opens_its_panel(page, page_problems, registry):
    site = registry.countryside  # alone in its view
    explorer = MapPage(page).open(f"map=15/{site.location.y}/{site.location.x}")
    assert explorer.markers() == 1

    box = explorer.map.bounding_box()
    explorer.map.click(position={"x": box["width"] / 2, "y": box["height"] / 2})

    page.locator("#site-name").filter(has_text=site.name).wait_for()
    assert explorer.query()["site"] == str(site.pk)
    assert explorer.panel.locator("[data-slot=status]").inner_text() == in_vietnamese(
        status.LABELS[status.EXPIRING]
    )
    assert not page_problems, page_problems


def test_the_scope_search_in_the_panel_ignores_diacritics_and_case(page, page_problems, registry):
    explorer = MapPage(page).open(HANOI_VIEW)
    explorer.open_site_from_list(registry.laboratory)
    search = explorer.panel.locator("[data-slot=scope-search]")
    shown = explorer.panel.locator("[data-slot=scope] tr:visible")
    assert shown.count() == 4

    search.fill("XI MANG")
    assert shown.count() == 1
    assert "Xi măng poóc lăng" in shown.inner_text()

    search.fill("ham luong chi")
    assert shown.count() == 1
    assert "SMEWW 3113B" in shown.inner_text()

    search.fill("tcvn")
    assert shown.count() == 2

    search.fill("không có dòng nào")
    assert shown.count() == 0
    assert explorer.panel.locator("[data-slot=scope-count]").inner_text()
    assert not page_problems, page_problems


def test_back_closes_the_panel_and_shows_the_list_again(page, page_problems, registry):
    explorer = MapPage(page).open(HANOI_VIEW)
    listed = explorer.listed_ids()
    results = page.locator("#results")

    explorer.open_site_from_list(registry.certification)
    assert results.is_hidden()
    assert explorer.panel.locator("[data-slot=status]").inner_text() == in_vietnamese(
        status.LABELS[status.SUSPENDED]
    )
    assert "55/QĐ-BoA" in explorer.panel.locator("[data-slot=credentials]").inner_text()
    page.go_back()
    explorer.panel.wait_for(state="hidden")
    assert results.is_visible()
    assert "site" not in explorer.query()
    assert explorer.listed_ids() == listed

    explorer.open_site_from_list(registry.laboratory)
    explorer.panel.locator("[data-slot=back]").click()
    explorer.panel.wait_for(state="hidden")
    assert results.is_visible()
    assert "site" not in explorer.query()
    assert not page_problems, page_problems
