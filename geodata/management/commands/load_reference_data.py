from django.core.management.base import BaseCommand

from geodata.services import load_reference_data


class Command(BaseCommand):
    help = (
        "Loads the administrative units (34 current and 63 legacy provinces, communes, legacy "
        "districts), the old-to-new mapping, the registry vocabularies and the guides not yet "
        "written (never changing one that exists) from the files in geodata/reference_data. "
        "Idempotent."
    )

    def handle(self, *args, **options):
        counts = load_reference_data()
        for what, n in counts.items():
            self.stdout.write(f"{what}: {n}")
