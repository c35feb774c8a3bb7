"""manage.py rotate_signing_key --use certificates|log: retires the key in use for a new one;
the old key stays published, so what it signed still verifies."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy as _

from certificates import signing
from certificates.models import SigningKey


class Command(BaseCommand):
    help = _("Retire the signing key in use (it stays published) and make a new one.")

    def add_arguments(self, parser):
        parser.add_argument("--use", required=True, choices=SigningKey.Use.values)

    def handle(self, *args, use, **options):
        key = signing.rotate(use)
        self.stdout.write(f"{key.kid}\n")
