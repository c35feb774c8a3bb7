from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_credential, make_site, site_form


@pytest.fixture
def official(admin_client):
    return admin_client


def test_every_registry_list_and_form_opens_for_an_official(official):
    for model in admin.site._registry:
        if model._meta.app_label != "geodata":
            continue
        info = (model._meta.app_label, model._meta.model_name)
        assert official.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
        add = official.get(reverse("admin:{}_{}_add".format(*info)))
        read_only = model._meta.model_name in ("administrativeunit", "registryevent")
        assert add.status_code == (403 if read_only else 200)


def test_admin_search_finds_a_site_written_without_diacritics(official):
    make_site(name="Trạm kiểm định đồng hồ nước Thủ Đức")
    make_site(name="Phòng thử nghiệm vật liệu xây dựng")
    page = official.get(reverse("admin:geodata_site_changelist"), {"q": "kiem dinh dong ho"})
    assert "Trạm kiểm định đồng hồ nước Thủ Đức" in page.text
    assert "Phòng thử nghiệm vật liệu xây dựng" not in page.text


def test_admin_lists_sites_by_their_status_today(official):
    today = timezone.localdate()
    expiring = make_site(name="Trạm sắp hết hạn")
    make_credential(site=expiring, issued_on=date(2023, 1, 1), valid_until=today + timedelta(30))
    expired = make_site(name="Trạm đã hết hạn")
    make_credential(site=expired, issued_on=date(2020, 1, 1), valid_until=today - timedelta(1))
    page = official.get(reverse("admin:geodata_site_changelist"), {"status": "expiring"})
    assert "Trạm sắp hết hạn" in page.text
    assert "Trạm đã hết hạn" not in page.text


def test_admin_filters_sites_by_service_and_province(official):
    make_site(name="Phòng hiệu chuẩn Hà Nội", kinds=["calibration"])
    make_site(name="Trạm kiểm định Hà Nội", kinds=["verification"])
    page = official.get(reverse("admin:geodata_site_changelist"), {"kind": "calibration"})
    assert "Phòng hiệu chuẩn Hà Nội" in page.text
    assert "Trạm kiểm định Hà Nội" not in page.text


def test_site_form_shows_the_map_widget_with_its_point(official):
    site = make_site()
    page = official.get(reverse("admin:geodata_site_change", args=[site.pk]))
    assert page.status_code == 200
    assert 'type="importmap"' in page.text
    assert "105.8" in page.text and "21.04" in page.text


def test_credential_form_shows_its_scope_and_status_events(official):
    credential = make_credential(site=make_site())
    page = official.get(reverse("admin:geodata_credential_change", args=[credential.pk]))
    assert page.status_code == 200
    assert "scope-TOTAL_FORMS" in page.text
    assert "events-TOTAL_FORMS" in page.text


def test_a_point_outside_viet_nam_is_refused_with_a_message_and_nothing_is_saved(official):
    site = make_site()
    url = reverse("admin:geodata_site_change", args=[site.pk])
    swapped = site_form(site, location_lon="21.04", location_lat="105.8")
    page = official.post(url, swapped)
    assert page.status_code == 200
    assert "nằm ngoài vùng đất liền và vùng biển của Việt Nam" in page.text
    site.refresh_from_db()
    assert (site.location.x, site.location.y) == (105.8, 21.04)


def test_a_point_at_sea_near_the_coast_and_on_the_islands_is_accepted(official):
    site = make_site()
    url = reverse("admin:geodata_site_change", args=[site.pk])
    truong_sa = site_form(site, location_lon="114.28", location_lat="10.38")  # Song Tử Tây
    assert official.post(url, truong_sa).status_code == 302
    site.refresh_from_db()
    assert (site.location.x, site.location.y) == (114.28, 10.38)


def test_coordinates_that_are_not_numbers_say_how_to_type_them(official):
    site = make_site()
    url = reverse("admin:geodata_site_change", args=[site.pk])
    page = official.post(url, site_form(site, location_lon="105,8a", location_lat="abc"))
    assert page.status_code == 200
    assert "Hãy nhập kinh độ và vĩ độ bằng độ thập phân" in page.text
