"""The admin of issued certificates: each user sees the certificates of the sites they may issue
for (certificates/rules.py), registers a file of them, and revokes with a reason. A certificate
is signed: nothing of it is edited here. Keys and the log are read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from certificates import importers, services
from certificates.models import Certificate, Checkpoint, LogEntry, SigningKey
from certificates.rules import sites_q
from geodata.importers.report import Problem
from governance.scoped_admin import RulesAdminMixin


class ReadOnlyAdmin(RulesAdminMixin, admin.ModelAdmin):
    """Records the application writes: seen, never added, changed or deleted here."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("yes", _("Revoked")), ("no", _("Not revoked"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_on__isnull=self.value() == "no")
        return queryset


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8), XLSX or JSON (a list of objects), one certificate per row, with "
            "Vietnamese or English column names. All rows are registered, or none."
        ),
    )
    dry_run = forms.BooleanField(label=_("Check only (write nothing)"), required=False)


class RevocationForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    revoked_on = forms.DateField(
        label=_("Revoked on"), required=False, help_text=_("Today when left empty.")
    )


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "kind",
        "site",
        "instrument_type",
        "issued_on",
        "result",
        "revoked_on",
    ]
    list_filter = [
        "kind",
        "result",
        RevokedFilter,
        ("site__province", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["number", "serial_number"]
    list_select_related = ["site", "instrument_type"]
    date_hierarchy = "issued_on"
    actions = ["revoke"]
    change_list_template = "admin/certificates/certificate/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(sites_q(request.user, "site__"))

    def has_revoke_permission(self, request):
        return request.user.has_perm("certificates.revoke_certificate")

    def get_urls(self):
        upload = self.admin_site.admin_view(self.import_view)
        return [
            path("import/", upload, name="certificates_certificate_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a file of certificates for the user's organisation or province: the report."""
        if not request.user.has_perm("certificates.add_certificate"):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        context = {**self.admin_site.each_context(request), "opts": self.opts, "form": form}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                read, report = importers.import_file(
                    request.user, upload.read(), upload.name, dry_run=form.cleaned_data["dry_run"]
                )
                context.update(read=read, report=report)
            except Problem as problem:
                form.add_error("file", str(problem))
        return TemplateResponse(request, "admin/certificates/certificate/import.html", context)

    @admin.action(description=_("Revoke the selected certificates"), permissions=["revoke"])
    def revoke(self, request, queryset):
        form = RevocationForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            revoked = self._revoke_each(request, queryset, form.cleaned_data)
            messages.success(request, _("%(count)s certificates revoked.") % {"count": revoked})
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "certificates": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/certificates/certificate/revoke.html", context)

    def _revoke_each(self, request, queryset, data) -> int:
        revoked = 0
        for certificate in queryset:
            try:
                services.revoke(request.user, certificate, data["reason"], data["revoked_on"])
                revoked += 1
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, f"{certificate.number}: {' '.join(_messages(error))}")
        return revoked


def _messages(error) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(message) for message in error.messages]
    return [str(error)]


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ["kid", "use", "created_at", "retired_at"]
    list_filter = ["use"]
    exclude = ["public_key"]


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "event", "certificate_id", "recorded_at"]
    list_filter = ["event"]
    search_fields = ["=certificate_id"]
    exclude = ["leaf_hash", "chain_hash"]


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["tree_size", "created_at", "key"]
    exclude = ["root_hash", "chain_hash", "signature"]
