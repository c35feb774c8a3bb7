"""Guides: one subject each (a service kind or an instrument type), a slug derived from it, texts
in NFC with their paragraphs, English falling back to Vietnamese, and the starting text loaded
with the reference data without ever overwriting an official's edit."""

import json
import re
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from geodata.models import Guide, InstrumentType, ServiceKind
from geodata.services import load_reference_data
from geodata.services.reference import GUIDES

pytestmark = pytest.mark.django_db

TEXTS = {
    "title_vi": "Kiểm định áp kế",
    "summary_vi": "Áp kế là phương tiện đo nhóm 2.",
    "legal_basis_vi": "Luật Đo lường số 04/2011/QH13.",
    "what_to_bring_vi": "Áp kế.",
    "how_to_check_vi": "Xem tem kiểm định.",
}
# The documents that the starting text may cite: no other number may creep in.
KNOWN_DOCUMENTS = {
    "04/2011/QH13",
    "68/2006/QH11",
    "05/2007/QH12",
    "86/2012/NĐ-CP",
    "105/2016/NĐ-CP",
    "107/2016/NĐ-CP",
    "154/2018/NĐ-CP",
    "23/2013/TT-BKHCN",
    "07/2019/TT-BKHCN",
}
DOCUMENT_NUMBER = re.compile(r"\b\d{1,4}/(?:19|20)\d\d/[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)?")


def instrument(code="pressure-gauge"):
    return InstrumentType.objects.get(code=code)


def refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Guide.objects.create(**TEXTS, **fields)


def test_a_guide_is_about_a_service_kind_or_an_instrument_type_never_both_nor_neither():
    refused(kind="calibration", instrument=instrument())
    refused()


def test_the_admin_form_says_to_choose_exactly_one_subject():
    guide = Guide(**TEXTS, kind="calibration", instrument=instrument())
    with translation.override("en"), pytest.raises(ValidationError, match="choose exactly one"):
        guide.full_clean()


def test_a_service_kind_or_an_instrument_type_has_one_guide_at_most():
    Guide.objects.create(**TEXTS, instrument=instrument())

    refused(instrument=instrument())
    refused(kind="testing")  # the starting text has one already


def test_the_slug_is_the_kind_code_or_the_instrument_code_after_instrument():
    pressure_gauge = Guide.objects.create(**TEXTS, instrument=instrument())
    verification = Guide.objects.get(kind="verification")

    assert (verification.slug, pressure_gauge.slug) == ("verification", "instrument-pressure-gauge")
    assert Guide.objects.by_slug("instrument-pressure-gauge").get() == pressure_gauge
    assert Guide.objects.by_slug("verification").get() == verification
    assert not Guide.objects.by_slug("instrument-verification").exists()
    assert pressure_gauge.get_absolute_url() == "/guides/instrument-pressure-gauge/"


def test_texts_are_stored_in_nfc_and_keep_their_paragraphs():
    decomposed = unicodedata.normalize("NFD", "Kiểm định")
    guide = Guide.objects.create(
        **{**TEXTS, "title_vi": f"  {decomposed}  "},
        summary_en="First  line\r\nsecond line\r\n\r\n\r\n\r\n  Second paragraph.  ",
        instrument=instrument(),
    )
    guide.refresh_from_db()

    assert guide.title_vi == "Kiểm định"
    assert guide.summary_en == "First line\nsecond line\n\nSecond paragraph."


def test_an_english_text_left_empty_is_the_vietnamese_one():
    guide = Guide(**TEXTS, title_en="Verification of pressure gauges")

    english, vietnamese = guide.texts("en"), guide.texts("vi")

    assert english["title"] == "Verification of pressure gauges"
    assert english["summary"] == vietnamese["summary"] == "Áp kế là phương tiện đo nhóm 2."
    assert vietnamese["title"] == "Kiểm định áp kế"


def test_how_often_to_verify_is_the_instrument_types_interval_not_a_copy():
    guide = Guide.objects.create(**TEXTS, instrument=instrument())
    InstrumentType.objects.filter(code="pressure-gauge").update(verification_interval_months=6)

    assert Guide.objects.get(pk=guide.pk).verification_interval_months == 6
    assert Guide.objects.get(kind="testing").verification_interval_months is None


def test_the_reference_data_publishes_a_guide_for_every_service_kind_and_common_instrument():
    published = Guide.objects.published()

    assert set(published.exclude(kind="").values_list("kind", flat=True)) == set(ServiceKind)
    assert {
        "scale-non-automatic",
        "water-meter",
        "electricity-meter",
        "fuel-dispenser",
        "taxi-meter",
        "blood-pressure-monitor",
    } <= set(published.values_list("instrument__code", flat=True))
    assert all(guide.title_en and guide.how_to_check_en for guide in published)


def test_the_starting_text_cites_only_the_documents_it_is_sure_of():
    text = GUIDES.read_text(encoding="utf-8")

    assert set(DOCUMENT_NUMBER.findall(text)) <= KNOWN_DOCUMENTS
    assert "verification_interval" not in text  # intervals are the instrument types'


def test_the_starting_text_keeps_its_paragraphs():
    entry = json.loads(GUIDES.read_text(encoding="utf-8"))["guides"][0]
    guide = Guide.objects.get(kind=entry["kind"])

    assert guide.summary_vi.split("\n\n") == entry["summary_vi"]


def test_loading_again_creates_no_guide_and_keeps_what_an_official_wrote():
    water_meter = Guide.objects.get(instrument__code="water-meter")
    water_meter.title_vi = "Kiểm định đồng hồ nước (đã sửa)"
    water_meter.published = False
    water_meter.save()
    count = Guide.objects.count()

    counts = load_reference_data()

    water_meter.refresh_from_db()
    assert (counts["guides created"], Guide.objects.count()) == (0, count)
    assert water_meter.title_vi == "Kiểm định đồng hồ nước (đã sửa)"
    assert not water_meter.published


def test_loading_again_writes_a_guide_that_is_missing():
    Guide.objects.filter(kind="inspection").delete()

    counts = load_reference_data()

    assert counts["guides created"] == 1
    assert Guide.objects.published().get(kind="inspection").title_vi == "Giám định hàng hóa"


def test_an_official_cannot_save_a_guide_about_a_kind_and_an_instrument(admin_client):
    form = {
        **TEXTS,
        "kind": "calibration",
        "instrument": instrument().pk,
        "published": "on",
    }
    page = admin_client.post(reverse("admin:geodata_guide_add"), form)

    assert page.status_code == 200
    assert "hãy chọn đúng một" in page.text
    assert not Guide.objects.filter(title_vi="Kiểm định áp kế").exists()


def test_an_official_writes_a_guide_for_an_instrument_type(admin_client):
    form = {**TEXTS, "kind": "", "instrument": instrument().pk, "published": "on"}
    page = admin_client.post(reverse("admin:geodata_guide_add"), form)

    assert page.status_code == 302
    assert Guide.objects.published().get(instrument__code="pressure-gauge").slug == (
        "instrument-pressure-gauge"
    )
