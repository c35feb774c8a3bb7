"""The planning pages: choosing the sites, making a plan from them, and changing it by hand or
by re-optimising; each for officials only, within their province."""

import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from geodata.models import OUTSIDE_VIET_NAM
from inspections import plan_pages
from inspections.models import Plan, Stop
from tests.factories import make_credential, province
from tests.inspections.conftest import HA_NOI, MONDAY

QUICK_VISITS = {"minutes_verification": 20, "minutes_testing": 20}


def in_vietnamese(message, **values):
    with translation.override("vi"):
        text = gettext(message)
    return text % values if values else text


def plan_form(picked, **changes):
    """The plan form as the page sends it: the sites in the order picked."""
    return {
        "sites": ",".join(str(site.pk) for site in picked),
        "title": "Kiểm tra định kỳ tháng 11",
        "start_address": "Sở Khoa học và Công nghệ Hà Nội",
        "start": "105.81940, 21.02450",
        "end_address": "Sở Khoa học và Công nghệ Hà Nội",
        "end": "105.81940, 21.02450",
        "first_day": MONDAY.isoformat(),
        "last_day": (MONDAY + timedelta(days=2)).isoformat(),
        "day_starts": "08:00",
        "day_ends": "17:00",
        "max_visits_per_day": "6",
        "minutes_verification": "90",
        "minutes_calibration": "120",
        "minutes_testing": "120",
        "minutes_certification": "90",
        "minutes_inspection": "90",
        "minutes_accreditation": "60",
        **changes,
    }


def form_errors(response):
    """Every error of the plan form, as one list of messages."""
    form = response.context["form"]
    return [message for messages in form.errors.values() for message in messages]


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def candidates(client, **query):
    return client.get(reverse("inspections:candidate_sites"), query)


@pytest.fixture
def plan(officer, ha_noi_sites, make_plan):
    """Ten sites over three days, at most six a day: every one of them placed."""
    return make_plan(officer, ha_noi_sites[:10], visit_minutes={"verification": 30, "testing": 30})


def order_of(plan):
    """Stop ids per day, as the page sends them."""
    days = [[] for _ in plan.summary["days"]]
    for stop in plan.stops.filter(day__isnull=False).order_by("day", "position"):
        days[stop.day - 1].append(stop.pk)
    return days


# Who may --------------------------------------------------------------------------------------


PAGES = ["plan_list", "new_plan", "candidate_sites"]


@pytest.mark.parametrize("name", PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, db, name):
    response = client.get(reverse(f"inspections:{name}"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["public_user", "representative"])
def test_the_public_and_representatives_are_refused(client, request, who, name):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse(f"inspections:{name}")).status_code == 403


def test_an_officer_of_another_province_does_not_find_the_plan(client, other_officer, plan):
    client.force_login(other_officer)

    for name in ("plan_detail", "plan_data"):
        assert client.get(reverse(f"inspections:{name}", args=[plan.pk])).status_code == 404
    order_url = reverse("inspections:plan_order", args=[plan.pk])
    order = {"days": order_of(plan), "pinned": []}
    assert post_json(client, order_url, order).status_code == 404
    assert client.post(reverse("inspections:plan_optimise", args=[plan.pk])).status_code == 404


def test_a_central_administrator_sees_the_plans_of_every_province(client, administrator, plan):
    client.force_login(administrator)

    assert client.get(reverse("inspections:plan_detail", args=[plan.pk])).status_code == 200


# The list of plans ----------------------------------------------------------------------------


def test_the_list_shows_the_provinces_plans_newest_first_with_days_visits_and_distance(
    client, officer, other_officer, ha_noi_sites, da_nang_site, make_plan
):
    older = make_plan(officer, ha_noi_sites[:3], title="Đợt một")
    newer = make_plan(officer, ha_noi_sites[3:7], title="Đợt hai")
    make_plan(other_officer, [da_nang_site], title="Đà Nẵng")
    client.force_login(officer)

    response = client.get(reverse("inspections:plan_list"))

    listed = list(response.context["page"])
    assert listed == [newer, older]
    assert (listed[0].day_count, listed[0].stop_count) == (3, 4)
    assert listed[0].km == newer.summary["metres"] / 1000
    assert reverse("inspections:new_plan") in response.content.decode()
    assert "Đà Nẵng" not in response.content.decode()


# Choosing the sites ---------------------------------------------------------------------------


def test_the_selection_page_offers_the_officers_province_and_starts_at_the_department(
    client, officer
):
    client.force_login(officer)

    response = client.get(reverse("inspections:new_plan"))

    selection = response.context["selection"]
    assert [unit.code for unit in selection.fields["province"].queryset] == ["01"]
    assert selection.initial["province"] == officer.profile.province_id
    form = response.context["form"]
    assert form.initial["start"] == form.initial["end"]
    assert form.initial["first_day"].weekday() == 0
    assert response["Cache-Control"] == "private, no-store"
    assert "data-communes-follow-province" not in response.content.decode()


def test_an_administrator_is_offered_the_communes_of_the_province_chosen(client, administrator):
    ha_noi = province(HA_NOI)
    client.force_login(administrator)

    first = client.get(reverse("inspections:new_plan")).context["selection"]
    chosen = client.get(reverse("inspections:new_plan"), {"province": ha_noi.pk})

    assert first.fields["province"].queryset.count() == 34
    assert not first.fields["commune"].queryset.exists()
    communes = chosen.context["selection"].fields["commune"].queryset
    assert communes.exists() and set(communes.values_list("parent", flat=True)) == {ha_noi.pk}
    assert "data-communes-follow-province" in chosen.content.decode()


def test_the_matching_sites_come_as_geojson_with_their_standing_and_last_visit(
    client, officer, ha_noi_sites
):
    expiring = ha_noi_sites[0]
    make_credential(expiring, valid_until=date.today() + timedelta(days=30))
    client.force_login(officer)

    response = candidates(client, credential="expiring", within_days="60")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert (body["type"], body["count"], body["truncated"]) == ("FeatureCollection", 1, False)
    (feature,) = body["features"]
    assert feature["id"] == expiring.pk
    assert feature["geometry"]["coordinates"] == [expiring.location.x, expiring.location.y]
    properties = feature["properties"]
    assert properties["name"] == expiring.name
    assert properties["status"] == "expiring"
    assert properties["last_visit"] is None
    assert properties["kinds"] == expiring.kinds


def test_the_sites_of_a_service_are_selected(client, officer, ha_noi_sites):
    client.force_login(officer)

    body = candidates(client, kind="testing").json()

    testing = {site.pk for site in ha_noi_sites if "testing" in site.kinds}
    assert {feature["id"] for feature in body["features"]} == testing


def test_more_matching_sites_than_are_shown_are_cut_and_said_to_be(
    client, officer, ha_noi_sites, monkeypatch
):
    monkeypatch.setattr(plan_pages, "CANDIDATES_SHOWN", 5)
    client.force_login(officer)

    body = candidates(client).json()

    assert (len(body["features"]), body["count"], body["truncated"]) == (5, 40, True)


def test_a_bad_selection_is_answered_400_with_the_reasons_in_vietnamese(client, officer):
    client.force_login(officer)

    response = candidates(client, near="105.8,21.0", not_visited_months="0")

    assert response.status_code == 400
    assert response["Cache-Control"] == "private, no-store"
    errors = response.json()["errors"]
    assert set(errors) == {"radius_km", "not_visited_months"}
    assert in_vietnamese("Give the radius around the point.") in errors["radius_km"][0]


def test_an_officer_cannot_select_the_sites_of_another_province(
    client, officer, ha_noi_sites, da_nang_site
):
    client.force_login(officer)

    assert candidates(client, province=da_nang_site.province_id).status_code == 400
    listed = {feature["id"] for feature in candidates(client).json()["features"]}
    assert da_nang_site.pk not in listed and len(listed) == 40


# Making the plan ------------------------------------------------------------------------------


def test_a_plan_is_made_from_the_sites_in_the_order_picked_and_optimised(
    client, officer, ha_noi_sites
):
    picked = list(reversed(ha_noi_sites[:10]))
    client.force_login(officer)

    response = client.post(reverse("inspections:new_plan"), plan_form(picked, **QUICK_VISITS))

    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("inspections:plan_detail", args=[plan.pk])
    stops = plan.stops.order_by("picked")
    assert [stop.site for stop in stops] == picked
    assert all(stop.day and stop.arrives_at for stop in stops)
    assert plan.summary["metres"] < plan.summary["picked_metres"]
    assert plan.province_id == officer.profile.province_id
    assert plan.visit_minutes["verification"] == 20


def test_a_site_of_another_province_is_refused_and_nothing_is_written(
    client, officer, ha_noi_sites, da_nang_site
):
    client.force_login(officer)

    response = client.post(
        reverse("inspections:new_plan"), plan_form([ha_noi_sites[0], da_nang_site])
    )

    assert response.status_code == 200
    assert in_vietnamese("Some of these sites are outside your province.") in form_errors(response)
    assert not Plan.objects.exists() and not Stop.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sites": ""}, "Choose at least one site to visit."),
        ({"last_day": "2026-11-20"}, "The last day must not come before the first."),
        ({"day_ends": "07:00"}, "The working day must end after it starts."),
        # A Saturday and a Sunday: services.create_plan refuses.
        (
            {"first_day": "2026-11-28", "last_day": "2026-11-29"},
            "There is no working day (Monday to Friday) in these dates.",
        ),
    ],
)
def test_a_plan_form_that_cannot_make_a_plan_says_why_in_vietnamese(
    client, officer, ha_noi_sites, changes, message
):
    client.force_login(officer)

    response = client.post(reverse("inspections:new_plan"), plan_form(ha_noi_sites[:3], **changes))

    assert response.status_code == 200
    assert in_vietnamese(message) in form_errors(response)
    assert not Plan.objects.exists()


def test_a_start_outside_viet_nam_is_refused(client, officer, ha_noi_sites):
    client.force_login(officer)

    response = client.post(
        reverse("inspections:new_plan"), plan_form(ha_noi_sites[:3], start="2.35, 48.85")
    )

    with translation.override("vi"):
        expected = str(OUTSIDE_VIET_NAM) % {"lon": 2.35, "lat": 48.85}
    assert response.context["form"].errors["start"] == [expected]
    assert not Plan.objects.exists()


def test_a_site_chosen_that_no_longer_exists_is_said(client, officer, ha_noi_sites):
    form = plan_form(ha_noi_sites[:3])
    ha_noi_sites[1].delete()
    client.force_login(officer)

    response = client.post(reverse("inspections:new_plan"), form)

    assert in_vietnamese("Some of the sites chosen no longer exist: choose again.") in form_errors(
        response
    )


# The plan and its changes ---------------------------------------------------------------------


def test_the_plan_as_json_gives_each_day_its_visits_in_order_with_their_times(
    client, officer, plan
):
    client.force_login(officer)

    response = client.get(reverse("inspections:plan_data", args=[plan.pk]))

    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert [day["date"] for day in body["days"]] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    assert [[stop["id"] for stop in day["stops"]] for day in body["days"]] == order_of(plan)
    first = body["days"][0]["stops"][0]
    stop = Stop.objects.select_related("site").get(pk=first["id"])
    assert first["site"] == stop.site.pk and first["name"] == stop.site.name
    assert first["arrives"] == stop.arrives_at.isoformat(timespec="minutes")
    assert (first["lon"], first["lat"]) == stop.site.location.coords
    assert (first["minutes"], first["pinned"]) == (30, False)
    assert body["unplaced"] == []
    assert body["summary"]["metres"] == plan.summary["metres"]
    assert body["start"]["address"] == plan.start_address


def test_the_plan_page_links_the_changes_the_downloads_the_day_pages_and_the_visits(
    client, officer, plan
):
    client.force_login(officer)

    response = client.get(reverse("inspections:plan_detail", args=[plan.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="plan-document"' in html
    for name in ("plan_order", "plan_optimise", "plan_gpx", "plan_csv", "plan_xlsx"):
        assert reverse(f"inspections:{name}", args=[plan.pk]) in html
    document = response.context["document"]
    assert document["days"][0]["page_url"] == reverse("inspections:day_page", args=[plan.pk, 1])
    stop = document["days"][0]["stops"][0]
    assert stop["visits_url"] == reverse("inspections:site_visits", args=[stop["site"]])


def test_a_visit_moved_to_another_day_and_pinned_is_stored_with_new_times(client, officer, plan):
    days = order_of(plan)
    moved = days[0].pop(0)
    days[1].insert(0, moved)
    client.force_login(officer)

    response = post_json(
        client,
        reverse("inspections:plan_order", args=[plan.pk]),
        {"days": days, "pinned": [moved]},
    )

    assert response.status_code == 200
    body = response.json()
    assert [[stop["id"] for stop in day["stops"]] for day in body["days"]] == days
    assert body["days"][1]["stops"][0]["pinned"] is True
    stop = Stop.objects.get(pk=moved)
    assert (stop.day, stop.position, stop.pinned) == (2, 0, True)


def test_re_optimising_keeps_a_pinned_visit_on_its_day(client, officer, plan):
    days = order_of(plan)
    moved = days[0].pop(0)
    days[2].append(moved)
    client.force_login(officer)
    post_json(
        client,
        reverse("inspections:plan_order", args=[plan.pk]),
        {"days": days, "pinned": [moved]},
    )

    response = client.post(reverse("inspections:plan_optimise", args=[plan.pk]))

    assert response.status_code == 200
    third_day = [stop["id"] for stop in response.json()["days"][2]["stops"]]
    assert moved in third_day
    assert Stop.objects.get(pk=moved).day == 3


def test_an_order_naming_a_stop_of_another_plan_is_refused(
    client, officer, plan, ha_noi_sites, make_plan
):
    other = make_plan(officer, ha_noi_sites[20:22])
    days = order_of(plan)
    days[0].append(other.stops.first().pk)
    client.force_login(officer)

    response = post_json(
        client, reverse("inspections:plan_order", args=[plan.pk]), {"days": days, "pinned": []}
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": in_vietnamese("This order does not match the plan's stops: reload the page.")
    }
    assert order_of(plan) == order_of(Plan.objects.get(pk=plan.pk))


@pytest.mark.parametrize(
    "body", ["not json", {"pinned": []}, {"days": "1,2"}, {"days": [["1"]]}, {"days": [[True]]}]
)
def test_an_order_that_is_not_understood_is_refused(client, officer, plan, body):
    client.force_login(officer)

    response = client.post(
        reverse("inspections:plan_order", args=[plan.pk]),
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"] == in_vietnamese(
        "The new order was not understood: reload the page."
    )


def test_changes_need_a_post_with_the_csrf_token(officer, plan):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    url = reverse("inspections:plan_optimise", args=[plan.pk])

    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
