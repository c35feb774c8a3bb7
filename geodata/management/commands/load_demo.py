import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from geodata import demo


class Command(BaseCommand):
    help = (
        "Loads the demo dataset into an empty registry: the 24 real organisations of "
        "geodata/reference_data/orgs/real_orgs.csv and a synthetic national set of sites with "
        "their organisations, credentials, scopes, status events and PDF documents. The same "
        "seed and date give the same data. Refuses a registry that already holds organisations "
        "(use --if-empty to skip quietly). Needs load_reference_data first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sites",
            type=int,
            default=demo.DEFAULT_SITES,
            help=f"Number of synthetic sites (default {demo.DEFAULT_SITES}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help=f"Seed of the synthetic set (default {demo.DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help="Reference date the credentials' dates are spread around (default today).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, successfully, when the registry already holds organisations.",
        )

    def handle(self, *args, sites, seed, date, if_empty, **options):
        if sites < 0:
            raise CommandError("--sites cannot be negative.")
        started = time.monotonic()
        try:
            counts = demo.load_demo(n_sites=sites, seed=seed, on=date)
        except demo.RegistryNotEmpty as error:
            if if_empty:
                self.stdout.write(
                    f"The registry already holds {error.organisations} organisation(s): "
                    "nothing loaded (--if-empty)."
                )
                return
            raise CommandError(
                f"{error} Nothing was loaded. Run it with --if-empty to skip a loaded registry; "
                "to load again, first delete the demo data (every organisation it wrote has "
                f"“{demo.DEMO_MARK}” in its notes: geodata.demo.demo_organisations())."
            ) from error
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Loaded the demo dataset (seed {seed}) in {elapsed:.1f} s:")
        )
        for what, n in counts.items():
            self.stdout.write(f"  {what}: {n}")
        self.stdout.write(
            f"Every demo organisation is marked “{demo.DEMO_MARK}” in its notes; documents say "
            "DEMO."
        )
