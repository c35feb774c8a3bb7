"""Recomputes the whole transparency log and checks it: `python manage.py verify_log`."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from certificates import transparency


class Command(BaseCommand):
    help = _(
        "Recomputes every hash of the transparency log, its Merkle tree and checkpoints, and "
        "checks every certificate against its latest log entry. Exits 1 naming the first "
        "record that was altered."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size", type=int, default=10_000, help=_("Rows read from the database at once")
        )

    def handle(self, *args, chunk_size, **options):
        started = time.monotonic()
        try:
            summary = transparency.audit(chunk_size)
        except transparency.Altered as altered:
            raise CommandError(str(altered)) from altered
        self.stdout.write(
            _(
                "The log is intact: %(entries)s entries, %(nodes)s Merkle nodes, "
                "%(checkpoints)s checkpoints and %(certificates)s certificates checked in "
                "%(seconds).1f s."
            )
            % {**vars(summary), "seconds": time.monotonic() - started}
        )
