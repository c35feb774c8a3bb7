from datetime import date

from django.core.management.base import BaseCommand, CommandError

from layers import clusters


class Command(BaseCommand):
    help = (
        "Counts the stored cluster cells of the country view again from the site index, with "
        "the statuses of today (or --day). Run it each day just after midnight, when statuses "
        "change with the date (until then the clusters are counted from the index), and after "
        "a bulk load done without the triggers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", help="The date of the statuses, YYYY-MM-DD (default today).")

    def handle(self, day=None, **options):
        try:
            on = date.fromisoformat(day) if day else None
        except ValueError as error:
            raise CommandError(f"--day: {error}") from error
        clusters.rebuild_cells(day=on)
