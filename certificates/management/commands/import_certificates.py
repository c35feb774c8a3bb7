"""manage.py import_certificates FILE --user USERNAME [--dry-run]: registers the certificates of a
CSV, XLSX or JSON file as that user, all of them or none, and prints the report."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from certificates import importers
from geodata.importers.report import Problem


class Command(BaseCommand):
    help = _("Register the issued certificates of a CSV, XLSX or JSON file (all of them or none).")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help=_("The user they are registered as."))
        parser.add_argument("--dry-run", action="store_true", help=_("Check only; write nothing."))

    def handle(self, *args, file, user, dry_run, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(_("No user is named “%(name)s”.") % {"name": user})
        try:
            read, report = importers.import_file(
                account, file.read_bytes(), file.name, dry_run=dry_run
            )
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from error
        except (Problem, PermissionDenied) as error:
            raise CommandError(str(error)) from error
        if read.ignored:
            self.stdout.write(_("Columns ignored: %(names)s") % {"names": ", ".join(read.ignored)})
        for error in report.errors:
            self.stdout.write(str(error))
        if not report.accepted:
            refused = {"refused": report.refused_rows, "rows": report.rows}
            raise CommandError(
                _("%(refused)s of %(rows)s rows refused: nothing was registered.") % refused
            )
        if dry_run:
            self.stdout.write(
                _("%(rows)s certificates checked; nothing written (dry run).")
                % {"rows": report.rows}
            )
        else:
            self.stdout.write(
                _("%(created)s certificates registered.") % {"created": len(report.certificates)}
            )
