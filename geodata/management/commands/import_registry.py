import getpass
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from geodata.importers.report import present
from geodata.models import AdministrativeUnit, ImportRun
from geodata.services import ImportOptions, import_registry

SHOWN_ISSUES = 20


class Command(BaseCommand):
    help = (
        "Imports a registry file (CSV, XLSX or GeoJSON) of organisations, sites and credentials: "
        "all of it in one transaction, or nothing when a row has an error (see --only-valid-rows). "
        "Prints a summary; --report writes the full report (JSON, or HTML for a .html name). "
        "Exits with status 1 when the file is rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV, XLSX or GeoJSON file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--report", type=Path, metavar="REPORT", help="Write the report to this file."
        )
        parser.add_argument(
            "--province",
            metavar="CODE",
            help="The file is this province's (NSO code, e.g. 01): rows without a province are "
            "placed in it, and rows in another province are errors.",
        )
        parser.add_argument(
            "--only-valid-rows",
            action="store_true",
            help="Import the rows without errors even when other rows have some.",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of the summary and of the HTML report.",
        )

    def handle(self, *args, file, dry_run, report, province, only_valid_rows, language, **opts):
        translation.activate(language)
        if (
            province
            and not AdministrativeUnit.objects.filter(
                level="province", current=True, code=province
            ).exists()
        ):
            raise CommandError(_("No current province has the code %(code)s.") % {"code": province})
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}
            ) from None
        options = ImportOptions(province, dry_run, only_valid_rows)
        run = import_registry(data, file.name, options, performed_by=getpass.getuser())
        self._summarise(run, language)
        if report:
            self._write_report(run, report, language)
        if run.outcome in (ImportRun.Outcome.REJECTED, ImportRun.Outcome.FAILED):
            raise CommandError(run.get_outcome_display())

    def _summarise(self, run: ImportRun, language: str):
        totals = run.totals
        self.stdout.write(
            _(
                "%(file)s: %(outcome)s. %(rows)s rows: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged, %(error)s with errors; %(warnings)s warnings, "
                "%(near_duplicates)s possible duplicates. Import %(id)s."
            )
            % {**totals, "file": run.file_name, "outcome": run.get_outcome_display(), "id": run.pk}
        )
        shown = 0
        for issue in run.report["file_issues"]:
            self.stdout.write(f"  {issue['severity']}: {issue['message'][language]}")
        for row in run.report["rows"]:
            for issue in row["issues"]:
                if shown < SHOWN_ISSUES:
                    column = f" [{issue['column']}]" if issue["column"] else ""
                    message = issue["message"][language]
                    line = _("row %(row)s") % {"row": row["row"]}
                    self.stdout.write(f"  {line}{column} {issue['severity']}: {message}")
                shown += 1
        if shown > SHOWN_ISSUES:
            more = _("… and %(count)s more in the report.") % {"count": shown - SHOWN_ISSUES}
            self.stdout.write(f"  {more}")

    def _write_report(self, run: ImportRun, path: Path, language: str):
        if path.suffix.lower() in (".html", ".htm"):
            context = {"run": run, "report": present(run.report, language), "language": language}
            content = render_to_string("geodata/import_report_page.html", context)
        else:
            content = json.dumps(run.report, ensure_ascii=False, indent=1)
        path.write_text(content, encoding="utf-8")
        self.stdout.write(_("Report written to %(path)s.") % {"path": path})
