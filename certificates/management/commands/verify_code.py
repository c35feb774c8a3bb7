"""manage.py verify_code CODE --keys FILE: checks a QR code's signature against a saved copy of
the published keys (/.well-known/certificate-keys.json), without the database. It proves the
signed fields; whether the certificate is still in force needs the registry."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from certificates import keys, signing


class Command(BaseCommand):
    help = _("Verify a certificate's code offline against a saved key set (JWKS file).")
    requires_system_checks = []  # no database: the checks may need one

    def add_arguments(self, parser):
        parser.add_argument("code", help=_("The code, or the whole address the QR code carries."))
        parser.add_argument(
            "--keys", dest="key_file", required=True, help=_("A saved certificate-keys.json.")
        )

    def handle(self, *args, code, key_file, **options):
        try:
            with open(key_file, encoding="utf-8") as file:
                key_set = json.load(file)
        except (OSError, ValueError) as error:
            raise CommandError(
                _(
                    "Cannot read the key set %(file)s: %(error)s. Save "
                    "/.well-known/certificate-keys.json of the portal and give its path."
                )
                % {"file": key_file, "error": error}
            ) from error
        try:
            fields = keys.read_code_offline(code.rstrip("/").rsplit("/", 1)[-1], key_set)
        except signing.Forged as error:
            raise CommandError(f"FORGED: {error}") from error
        self.stdout.write(f"SIGNATURE GOOD (key {fields.pop('kid')})\n")
        for name, value in fields.items():
            self.stdout.write(f"{name}: {value if value is not None else '-'}\n")
