"""The registry in the admin, for officials: diacritics-insensitive search, filters by province,
service and status (computed for today), inlines, and a map to place or move a site."""

from django import forms
from django.contrib import admin, messages
from django.contrib.gis.db.models import PointField
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import FileField
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from geodata import status
from geodata.documents import DocumentFileWidget
from geodata.history import HistoryAdminMixin
from geodata.importers.report import interpolated_lazy, present
from geodata.models import (
    AdministrativeUnit,
    Authority,
    Credential,
    CredentialEvent,
    Document,
    Field,
    Guide,
    ImportRun,
    InstrumentType,
    Organisation,
    Scheme,
    ScopeItem,
    ServiceKind,
    Site,
)
from geodata.services import ImportOptions, confirm_import, import_registry
from geodata.widgets import MapPointWidget
from governance.roles import Role, province_id_of, role_of
from governance.scoped_admin import RegistryAdminMixin, RegistryInlineMixin, RulesAdminMixin


def folded(*fields):
    """Admin search fields that match with and without diacritics ("kiem dinh" finds "kiểm
    định") through PostgreSQL's unaccent."""
    return [f"{name}__unaccent__icontains" for name in fields]


class StatusFilter(admin.SimpleListFilter):
    title = _("status today")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(status.LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class ServiceKindFilter(admin.SimpleListFilter):
    title = _("service")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return ServiceKind.choices

    def queryset(self, request, queryset):
        return queryset.filter(kinds__contains=[self.value()]) if self.value() else queryset


class StatusTodayMixin:
    """Lists annotated with the status computed in the database for today."""

    def get_queryset(self, request):
        return super().get_queryset(request).with_status(timezone.localdate())

    @admin.display(description=_("status today"), ordering="status")
    def status_today(self, obj):
        return status.LABELS.get(obj.status, "—")


class CredentialEventInline(RegistryInlineMixin, admin.TabularInline):
    model = CredentialEvent
    extra = 0


class ScopeItemInline(RegistryInlineMixin, admin.TabularInline):
    model = ScopeItem
    extra = 0
    fields = ["field", "product", "test", "method", "method_reference", "range", "instrument_type"]
    readonly_fields = ["method_reference"]
    autocomplete_fields = ["field", "instrument_type"]


class DocumentInline(RegistryInlineMixin, admin.TabularInline):
    model = Document
    extra = 0
    fields = ["kind", "number", "title", "issued_on", "file", "public", "sha256"]
    readonly_fields = ["sha256"]
    formfield_overrides = {FileField: {"widget": DocumentFileWidget}}


class SiteInline(RegistryInlineMixin, admin.TabularInline):
    model = Site
    extra = 0
    fields = ["name", "kinds", "address", "province", "published"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj):
        return False


class CredentialInline(RegistryInlineMixin, StatusTodayMixin, admin.TabularInline):
    model = Credential
    extra = 0
    fields = ["scheme", "number", "issuer", "issued_on", "valid_until", "status_today"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj):
        return False


# A point is placed on the project's own map (works without tiles, no outside script).
MAP_POINT = {
    PointField: {
        "widget": MapPointWidget,
        "error_messages": {
            "invalid_geom": _(
                "Type the longitude and latitude in decimal degrees (e.g. 105.8 and 21.04), "
                "or click the map."
            )
        },
    }
}


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdminMixin, RegistryAdminMixin, admin.ModelAdmin):
    list_display = ["name_vi", "short_name", "tax_code", "parent", "updated_at"]
    search_fields = [*folded("name_vi", "name_en", "short_name"), "tax_code"]
    autocomplete_fields = ["parent"]
    inlines = [SiteInline, CredentialInline, DocumentInline]


@admin.register(Site)
class SiteAdmin(HistoryAdminMixin, RegistryAdminMixin, StatusTodayMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "kind_labels",
        "province",
        "commune",
        "status_today",
        "published",
    ]
    list_filter = [
        ServiceKindFilter,
        StatusFilter,
        ("province", admin.RelatedOnlyFieldListFilter),
        "location_method",
        "published",
    ]
    search_fields = folded("name", "address", "organisation__name_vi", "commune__name")
    autocomplete_fields = ["organisation", "province", "commune"]
    list_select_related = ["organisation", "province", "commune"]
    formfield_overrides = MAP_POINT
    fieldsets = [
        (None, {"fields": ["organisation", "name", "kinds", "published"]}),
        (
            _("Address"),
            {
                "fields": [
                    "address",
                    "province",
                    "commune",
                    "legacy_commune_name",
                    "legacy_district_name",
                    "legacy_province_name",
                ]
            },
        ),
        (_("Location"), {"fields": ["location", "location_method", "location_accuracy_m"]}),
        (_("Contact"), {"fields": ["phone", "email", "opening_hours"]}),
    ]

    @admin.display(description=_("services"))
    def kind_labels(self, site):
        return ", ".join(str(ServiceKind(kind).label) for kind in site.kinds)


@admin.register(Credential)
class CredentialAdmin(HistoryAdminMixin, RegistryAdminMixin, StatusTodayMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "scheme",
        "organisation",
        "issuer",
        "issued_on",
        "valid_until",
        "status_today",
    ]
    list_filter = [
        StatusFilter,
        "scheme",
        "standard",
        "issuer__kind",
        ("sites__province", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = folded(
        "number",
        "organisation__name_vi",
        "scope__product",
        "scope__test",
        "scope__method_reference",
    )
    autocomplete_fields = ["organisation", "issuer", "sites"]
    list_select_related = ["scheme", "organisation", "issuer"]
    date_hierarchy = "issued_on"
    inlines = [CredentialEventInline, ScopeItemInline, DocumentInline]


@admin.register(Document)
class DocumentAdmin(HistoryAdminMixin, RegistryAdminMixin, admin.ModelAdmin):
    list_display = ["title", "kind", "number", "organisation", "issued_on", "public", "size_bytes"]
    list_filter = ["kind", "public"]
    search_fields = folded("title", "number", "organisation__name_vi")
    autocomplete_fields = ["organisation", "credential", "issuer"]
    readonly_fields = ["sha256", "size_bytes"]
    formfield_overrides = {FileField: {"widget": DocumentFileWidget}}


@admin.register(Authority)
class AuthorityAdmin(HistoryAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    list_display = ["name_vi", "short_name", "kind", "province", "superseded_by", "active_until"]
    list_filter = ["kind", "country"]
    search_fields = folded("name_vi", "name_en", "short_name")
    autocomplete_fields = ["province", "superseded_by"]
    formfield_overrides = MAP_POINT


@admin.register(Scheme)
class SchemeAdmin(HistoryAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_vi", "credential_kind", "legal_basis"]
    list_filter = ["credential_kind"]
    search_fields = folded("code", "name_vi", "name_en")


class VocabularyAdmin(HistoryAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en"]
    search_fields = folded("code", "name_vi", "name_en")


admin.site.register(Field, VocabularyAdmin)


@admin.register(InstrumentType)
class InstrumentTypeAdmin(VocabularyAdmin):
    list_display = [*VocabularyAdmin.list_display, "group_2", "verification_interval_months"]
    list_filter = ["group_2"]


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(RulesAdminMixin, admin.ModelAdmin):
    """Reference data, loaded from files: shown, not edited."""

    list_display = ["code", "full_name", "level", "current", "parent"]
    list_filter = ["level", "current"]
    search_fields = [*folded("name", "full_name"), "code"]
    list_select_related = ["parent"]
    readonly_fields = [
        "level",
        "current",
        "code",
        "name",
        "full_name",
        "unit_type",
        "parent",
        "point_method",
        "successor_list",
    ]
    exclude = ["boundary", "point", "successors"]

    @admin.display(description=_("became"))
    def successor_list(self, unit):
        return ", ".join(str(u) for u in unit.successors.all()) or "—"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GuideSubjectFilter(admin.SimpleListFilter):
    title = _("about")
    parameter_name = "about"

    def lookups(self, request, model_admin):
        return [("kind", _("a service kind")), ("instrument", _("a measuring-instrument type"))]

    def queryset(self, request, queryset):
        if self.value() == "kind":
            return queryset.filter(instrument__isnull=True)
        if self.value() == "instrument":
            return queryset.filter(instrument__isnull=False)
        return queryset


@admin.register(Guide)
class GuideAdmin(HistoryAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    """Guidance for citizens and businesses, kept by officials: the English texts may be left
    empty (the Vietnamese ones are shown instead)."""

    list_display = ["title_vi", "subject_label", "published", "updated_at"]
    list_filter = [GuideSubjectFilter, "kind", "published"]
    search_fields = folded(
        "title_vi", "title_en", "summary_vi", "legal_basis_vi", "instrument__name_vi"
    )
    list_select_related = ["instrument"]
    autocomplete_fields = ["instrument"]
    readonly_fields = ["page_address", "verification_interval", "updated_at"]
    fieldsets = [
        (
            _("About"),
            {
                "description": _("Either a service kind or a measuring-instrument type."),
                "fields": [
                    "kind",
                    "instrument",
                    "page_address",
                    "verification_interval",
                    "published",
                ],
            },
        ),
        (
            _("Vietnamese"),
            {
                "fields": [
                    "title_vi",
                    "summary_vi",
                    "legal_basis_vi",
                    "what_to_bring_vi",
                    "how_to_check_vi",
                ]
            },
        ),
        (
            _("English (optional: the Vietnamese text is shown where one is empty)"),
            {
                "fields": [
                    "title_en",
                    "summary_en",
                    "legal_basis_en",
                    "what_to_bring_en",
                    "how_to_check_en",
                ]
            },
        ),
        (None, {"fields": ["updated_at"]}),
    ]

    @admin.display(description=_("about"), ordering="kind")
    def subject_label(self, guide):
        return guide.subject_label

    @admin.display(description=_("address of the page"))
    def page_address(self, guide):
        return guide.get_absolute_url() if guide.pk else "—"

    @admin.display(description=_("verification interval"))
    def verification_interval(self, guide):
        """Kept on the instrument type, shown here so the texts need not repeat it."""
        if not guide.instrument_id:
            return "—"
        months = guide.verification_interval_months
        if months is None:
            return _("no fixed interval (see the instrument type)")
        return ngettext(
            "every %(months)s month (from the instrument type)",
            "every %(months)s months (from the instrument type)",
            months,
        ) % {"months": months}


# Bulk imports --------------------------------------------------------------------------------

IMPORT_ROWS_SHOWN = 500
MAX_IMPORT_MB = 50
IMPORT_FILE_TYPES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".geojson", ".json")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("file"),
        help_text=interpolated_lazy(
            _("CSV, XLSX or GeoJSON; at most %(mb)s MB."), {"mb": MAX_IMPORT_MB}
        ),
    )
    province = forms.ModelChoiceField(
        AdministrativeUnit.objects.filter(level="province", current=True).order_by("name"),
        required=False,
        label=_("for the province"),
        help_text=_(
            "For a provincial department's file: rows without a province are placed in it, and "
            "rows in another province are errors."
        ),
    )
    only_valid_rows = forms.BooleanField(
        required=False,
        label=_("only the valid rows"),
        help_text=_("Import the rows without errors even when other rows have some."),
    )

    def __init__(self, *args, province_id=None, **kwargs):
        """`province_id`: a provincial officer imports for their own province only."""
        super().__init__(*args, **kwargs)
        if province_id:
            field = self.fields["province"]
            field.queryset, field.required = field.queryset.filter(pk=province_id), True
            field.initial = province_id

    def clean_file(self):
        file = self.cleaned_data["file"]
        if not file.name.lower().endswith(IMPORT_FILE_TYPES):
            raise forms.ValidationError(
                _("Upload a CSV, XLSX or GeoJSON file (an old .xls: save it as .xlsx first).")
            )
        if file.size > MAX_IMPORT_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB: split it.") % {"mb": MAX_IMPORT_MB}
            )
        return file


@admin.register(ImportRun)
class ImportRunAdmin(RulesAdminMixin, admin.ModelAdmin):
    """Upload a file, read its check, confirm: the import runs again, for real, from the stored
    file. Runs are records of what happened: never edited, never deleted."""

    list_display = ["started_at", "file_name", "performed_by", "province", "outcome", "summary"]
    list_filter = ["outcome", ("province", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["file_name", "sha256", "performed_by"]
    date_hierarchy = "started_at"

    @admin.display(description=_("rows"))
    def summary(self, run):
        totals = run.totals
        return _("%(created)s created, %(updated)s updated, %(error)s with errors") % {
            "created": totals.get("created", 0),
            "updated": totals.get("updated", 0),
            "error": totals.get("error", 0),
        }

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/confirm/", view(self.confirm_view), name="geodata_importrun_confirm"),
            path("<int:pk>/report.json", view(self.report_view), name="geodata_importrun_report"),
            path("<int:pk>/file/", view(self.file_view), name="geodata_importrun_file"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(
            request.POST or None, request.FILES or None, province_id=province_id_of(request.user)
        )
        if request.method == "POST" and form.is_valid():
            upload, province = form.cleaned_data["file"], form.cleaned_data["province"]
            options = ImportOptions(
                province=province.code if province else None,
                dry_run=True,
                only_valid_rows=form.cleaned_data["only_valid_rows"],
            )
            run = import_registry(upload.read(), upload.name, options, user=request.user)
            return redirect("admin:geodata_importrun_change", run.pk)
        context = {**self.admin_site.each_context(request), "opts": self.opts, "form": form}
        return TemplateResponse(request, "geodata/admin/import_upload.html", context)

    def get_queryset(self, request):
        runs = super().get_queryset(request)
        if role_of(request.user) == Role.ADMINISTRATOR:
            return runs
        return runs.filter(province_id=province_id_of(request.user))  # none without a province

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        with_issues = any(row["issues"] for row in run.report.get("rows", []))
        show = request.GET.get("show", "issues" if with_issues else "all")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "run": run,
            "report": present(run.report, get_language(), show, IMPORT_ROWS_SHOWN),
            "filters": [
                ("issues", _("rows with messages")),
                ("created", pgettext_lazy("import outcome", "created")),
                ("updated", pgettext_lazy("import outcome", "updated")),
                ("unchanged", pgettext_lazy("import outcome", "unchanged")),
                ("error", _("with errors")),
                ("all", _("all")),
            ],
            "can_confirm": self._can_confirm(request, run),
            "blocked_by_errors": self._blocked_by_errors(run),
            "imported_since": self._imported_since(run),
        }
        return TemplateResponse(request, "geodata/admin/import_run.html", context)

    @staticmethod
    def _blocked_by_errors(run: ImportRun) -> bool:
        """Whether the errors of a check keep its file from being imported as it was asked."""
        file_errors = any(i["severity"] == "error" for i in run.report.get("file_issues", []))
        row_errors = run.totals.get("error", 0) and not run.only_valid_rows
        return bool(file_errors or row_errors)

    @staticmethod
    def _imported_since(run: ImportRun) -> ImportRun | None:
        """The import of the same file that followed a check (its confirmation, as a rule)."""
        if run.outcome != ImportRun.Outcome.CHECKED:
            return None
        later = ImportRun.objects.filter(
            sha256=run.sha256, outcome=ImportRun.Outcome.IMPORTED, started_at__gt=run.started_at
        )
        return later.order_by("started_at", "pk").first()

    def _can_confirm(self, request, run: ImportRun) -> bool:
        return (
            run.outcome == ImportRun.Outcome.CHECKED
            and not self._blocked_by_errors(run)
            and self.has_add_permission(request)
            and self._imported_since(run) is None
        )

    def confirm_view(self, request, pk):
        if request.method != "POST":
            raise PermissionDenied
        with transaction.atomic():
            # The check is locked while its file is imported: a second click (or a second
            # official) waits, then finds the import done instead of importing it again.
            run = get_object_or_404(self.get_queryset(request).select_for_update(), pk=pk)
            if done := self._imported_since(run):
                messages.warning(
                    request,
                    _("This check was already confirmed: its file was imported (import %(id)s).")
                    % {"id": done.pk},
                )
                return redirect("admin:geodata_importrun_change", done.pk)
            if not self._can_confirm(request, run):
                raise PermissionDenied
            imported = confirm_import(run, user=request.user)
        if imported.outcome == ImportRun.Outcome.IMPORTED:
            messages.success(request, _("The file was imported."))
        else:
            messages.error(request, _("The file was not imported: see the report."))
        return redirect("admin:geodata_importrun_change", imported.pk)

    def report_view(self, request, pk):
        run = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        response = JsonResponse(run.report, json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-report.json"'
        return response

    def file_view(self, request, pk):
        run = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        return FileResponse(run.file.open("rb"), as_attachment=True, filename=run.file_name)
