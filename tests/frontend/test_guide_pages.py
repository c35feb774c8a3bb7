"""The guide pages: the index grouped into services and measuring instruments, and one guide with
its sections, its verification interval and a link to the map; data shown as text, never as HTML;
English falling back to Vietnamese; a 404 for a guide that is not published."""

import pytest
from django.conf import settings
from django.urls import reverse

from geodata.models import Guide

pytestmark = pytest.mark.django_db

INDEX = reverse("frontend:guide_list")


def page(client, url, language="vi"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.text


def guide_page(client, slug, language="vi"):
    return page(client, reverse("frontend:guide", args=[slug]), language)


def between(text, start, end) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_the_index_lists_the_services_then_the_measuring_instruments(client):
    text = page(client, INDEX, "en")

    services = between(text, 'id="guides-services"', "</section>")
    instruments = between(text, 'id="guides-instruments"', "</section>")
    assert 'href="/guides/verification/"' in services
    assert "Verification of measuring instruments" in services
    assert 'href="/guides/instrument-water-meter/"' in instruments
    assert "Every 60 months." in instruments
    assert "instrument-" not in services


def test_the_index_leaves_out_an_unpublished_guide(client):
    Guide.objects.filter(instrument__code="taxi-meter").update(published=False)

    assert "/guides/instrument-taxi-meter/" not in page(client, INDEX)


def test_a_guide_shows_each_section_in_vietnamese_by_default(client):
    water_meter = Guide.objects.get(instrument__code="water-meter")

    text = guide_page(client, "instrument-water-meter")

    assert '<h1 id="guide-title">Kiểm định đồng hồ nước</h1>' in text
    for paragraph in water_meter.summary_vi.split("\n\n"):
        assert f"<p>{paragraph}</p>" in text
    assert "04/2011/QH13" in between(text, 'id="guide-legal-basis"', "</section>")
    assert 'id="guide-bring"' in text and 'id="guide-check"' in text
    assert 'datetime="' in between(text, 'class="guide__updated"', "</p>")


def test_an_instrument_guide_says_how_often_the_instrument_must_be_verified(client):
    water_meter = between(
        guide_page(client, "instrument-water-meter", "en"), 'id="guide-interval"', "</section>"
    )
    electricity_meter = between(
        guide_page(client, "instrument-electricity-meter", "en"),
        'id="guide-interval"',
        "</section>",
    )

    assert "Every 60 months." in water_meter
    assert "No fixed interval." in electricity_meter


def test_a_service_guide_has_no_verification_interval(client):
    assert 'id="guide-interval"' not in guide_page(client, "testing")


@pytest.mark.parametrize(
    ("slug", "map_url"),
    [
        ("calibration", "/?kind=calibration"),
        ("instrument-taxi-meter", "/?instrument=taxi-meter&amp;kind=verification"),
    ],
)
def test_a_guide_links_to_the_places_on_the_map(client, slug, map_url):
    assert f'class="guide__button" href="{map_url}"' in guide_page(client, slug)


def test_text_from_the_guide_is_shown_as_text_never_as_html(client):
    guide = Guide.objects.get(kind="testing")
    guide.title_vi = "<script>alert(1)</script>"
    guide.how_to_check_vi = 'Xem <img src=x onerror="alert(1)">\n\n<b>đậm</b>'
    guide.save()

    text = guide_page(client, "testing")

    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text and "<b>" not in text
    assert "<p>Xem &lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>" in text
    assert "<p>&lt;b&gt;đậm&lt;/b&gt;</p>" in text


def test_in_english_a_text_left_empty_is_shown_in_vietnamese(client):
    guide = Guide.objects.get(kind="inspection")
    guide.title_en = ""
    guide.save()

    text = guide_page(client, "inspection", "en")

    assert '<h1 id="guide-title">Giám định hàng hóa</h1>' in text
    assert "An inspection certificate gives its number" in text  # the English text kept


@pytest.mark.parametrize("slug", ["bakery", "instrument-sundial", "instrument-pressure-gauge"])
def test_an_unknown_guide_is_a_404(client, slug):
    assert client.get(reverse("frontend:guide", args=[slug])).status_code == 404


def test_a_missing_page_says_so_in_vietnamese_and_leads_back_to_the_map(client):
    page = client.get("/guides/no-such-guide/")

    assert page.status_code == 404
    assert "Không tìm thấy trang" in page.text
    assert f'href="{reverse("frontend:home")}"' in page.text


def test_an_unpublished_guide_is_a_404(client):
    Guide.objects.filter(kind="accreditation").update(published=False)
    assert client.get(reverse("frontend:guide", args=["accreditation"])).status_code == 404
