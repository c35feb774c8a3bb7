import subprocess
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def test_every_interface_string_has_a_vietnamese_translation():
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert untranslated == ""


def test_the_interface_speaks_vietnamese_by_default_and_english_on_request(client, db):
    assert "Gần tôi" in client.get(reverse("frontend:home")).text
    with translation.override("en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        assert "Near me" in client.get(reverse("frontend:home")).text
