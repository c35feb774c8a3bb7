"""Importing a registry file: read it, check every row, place every site, then write it all in
one transaction, or nothing when a row is wrong (unless only the valid rows are asked for).
Every run, a check included, is recorded as an ImportRun with its report."""

import hashlib
from dataclasses import dataclass

import pghistory
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geodata.addresses import AddressNormaliser
from geodata.geography import Geography
from geodata.importers.columns import map_columns
from geodata.importers.files import FileError, read_table
from geodata.importers.geocoding import Geocoder
from geodata.importers.placing import Placer
from geodata.importers.report import FAILED, WARNING, Issue, Problem, Report
from geodata.importers.rows import RowReader, Vocabularies
from geodata.models import AdministrativeUnit, Credential, ImportRun, Organisation, ScopeItem, Site
from geodata.services.statistics import refresh_planner_statistics
from geodata.services.upsert import RegistryUpsert, near_duplicates
from geodata.signals import registry_changed

MESSAGES = {
    "unknown_column": _("The column “%(header)s” is not understood: its values are not imported."),
    "repeated_column": _(
        "The column “%(header)s” repeats another column of the same meaning: it is ignored."
    ),
    "identical_file": _(
        "This file is identical to the one imported on %(when)s by %(who)s (import %(id)s): "
        "importing it again changes nothing unless the registry was edited since."
    ),
    "database_refused": _("The database refused the import, so nothing was written: %(error)s"),
}


IMPORT_LOCK = 0x51_1A_80  # the advisory lock key of registry imports
ANALYZE_AFTER_CREATED = 1000  # rows: then the planner's statistics are refreshed


class ImportProblem(Problem):
    messages = MESSAGES


class _CheckOnly(Exception):
    """Raised to roll back the writes of a check or of a rejected file."""


@dataclass(frozen=True)
class ImportOptions:
    province: str | None = None  # current province code: the file is that department's
    dry_run: bool = False
    only_valid_rows: bool = False


def import_registry(
    data: bytes,
    file_name: str,
    options: ImportOptions = ImportOptions(),  # noqa: B008 (frozen)
    *,
    user=None,
    performed_by: str = "",
    geocoder: Geocoder | None = None,
) -> ImportRun:
    """Import (or check) one file; the ImportRun says what happened, row by row."""
    run = _new_run(data, file_name, options, user, performed_by)
    report = Report(file={"name": file_name, "sha256": run.sha256, "size_bytes": len(data)})
    _note_identical_import(run, report)
    try:
        table = read_table(data, file_name)
    except FileError as problem:
        report.file_issues.append(Issue.of(problem))
        return _finish(run, data, report, ImportRun.Outcome.REJECTED)
    report.file |= {"format": table.format, "encoding": table.encoding, "sheet": table.sheet}
    records = _read_rows(table, report, options, geocoder)
    if records is None:
        return _finish(run, data, report, ImportRun.Outcome.REJECTED)
    _take_id(run)
    try:
        with pghistory.context(**_history_context(run)):
            written = _upsert(records, report, options)
    except DatabaseError as error:
        report.file_issues.append(Issue.of(ImportProblem("database_refused", error=str(error))))
        return _finish(run, data, report, ImportRun.Outcome.FAILED)
    for row in report.rows:
        if row.failed:
            row.outcome = FAILED
    if options.dry_run:
        return _finish(run, data, report, ImportRun.Outcome.CHECKED)
    if written and report.totals()["created"] >= ANALYZE_AFTER_CREATED:
        refresh_planner_statistics(
            Organisation, Site, Credential, Credential.sites.through, ScopeItem
        )
    outcome = ImportRun.Outcome.IMPORTED if written else ImportRun.Outcome.REJECTED
    return _finish(run, data, report, outcome)


def confirm_import(checked: ImportRun, user=None, performed_by: str = "") -> ImportRun:
    """Import for real the file of a check, with the same options."""
    options = ImportOptions(
        province=checked.province.code if checked.province else None,
        only_valid_rows=checked.only_valid_rows,
    )
    with checked.file.open("rb") as file:
        data = file.read()
    return import_registry(data, checked.file_name, options, user=user, performed_by=performed_by)


def _new_run(data: bytes, file_name: str, options: ImportOptions, user, performed_by) -> ImportRun:
    province = None
    if options.province:
        province = AdministrativeUnit.objects.get(
            level=AdministrativeUnit.Level.PROVINCE, current=True, code=options.province
        )
    return ImportRun(
        user=user if user and user.is_authenticated else None,
        performed_by=performed_by or (user.get_username() if user else ""),
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        province=province,
        dry_run=options.dry_run,
        only_valid_rows=options.only_valid_rows,
    )


def _take_id(run: ImportRun):
    """The run is saved when it ends; its ID is taken before it writes, for the history."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [run._meta.db_table])
        (run.pk,) = cursor.fetchone()


def _history_context(run: ImportRun) -> dict:
    """Which import, and who made it, for the history of every record it writes."""
    context = {"import_run": run.pk, "performed_by": run.performed_by}
    return context | ({"user": run.user_id} if run.user_id else {})


def _note_identical_import(run: ImportRun, report: Report):
    previous = ImportRun.objects.filter(
        sha256=run.sha256, outcome=ImportRun.Outcome.IMPORTED
    ).first()
    if previous:
        report.file["previous_import"] = previous.pk
        notice = ImportProblem(
            "identical_file",
            when=f"{timezone.localtime(previous.started_at):%d/%m/%Y %H:%M}",
            who=previous.performed_by or "?",
            id=previous.pk,
        )
        report.file_issues.append(Issue.of(notice, severity=WARNING))


def _read_rows(table, report: Report, options: ImportOptions, geocoder):
    """The rows read and placed, or None when the columns make the file unreadable."""
    mapping = map_columns(table.headers)
    report.columns = [[header, name] for name, header in mapping.headers.items()]
    for header in mapping.unknown:
        problem = ImportProblem("unknown_column", header=header)
        report.file_issues.append(Issue.of(problem, header, WARNING))
    for header in mapping.repeated:
        problem = ImportProblem("repeated_column", header=header)
        report.file_issues.append(Issue.of(problem, header, WARNING))
    reader = RowReader(mapping, Vocabularies.from_database())
    missing = reader.missing_columns()
    report.file_issues += missing
    if missing:
        return None
    placer = Placer(
        Geography.from_database(),
        AddressNormaliser.from_reference_files(),
        geocoder or Geocoder.from_settings(),
        options.province,
    )
    records = []
    for row in table.rows:
        record = reader.read(row.number, row.cells, row.point)
        placer.place(record)
        records.append(record)
    report.rows = [record.result for record in records]
    return records


def _upsert(records, report: Report, options: ImportOptions) -> bool:
    """Write the rows in one transaction, kept only for an import without errors (or of only
    the valid rows); whether it was kept."""
    try:
        with transaction.atomic():
            _wait_for_other_imports()
            upsert = RegistryUpsert(records, _province_id(options))
            upsert.apply()
            keep = not options.dry_run and (options.only_valid_rows or not report.has_errors)
            report.near_duplicates = near_duplicates(upsert.write())
            registry_changed.send(__name__, organisation_ids=upsert.organisation_ids())
            if not keep:
                upsert.forget_new_ids()
                raise _CheckOnly
    except _CheckOnly:
        return False
    return True


def _province_id(options: ImportOptions) -> int | None:
    if not options.province:
        return None
    units = AdministrativeUnit.objects.filter(level="province", current=True)
    return units.values_list("pk", flat=True).get(code=options.province)


def _wait_for_other_imports():
    """One import writes at a time: natural keys without a unique constraint (an organisation
    by name, a site by address) would otherwise race between two imports."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def _finish(run: ImportRun, data: bytes, report: Report, outcome: str) -> ImportRun:
    report.outcome = outcome
    run.outcome, run.finished_at = outcome, timezone.now()
    run.totals, run.report = report.totals(), report.as_json()
    name = run.file.field.upload_to(run, run.file_name)
    if run.file.storage.exists(name):
        run.file.name = name  # the same bytes were stored before
    else:
        run.file.save(name, ContentFile(data), save=False)
    run.save()
    return run
