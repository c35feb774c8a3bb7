"""What an import found and did, row by row: the report an official reads (HTML in the admin)
and a machine reads (JSON). Messages are kept in Vietnamese and English."""

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.functional import lazy

ERROR, WARNING = "error", "warning"

# Row outcomes
CREATED, UPDATED, UNCHANGED, FAILED, SKIPPED = "created", "updated", "unchanged", "error", "skipped"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, FAILED, SKIPPED)


# A translatable %-template with its values, rendered in the language active when shown.
interpolated_lazy = lazy(lambda template, params: str(template) % params, str)


class Problem(ValueError):
    """Something wrong in a file or a row: a stable code for programs, and a message for
    people, rendered in the language active when it is shown."""

    messages: dict = {}  # code -> translatable template with %(name)s placeholders

    def __init__(self, code: str, **params):
        super().__init__(code, params)
        self.code, self.params = code, params

    @property
    def message(self):
        return interpolated_lazy(self.messages[self.code], self.params)

    def __str__(self):
        return str(self.message)


def in_every_language(message) -> dict[str, str]:
    """A lazy message rendered in each language of the site: {"vi": ..., "en": ...}."""
    rendered = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered[code] = str(message)
    return rendered


@dataclass(frozen=True)
class Issue:
    severity: str  # ERROR: the row (or the file) cannot be imported; WARNING: it can, but look
    code: str
    message: object  # lazy translatable text
    column: str | None = None  # the header as written in the file

    @classmethod
    def of(cls, problem, column: str | None = None, severity: str = ERROR) -> "Issue":
        """From a parser's exception (it has code and message)."""
        return cls(severity, problem.code, problem.message, column)

    def as_json(self) -> dict:
        return {
            "severity": self.severity,
            "code": self.code,
            "column": self.column,
            "message": in_every_language(self.message),
        }


@dataclass
class RowResult:
    number: int  # as the official sees it in the file
    outcome: str = UNCHANGED
    issues: list[Issue] = field(default_factory=list)
    records: dict[str, int | None] = field(default_factory=dict)  # organisation, site, credential
    changes: dict[str, list] = field(default_factory=dict)  # "site.phone": [before, after]
    location: dict[str, object] = field(default_factory=dict)  # method, accuracy_m

    @property
    def failed(self) -> bool:
        return any(issue.severity == ERROR for issue in self.issues)

    def as_json(self) -> dict:
        return {
            "row": self.number,
            "outcome": self.outcome,
            "issues": [issue.as_json() for issue in self.issues],
            "records": self.records,
            "changes": self.changes,
            "location": self.location,
        }


@dataclass
class Report:
    file: dict[str, object] = field(default_factory=dict)  # name, sha256, format, encoding ...
    columns: list[list[str]] = field(default_factory=list)  # [header, field], in file order
    file_issues: list[Issue] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    near_duplicates: list[dict] = field(default_factory=list)
    outcome: str = ""  # see ImportRun.Outcome

    @property
    def has_errors(self) -> bool:
        return any(i.severity == ERROR for i in self.file_issues) or any(
            row.failed for row in self.rows
        )

    def totals(self) -> dict[str, int]:
        counts = Counter(row.outcome for row in self.rows)
        issues = Counter(issue.severity for row in self.rows for issue in row.issues)
        issues.update(issue.severity for issue in self.file_issues)
        return {
            "rows": len(self.rows),
            **{outcome: counts[outcome] for outcome in OUTCOMES},
            "errors": issues[ERROR],
            "warnings": issues[WARNING],
            "near_duplicates": len(self.near_duplicates),
        }

    def as_json(self) -> dict:
        return {
            "outcome": self.outcome,
            "file": self.file,
            "totals": self.totals(),
            "columns": self.columns,
            "file_issues": [issue.as_json() for issue in self.file_issues],
            "rows": [row.as_json() for row in self.rows],
            "near_duplicates": self.near_duplicates,
        }


def present(report: dict, language: str, show: str = "all", limit: int | None = None) -> dict:
    """A stored report ready for a template, in one language: the file issues, the rows to show
    ("issues": those with any, else those of one outcome, or "all"), at most `limit` of them."""

    def issues(items):
        return [
            {**issue, "text": issue["message"].get(language) or issue["message"]["en"]}
            for issue in items
        ]

    rows = [
        row
        for row in report.get("rows", [])
        if show == "all" or (row["issues"] if show == "issues" else row["outcome"] == show)
    ]
    shown = rows[:limit] if limit else rows
    return {
        "totals": report.get("totals", {}),
        "file": report.get("file", {}),
        "columns": report.get("columns", {}),
        "file_issues": issues(report.get("file_issues", [])),
        "near_duplicates": report.get("near_duplicates", []),
        "rows": [
            {
                **row,
                "issues": issues(row["issues"]),
                "changes": [(name, *values) for name, values in row["changes"].items()],
            }
            for row in shown
        ],
        "matching_rows": len(rows),
        "with_changes": any(row["changes"] for row in shown),
        "show": show,
    }
