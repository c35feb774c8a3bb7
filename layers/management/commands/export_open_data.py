from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from layers import exports


class Command(BaseCommand):
    help = (
        "Writes the national open-data dump (sites as CSV and GeoJSON, province and commune "
        "boundaries, datapackage.json, DATA_DICTIONARY.md, licence) as the zip that "
        "/api/v1/exports/national.zip serves, unless this registry version's dump of today is "
        "there already. Prints its path. For a cron job."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            nargs="?",
            type=Path,
            help="Where to write it (default MEDIA_ROOT/exports, the folder the API serves, "
            "where earlier dumps are then removed).",
        )

    def handle(self, directory, **options):
        served = exports.served_directory()
        directory = directory or served
        try:
            path = exports.national_zip(directory, prune=directory.resolve() == served.resolve())
        except exports.Busy:
            raise CommandError(f"Another process is writing the dump in {directory}.") from None
        self.stdout.write(str(path))
